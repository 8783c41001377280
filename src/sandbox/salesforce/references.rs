//! Composite request references: `@{refAccount.id}` or `@{refQuery.records[0].Id}` in a
//! subrequest's URL or body, replaced by a value from an earlier subrequest's response body.

use serde_json::{Map, Value};

/// An expression that names no earlier answer, or a value that answer lacks.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Invalid reference specified. No value for {expression} found in {reference}")]
pub struct Unresolved {
    pub expression: String,
    pub reference: String,
}

/// The value `expression` (`ref.field`, `ref[0].id`, `ref.records[1].Name`) names.
fn lookup(bodies: &Map<String, Value>, expression: &str) -> Result<Value, Unresolved> {
    let name_end = expression
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(expression.len());
    let reference = &expression[..name_end];
    let unresolved = || Unresolved {
        expression: expression.to_owned(),
        reference: reference.to_owned(),
    };
    let mut current = bodies.get(reference).ok_or_else(unresolved)?;
    let mut rest = &expression[name_end..];
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix('.') {
            let end = after.find(['.', '[']).unwrap_or(after.len());
            current = current.get(&after[..end]).ok_or_else(unresolved)?;
            rest = &after[end..];
        } else if let Some(after) = rest.strip_prefix('[') {
            let end = after.find(']').ok_or_else(unresolved)?;
            let index: usize = after[..end].parse().map_err(|_| unresolved())?;
            current = current.get(index).ok_or_else(unresolved)?;
            rest = &after[end + 1..];
        } else {
            return Err(unresolved());
        }
    }
    match current {
        Value::Null | Value::Object(_) | Value::Array(_) => Err(unresolved()),
        value => Ok(value.clone()),
    }
}

fn as_text(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

/// `text` with every `@{…}` replaced by the text of its value.
pub fn in_text(text: &str, bodies: &Map<String, Value>) -> Result<String, Unresolved> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("@{") {
        let Some(len) = rest[start + 2..].find('}') else {
            break;
        };
        out.push_str(&rest[..start]);
        out.push_str(&as_text(&lookup(
            bodies,
            &rest[start + 2..start + 2 + len],
        )?));
        rest = &rest[start + 3 + len..];
    }
    out.push_str(rest);
    Ok(out)
}

/// `value` with references replaced; a string that is only a reference takes the value's type.
pub fn in_json(value: &Value, bodies: &Map<String, Value>) -> Result<Value, Unresolved> {
    Ok(match value {
        Value::String(text) => match text.strip_prefix("@{").and_then(|t| t.strip_suffix('}')) {
            Some(expression) if !expression.contains('}') => lookup(bodies, expression)?,
            _ => Value::String(in_text(text, bodies)?),
        },
        Value::Array(items) => Value::Array(
            items
                .iter()
                .map(|item| in_json(item, bodies))
                .collect::<Result<_, _>>()?,
        ),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(key, item)| Ok((key.clone(), in_json(item, bodies)?)))
                .collect::<Result<_, Unresolved>>()?,
        ),
        other => other.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn bodies() -> Map<String, Value> {
        json!({
            "refAccount": {"id": "001000000000001AAA", "success": true},
            "refQuery": {"records": [{"Id": "003000000000001AAA", "Amount": 5}]},
            "refMany": [{"id": "006000000000001AAA"}],
        })
        .as_object()
        .unwrap()
        .clone()
    }

    #[test]
    fn references_reach_fields_indexes_and_nested_records() {
        let bodies = bodies();
        assert_eq!(
            in_text("/sobjects/Account/@{refAccount.id}", &bodies).unwrap(),
            "/sobjects/Account/001000000000001AAA"
        );
        assert_eq!(
            in_json(&json!({"ContactId": "@{refQuery.records[0].Id}", "Qty": "@{refQuery.records[0].Amount}", "Ids": ["@{refMany[0].id}"]}), &bodies).unwrap(),
            json!({"ContactId": "003000000000001AAA", "Qty": 5, "Ids": ["006000000000001AAA"]})
        );
    }

    #[test]
    fn a_missing_reference_or_value_is_named_in_salesforces_words() {
        let bodies = bodies();
        let error = in_text("@{refAccount.Name}", &bodies).unwrap_err();
        assert_eq!(
            error.to_string(),
            "Invalid reference specified. No value for refAccount.Name found in refAccount"
        );
        assert_eq!(
            in_json(&json!("@{nope.id}"), &bodies)
                .unwrap_err()
                .reference,
            "nope"
        );
    }
}
