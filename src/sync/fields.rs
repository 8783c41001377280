//! Reading values out of records whatever JSON type carries them, and building NetSuite
//! references. The field names tandem keeps on records come from the mapping
//! (`ctx.mapping.record_fields()`), never from here.

use serde_json::{Map, Value, json};

/// A field's text, whatever JSON type carries it (Outbound Messages send strings, NetSuite
/// numbers; references `{"id": …}` give their id). Names compare case-insensitively.
pub fn text(fields: &Map<String, Value>, name: &str) -> Option<String> {
    let value = fields
        .iter()
        .find(|(key, _)| key.eq_ignore_ascii_case(name))
        .map(|(_, value)| value)?;
    match value {
        Value::String(text) if !text.trim().is_empty() => Some(text.trim().to_owned()),
        Value::Number(number) => Some(number.to_string()),
        Value::Bool(flag) => Some(flag.to_string()),
        Value::Object(object) => object.get("id").and_then(|id| match id {
            Value::String(text) => Some(text.clone()),
            Value::Number(number) => Some(number.to_string()),
            _ => None,
        }),
        _ => None,
    }
}

/// A number from a field that may hold a number or numeric text.
pub fn number(fields: &Map<String, Value>, name: &str) -> Option<f64> {
    text(fields, name).and_then(|text| text.parse().ok())
}

/// `{"id": id}`: a NetSuite record reference.
pub fn reference(id: &str) -> Value {
    json!({ "id": id })
}

/// The lines of a NetSuite sublist, inline (`{"items": […]}`) or as a bare list.
pub fn sublist<'a>(fields: &'a Map<String, Value>, name: &str) -> Vec<&'a Map<String, Value>> {
    fields
        .iter()
        .find(|(key, _)| key.eq_ignore_ascii_case(name))
        .map(|(_, value)| value)
        .and_then(|value| value.get("items").or(Some(value)))
        .and_then(Value::as_array)
        .map(|lines| lines.iter().filter_map(Value::as_object).collect())
        .unwrap_or_default()
}
