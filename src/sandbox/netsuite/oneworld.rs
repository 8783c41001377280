//! NetSuite OneWorld rules: a customer belongs to a primary subsidiary (plus any others its
//! `customerSubsidiaryRelationship` records name) and may transact in its primary currency and
//! the currencies of its `currencyList`; a sales order or invoice must use one of each, and takes
//! the customer's primary ones when it names none.

use super::error::NsError;
use super::record_type::RecordType;
use super::store::{Record, Records, field, next_modified, set_field};
use super::validate::reference_id;
use chrono::{DateTime, Utc};
use serde_json::{Map, Value, json};

/// The subsidiaries a customer may transact in: its primary one and every relationship's.
pub fn customer_subsidiaries(records: &Records, customer: &Record) -> Vec<u64> {
    let mut subsidiaries: Vec<u64> = customer
        .field("subsidiary")
        .and_then(reference_id)
        .into_iter()
        .collect();
    let related = records
        .all(RecordType::CustomerSubsidiaryRelationship)
        .filter(|relationship| {
            relationship.field("entity").and_then(reference_id) == Some(customer.id)
        })
        .filter_map(|relationship| relationship.field("subsidiary").and_then(reference_id));
    for subsidiary in related {
        if !subsidiaries.contains(&subsidiary) {
            subsidiaries.push(subsidiary);
        }
    }
    subsidiaries
}

/// The currencies a customer may transact in: its primary one and its currency list's.
pub fn customer_currencies(customer: &Record) -> Vec<u64> {
    let primary = customer.field("currency").and_then(reference_id);
    let listed = currency_lines(&customer.fields)
        .iter()
        .filter_map(|line| field(line.as_object()?, "currency").and_then(reference_id))
        .collect::<Vec<_>>();
    let mut currencies: Vec<u64> = primary.into_iter().collect();
    for currency in listed {
        if !currencies.contains(&currency) {
            currencies.push(currency);
        }
    }
    currencies
}

fn currency_lines(fields: &Map<String, Value>) -> Vec<Value> {
    field(fields, "currencyList")
        .and_then(|sublist| sublist.get("items"))
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default()
}

/// A customer without a currency takes its subsidiary's base currency; the primary currency is
/// always on the customer's currency list.
pub fn complete_customer(records: &Records, fields: &mut Map<String, Value>) {
    let has_currency = field(fields, "currency").and_then(reference_id).is_some();
    if !has_currency
        && let Some(currency) = field(fields, "subsidiary")
            .and_then(reference_id)
            .and_then(|id| records.get(RecordType::Subsidiary, id))
            .and_then(|subsidiary| subsidiary.field("currency"))
            .and_then(reference_id)
    {
        set_field(fields, "currency", json!({ "id": currency.to_string() }));
    }
    let Some(primary) = field(fields, "currency").and_then(reference_id) else {
        return;
    };
    let mut lines = currency_lines(fields);
    let listed = lines.iter().any(|line| {
        line.as_object()
            .and_then(|line| field(line, "currency"))
            .and_then(reference_id)
            == Some(primary)
    });
    if !listed {
        let next = lines
            .iter()
            .filter_map(|line| line.get("line").and_then(Value::as_u64))
            .max()
            .unwrap_or(0)
            + 1;
        lines.push(json!({ "line": next, "currency": { "id": primary.to_string() } }));
        set_field(fields, "currencyList", json!({ "items": lines }));
    }
}

/// A transaction's subsidiary and currency must be among its customer's.
pub fn check_transaction(
    records: &Records,
    record_type: RecordType,
    fields: &Map<String, Value>,
) -> Result<(), NsError> {
    let owner = match record_type {
        RecordType::SalesOrder | RecordType::Invoice => "entity",
        _ => return Ok(()),
    };
    let Some(customer) = field(fields, owner)
        .and_then(reference_id)
        .and_then(|id| records.get(RecordType::Customer, id))
    else {
        return Ok(());
    };
    if let Some(value) = field(fields, "subsidiary")
        && let Some(subsidiary) = reference_id(value)
        && !customer_subsidiaries(records, customer).contains(&subsidiary)
    {
        return Err(NsError::invalid_value("subsidiary", "subsidiary", value));
    }
    if let Some(value) = field(fields, "currency")
        && let Some(currency) = reference_id(value)
        && !customer_currencies(customer).contains(&currency)
    {
        return Err(NsError::invalid_value("currency", "currency", value));
    }
    Ok(())
}

/// Keeps the customer's primary `customerSubsidiaryRelationship` record in step with its
/// primary subsidiary, as NetSuite maintains it. Relationship ids have their own sequence.
pub fn sync_primary_relationship(records: &mut Records, customer: u64, now: DateTime<Utc>) {
    let Some(subsidiary) = records
        .get(RecordType::Customer, customer)
        .and_then(|record| record.field("subsidiary"))
        .and_then(reference_id)
    else {
        return;
    };
    let relationships = || records.all(RecordType::CustomerSubsidiaryRelationship);
    let primary = relationships()
        .find(|relationship| {
            relationship.field("entity").and_then(reference_id) == Some(customer)
                && relationship.field("isPrimarySub") == Some(&Value::Bool(true))
        })
        .cloned();
    let subsidiary_ref = json!({ "id": subsidiary.to_string() });
    let record = match primary {
        Some(existing)
            if existing.field("subsidiary").and_then(reference_id) == Some(subsidiary) =>
        {
            return;
        }
        Some(mut existing) => {
            set_field(&mut existing.fields, "subsidiary", subsidiary_ref);
            existing.last_modified = next_modified(now, Some(existing.last_modified));
            existing
        }
        None => {
            let id = relationships().map(|r| r.id).max().unwrap_or(0) + 1;
            let fields = json!({
                "entity": { "id": customer.to_string() },
                "subsidiary": subsidiary_ref,
                "isPrimarySub": true,
            });
            Record {
                record_type: RecordType::CustomerSubsidiaryRelationship,
                id,
                external_id: None,
                fields: fields.as_object().cloned().unwrap_or_default(),
                last_modified: next_modified(now, None),
            }
        }
    };
    records.put(record);
}

/// Deletes a customer's relationship rows (when the customer itself is deleted).
pub fn remove_relationships(records: &mut Records, customer: u64) {
    let rows: Vec<u64> = records
        .all(RecordType::CustomerSubsidiaryRelationship)
        .filter(|row| row.field("entity").and_then(reference_id) == Some(customer))
        .map(|row| row.id)
        .collect();
    for row in rows {
        records.remove(RecordType::CustomerSubsidiaryRelationship, row);
    }
}
