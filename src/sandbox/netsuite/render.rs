//! How records look on the wire: `links`, `id`, `externalId`, `lastModifiedDate` and fields, with
//! references carrying `links` and `refName` and sublists shown as links unless
//! `expandSubResources=true`; and how the emulated SuiteScript reports a record in echo events
//! (lowercase field ids, select fields as their internal id, sublists as arrays of lines).

use super::record_type::RecordType;
use super::store::{Record, Records};
use super::validate::reference_id;
use chrono::SecondsFormat;
use serde_json::{Map, Value, json};

pub const RECORD_CONTENT_TYPE: &str =
    "application/vnd.oracle.resource+json; type=singular-resource";
pub const COLLECTION_CONTENT_TYPE: &str = "application/vnd.oracle.resource+json; type=collection";

/// Which parts of a record to show.
#[derive(Debug, Clone, Default)]
pub struct View {
    /// `?fields=a,b`: only these (plus `links` and `id`).
    pub fields: Option<Vec<String>>,
    /// `?expandSubResources=true`: sublist lines inline.
    pub expand: bool,
}

impl View {
    fn wants(&self, name: &str) -> bool {
        self.fields.as_ref().is_none_or(|fields| {
            fields
                .iter()
                .any(|wanted| wanted.eq_ignore_ascii_case(name))
        })
    }
}

pub fn href(base: &str, record_type: RecordType, id: u64) -> String {
    format!(
        "{base}/services/rest/record/v1/{}/{id}",
        record_type.url_name()
    )
}

fn links(href: &str) -> Value {
    json!([{ "rel": "self", "href": href }])
}

pub fn record(records: &Records, base: &str, record: &Record, view: &View) -> Value {
    let self_href = href(base, record.record_type, record.id);
    let mut out = Map::new();
    out.insert("links".into(), links(&self_href));
    out.insert("id".into(), json!(record.id.to_string()));
    if let Some(external_id) = record
        .external_id
        .as_ref()
        .filter(|_| view.wants("externalId"))
    {
        out.insert("externalId".into(), json!(external_id));
    }
    if view.wants("lastModifiedDate") {
        let version = record
            .last_modified
            .to_rfc3339_opts(SecondsFormat::Millis, true);
        out.insert("lastModifiedDate".into(), json!(version));
    }
    for (key, value) in record.fields.iter().filter(|(key, _)| view.wants(key)) {
        let rendered = if value.get("items").is_some_and(Value::is_array) {
            let sublist_href = format!("{self_href}/{key}");
            if view.expand {
                let lines = lines(records, base, record.record_type, key, value);
                let count = lines.len();
                collection(&sublist_href, lines, count, 0, false)
            } else {
                json!({ "links": links(&sublist_href) })
            }
        } else {
            match record
                .record_type
                .references()
                .iter()
                .find(|r| r.field.eq_ignore_ascii_case(key))
            {
                Some(reference_field) => reference(records, base, reference_field.target, value),
                None => value.clone(),
            }
        };
        out.insert(key.clone(), rendered);
    }
    Value::Object(out)
}

/// The lines of a sublist, each with (empty) `links` and its references expanded.
pub fn lines(
    records: &Records,
    base: &str,
    record_type: RecordType,
    sublist: &str,
    value: &Value,
) -> Vec<Value> {
    let targets: Vec<_> = record_type
        .line_references()
        .iter()
        .filter(|reference| reference.sublist.eq_ignore_ascii_case(sublist))
        .collect();
    let lines = value
        .get("items")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    lines
        .into_iter()
        .map(|line| {
            let Value::Object(line) = line else {
                return line;
            };
            let mut out = Map::new();
            out.insert("links".into(), json!([]));
            for (key, value) in line {
                let rendered = match targets
                    .iter()
                    .find(|reference| reference.field.eq_ignore_ascii_case(&key))
                {
                    Some(reference_field) => {
                        reference(records, base, reference_field.target, &value)
                    }
                    None => value,
                };
                out.insert(key, rendered);
            }
            Value::Object(out)
        })
        .collect()
}

