//! The SuiteQL tables the emulator serves, as rows of lower-case columns holding text (SuiteQL
//! answers every value as a string; booleans are `T`/`F`, references their internal id):
//! `item` (every item record type, `itemtype` as NetSuite names it), `currency`, `customer`,
//! `customersubsidiaryrelationship` and `subsidiary`. `lastmodifieddate` compares to the
//! millisecond and shows as a date.

use super::super::record_type::RecordType;
use super::super::store::{Record, Records};
use serde_json::Value;
use std::collections::BTreeMap;

/// One row: column → value (`None` is SQL NULL).
pub type Row = BTreeMap<&'static str, Option<String>>;

/// The columns of a table, in the order `SELECT *` shows them.
pub fn columns(table: &str) -> Option<&'static [&'static str]> {
    Some(match table {
        "item" => &[
            "id",
            "itemid",
            "displayname",
            "itemtype",
            "isinactive",
            "externalid",
            "lastmodifieddate",
        ],
        "currency" => &["id", "name", "symbol", "isbasecurrency", "isinactive"],
        "customer" => &[
            "id",
            "entityid",
            "companyname",
            "email",
            "url",
            "externalid",
            "subsidiary",
            "currency",
            "lastmodifieddate",
        ],
        "customersubsidiaryrelationship" => &["id", "entity", "subsidiary", "isprimarysub"],
        "subsidiary" => &["id", "name", "currency"],
        _ => return None,
    })
}

/// Every row of a known table, by internal id.
pub fn rows(records: &Records, table: &str) -> Vec<Row> {
    let Some(columns) = columns(table) else {
        return Vec::new();
    };
    let sources: Vec<RecordType> = match table {
        "item" => RecordType::ITEMS.to_vec(),
        "currency" => vec![RecordType::Currency],
        "customer" => vec![RecordType::Customer],
        "customersubsidiaryrelationship" => vec![RecordType::CustomerSubsidiaryRelationship],
        "subsidiary" => vec![RecordType::Subsidiary],
        _ => Vec::new(),
    };
    let mut found: Vec<&Record> = sources
        .iter()
        .flat_map(|record_type| records.all(*record_type))
        .collect();
    found.sort_by_key(|record| record.id);
    found
        .into_iter()
        .map(|record| {
            columns
                .iter()
                .map(|column| (*column, value(record, column)))
                .collect()
        })
        .collect()
}

/// A value as SuiteQL answers it: a date-time column in the account's default date format
/// (`12/3/2026`), as NetSuite shows one unless the query formats it with `TO_CHAR`.
pub fn shown(column: &str, value: Option<String>) -> Option<String> {
    match column {
        "lastmodifieddate" => value.map(|text| {
            chrono::DateTime::parse_from_rfc3339(&text)
                .map(|time| time.format("%-m/%-d/%Y").to_string())
                .unwrap_or(text)
        }),
        _ => value,
    }
}

fn value(record: &Record, column: &str) -> Option<String> {
    match column {
        "id" => return Some(record.id.to_string()),
        "externalid" => return record.external_id.clone(),
        // Held to the millisecond for comparisons; shown as a date (`shown`).
        "lastmodifieddate" => {
            return Some(
                record
                    .last_modified
                    .to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            );
        }
        "itemtype" => return record.record_type.suiteql_item_type().map(str::to_owned),
        _ => {}
    }
    let boolean = column.starts_with("is");
    match record.field(column) {
        None | Some(Value::Null) if boolean => Some("F".into()),
        None | Some(Value::Null) => None,
        Some(Value::Bool(flag)) => Some(if *flag { "T" } else { "F" }.into()),
        Some(Value::String(text)) if text.is_empty() => None,
        Some(Value::String(text)) => Some(text.clone()),
        Some(Value::Number(number)) => Some(number.to_string()),
        Some(Value::Object(reference)) => reference.get("id").map(|id| match id {
            Value::String(text) => text.clone(),
            other => other.to_string(),
        }),
        Some(other) => Some(other.to_string()),
    }
}
