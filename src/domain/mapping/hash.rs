//! The fields hash the echo ledger compares: what tandem wrote and what the other system sends
//! back about the same record must hash equal, however each system spells the values.

use super::decimal::Decimal;
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::fmt::Write;

/// SHA-256 (lowercase hex) of the named fields of `fields`, in a canonical form.
///
/// Names are matched case-insensitively (exact spelling first) and hashed lowercased, sorted and
/// deduplicated. Values are normalised so that spellings of one value agree:
/// - missing, null and blank strings are the same;
/// - strings are trimmed; numbers and numeric strings compare by value (`"5000.0"` = `5000` =
///   `"5000"`);
/// - booleans equal `"true"`/`"false"` and NetSuite's `"T"`/`"F"` (any case);
/// - a NetSuite reference `{"id": "1", "refName": …}` is its id, so it equals `"1"` and `1`;
/// - other objects compare key by key, arrays element by element.
pub fn fields_hash<'a>(
    fields: &Map<String, Value>,
    names: impl IntoIterator<Item = &'a str>,
) -> String {
    let names: BTreeMap<String, &str> = names
        .into_iter()
        .map(|name| (name.to_lowercase(), name))
        .collect();
    let entries: Vec<Value> = names
        .into_iter()
        .map(|(lowercase, name)| {
            let value = find(fields, name, &lowercase).map_or(Value::Null, canonical);
            json!([lowercase, value])
        })
        .collect();
    let digest = Sha256::digest(Value::Array(entries).to_string().as_bytes());
    digest
        .iter()
        .fold(String::with_capacity(64), |mut hex, byte| {
            let _ = write!(hex, "{byte:02x}");
            hex
        })
}

fn find<'a>(fields: &'a Map<String, Value>, name: &str, lowercase: &str) -> Option<&'a Value> {
    fields.get(name).or_else(|| {
        fields
            .iter()
            .find(|(key, _)| key.to_lowercase() == lowercase)
            .map(|(_, value)| value)
    })
}

/// A tagged form in which equal values are equal JSON: `null`, `["b",true]`, `["n","12.5"]`,
/// `["s","text"]`, `["o",[[key,…],…]]`, `["a",[…]]`.
fn canonical(value: &Value) -> Value {
    match value {
        Value::Null => Value::Null,
        Value::Bool(b) => json!(["b", b]),
        Value::Number(_) => match Decimal::from_json(value) {
            Some(decimal) => json!(["n", decimal.canonical()]),
            None => json!(["s", value.to_string()]),
        },
        Value::String(text) => canonical_text(text.trim()),
        Value::Object(object) => match object.get("id") {
            Some(id) => canonical(id),
            None => {
                // Sorted here: serde_json keeps insertion order when `preserve_order` is on.
                let sorted: BTreeMap<&String, &Value> = object.iter().collect();
                let entries: Vec<Value> = sorted
                    .into_iter()
                    .map(|(key, value)| json!([key, canonical(value)]))
                    .collect();
                json!(["o", entries])
            }
        },
        Value::Array(items) => json!(["a", items.iter().map(canonical).collect::<Vec<_>>()]),
    }
}

fn canonical_text(text: &str) -> Value {
    if text.is_empty() {
        return Value::Null;
    }
    match text.to_ascii_lowercase().as_str() {
        "true" | "t" => return json!(["b", true]),
        "false" | "f" => return json!(["b", false]),
        _ => {}
    }
    match Decimal::parse(text) {
        Some(decimal) => json!(["n", decimal.canonical()]),
        None => json!(["s", text]),
    }
}