/// `{"id": "107"}` as NetSuite shows it: with the target's link and display name.
fn reference(records: &Records, base: &str, target: RecordType, value: &Value) -> Value {
    let Some(id) = reference_id(value) else {
        return value.clone();
    };
    let Some(record) = records.referenced(target, id) else {
        return json!({ "id": id.to_string(), "links": links(&href(base, target, id)) });
    };
    // An item reference links to the item's own record type.
    let self_href = href(base, record.record_type, id);
    json!({ "id": id.to_string(), "links": links(&self_href), "refName": record.display_name() })
}

/// A page of a collection, in NetSuite's shape.
pub fn collection(
    self_href: &str,
    items: Vec<Value>,
    total: usize,
    offset: usize,
    has_more: bool,
) -> Value {
    json!({
        "links": links(self_href),
        "count": items.len(),
        "hasMore": has_more,
        "items": items,
        "offset": offset,
        "totalResults": total,
    })
}

/// A collection item: just the record's link and id.
pub fn collection_item(base: &str, record: &Record) -> Value {
    json!({ "links": links(&href(base, record.record_type, record.id)), "id": record.id.to_string() })
}

/// The record's fields as a SuiteScript `afterSubmit` reads them (`newRecord.getValue`).
pub fn script_fields(record: &Record) -> Map<String, Value> {
    let mut out = Map::new();
    if let Some(external_id) = &record.external_id {
        out.insert("externalid".into(), json!(external_id));
    }
    for (key, value) in &record.fields {
        out.insert(key.to_ascii_lowercase(), script_value(value));
    }
    // Stock items always have a quantity available (NetSuite's, zero with no stock), and the
    // script reads it on every item change.
    if record.record_type == RecordType::InventoryItem {
        out.entry("quantityavailable").or_insert(json!(0));
    }
    out
}

fn script_value(value: &Value) -> Value {
    match value {
        Value::Object(object) => match (object.get("items"), object.get("id")) {
            (Some(Value::Array(lines)), _) => Value::Array(
                lines
                    .iter()
                    .map(|line| match line {
                        Value::Object(line) => Value::Object(
                            line.iter()
                                .map(|(key, value)| (key.to_ascii_lowercase(), script_value(value)))
                                .collect(),
                        ),
                        other => other.clone(),
                    })
                    .collect(),
            ),
            (_, Some(id)) => id.clone(),
            _ => value.clone(),
        },
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;

    #[test]
    fn an_inventory_item_event_always_carries_its_quantity_available() {
        let item = |fields: Value| Record {
            record_type: RecordType::InventoryItem,
            id: 1000,
            external_id: None,
            fields: fields.as_object().cloned().unwrap(),
            last_modified: Utc::now(),
        };
        let stocked = script_fields(&item(json!({ "itemId": "A", "quantityAvailable": 7 })));
        assert_eq!(stocked["quantityavailable"], json!(7));
        let new = script_fields(&item(json!({ "itemId": "B" })));
        assert_eq!(new["quantityavailable"], json!(0));
    }

    #[test]
    fn suitescript_sees_lowercase_ids_and_plain_select_values() {
        let mut fields = Map::new();
        fields.insert("tranId".into(), json!("SO1000"));
        fields.insert("entity".into(), json!({ "id": "101" }));
        fields.insert(
            "item".into(),
            json!({ "items": [{ "item": { "id": "201" }, "quantity": 2 }] }),
        );
        let record = Record {
            record_type: RecordType::SalesOrder,
            id: 1000,
            external_id: Some("006ABC".into()),
            fields,
            last_modified: Utc::now(),
        };
        let seen = Value::Object(script_fields(&record));
        assert_eq!(
            seen,
            json!({
                "externalid": "006ABC",
                "tranid": "SO1000",
                "entity": "101",
                "item": [{ "item": "201", "quantity": 2 }],
            })
        );
    }
}
