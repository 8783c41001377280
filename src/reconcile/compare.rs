//! Comparing the values tandem would write with what the other side holds, as the two APIs
//! spell them: text trimmed, numbers by value (`"5000"` and `5000.0` agree), booleans in either
//! spelling (`T`, `true`), a NetSuite reference by its id, and empty, blank and missing alike.

use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// One field that differs: what the source's mapping makes of it, and what the other side has.
#[derive(Debug, Clone, PartialEq)]
pub struct Difference {
    pub expected: Value,
    pub found: Value,
}

/// The fields of `expected` whose value `found` does not hold (names compared without case).
pub fn differences(
    expected: &Map<String, Value>,
    found: &Map<String, Value>,
) -> BTreeMap<String, Difference> {
    expected
        .iter()
        .filter_map(|(name, want)| {
            let have = found
                .iter()
                .find(|(key, _)| key.eq_ignore_ascii_case(name))
                .map_or(&Value::Null, |(_, value)| value);
            (!same(want, have)).then(|| {
                (
                    name.clone(),
                    Difference {
                        expected: want.clone(),
                        found: have.clone(),
                    },
                )
            })
        })
        .collect()
}

/// Whether two values mean the same.
pub fn same(a: &Value, b: &Value) -> bool {
    match (plain(a), plain(b)) {
        (None, None) => true,
        (Some(a), Some(b)) => match (number(&a), number(&b)) {
            (Some(x), Some(y)) => (x - y).abs() < 1e-9,
            _ => match (boolean(&a), boolean(&b)) {
                (Some(x), Some(y)) => x == y,
                _ => a == b,
            },
        },
        _ => false,
    }
}

/// A value as trimmed text; `None` when empty.
fn plain(value: &Value) -> Option<String> {
    let text = match value {
        Value::Null => return None,
        Value::String(text) => text.trim().to_owned(),
        Value::Number(number) => number.to_string(),
        Value::Bool(flag) => flag.to_string(),
        // A NetSuite reference: `{ "id": "5", "refName": "Net 30" }`.
        Value::Object(fields) => return fields.get("id").and_then(plain),
        Value::Array(items) if items.is_empty() => return None,
        other => other.to_string(),
    };
    (!text.is_empty()).then_some(text)
}

fn number(text: &str) -> Option<f64> {
    text.parse::<f64>().ok().filter(|n| n.is_finite())
}

fn boolean(text: &str) -> Option<bool> {
    match text {
        "true" | "T" => Some(true),
        "false" | "F" => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn values_that_mean_the_same_agree_across_the_two_spellings() {
        assert!(same(&json!("5000"), &json!(5000.0)));
        assert!(same(&json!(" Acme "), &json!("Acme")));
        assert!(same(&json!(null), &json!("")));
        assert!(same(&json!(true), &json!("T")));
        assert!(same(
            &json!({ "id": "5", "refName": "Net 30" }),
            &json!("5")
        ));
        assert!(!same(&json!("5000"), &json!(7000)));
        assert!(!same(&json!("Acme"), &json!("acme")));
        assert!(!same(&json!("x"), &json!(null)));
    }

    #[test]
    fn only_the_fields_that_differ_are_listed() {
        let expected = json!({ "Credit_Limit__c": 7000, "Name": "Acme" });
        let found = json!({ "credit_limit__c": 5000, "Name": "Acme", "Other": 1 });
        let diff = differences(expected.as_object().unwrap(), found.as_object().unwrap());
        assert_eq!(diff.len(), 1);
        assert_eq!(
            diff["Credit_Limit__c"],
            Difference {
                expected: json!(7000),
                found: json!(5000)
            }
        );
    }
}
