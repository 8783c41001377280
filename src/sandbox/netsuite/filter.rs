//! Collection filters (`GET /record/v1/{type}?q=…`) as the REST record service reads them:
//! conditions `field OPERATOR value` joined by AND / OR, text compared case-insensitively,
//! references by their id.

use super::error::NsError;
use super::store::Record;
use axum::http::StatusCode;
use serde_json::Value;

#[derive(Debug, Clone, PartialEq)]
enum Operator {
    Is,
    IsNot,
    Contain,
    DoesNotContain,
    StartWith,
    EndWith,
    Empty,
    EmptyNot,
    AnyOf,
    Equal,
}

#[derive(Debug, Clone, PartialEq)]
struct Condition {
    field: String,
    operator: Operator,
    values: Vec<String>,
}

/// Conditions in disjunctive groups: `a AND b OR c` is `(a AND b) OR c`.
#[derive(Debug, Clone, PartialEq)]
pub struct Filter {
    any_of: Vec<Vec<Condition>>,
}

fn invalid(detail: impl Into<String>) -> NsError {
    NsError::new(StatusCode::BAD_REQUEST, "INVALID_PARAMETER", detail)
}

fn tokens(text: &str) -> Result<Vec<String>, NsError> {
    let mut tokens = Vec::new();
    let mut chars = text.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_whitespace() || c == ',' || c == '[' || c == ']' {
            chars.next();
        } else if c == '"' {
            chars.next();
            let mut quoted = String::from("\"");
            loop {
                match chars.next() {
                    Some('"') => break,
                    Some(c) => quoted.push(c),
                    None => return Err(invalid("Invalid search query: unterminated string.")),
                }
            }
            tokens.push(quoted);
        } else {
            let mut word = String::new();
            while let Some(&c) = chars.peek() {
                if c.is_whitespace() || c == ',' || c == '[' || c == ']' {
                    break;
                }
                word.push(c);
                chars.next();
            }
            tokens.push(word);
        }
    }
    Ok(tokens)
}

fn operator(word: &str) -> Option<Operator> {
    Some(match word.to_ascii_uppercase().as_str() {
        "IS" => Operator::Is,
        "IS_NOT" => Operator::IsNot,
        "CONTAIN" => Operator::Contain,
        "DOES_NOT_CONTAIN" => Operator::DoesNotContain,
        "START_WITH" => Operator::StartWith,
        "END_WITH" => Operator::EndWith,
        "EMPTY" => Operator::Empty,
        "EMPTY_NOT" => Operator::EmptyNot,
        "ANY_OF" => Operator::AnyOf,
        "EQUAL" => Operator::Equal,
        _ => return None,
    })
}

impl Filter {
    pub fn parse(text: &str) -> Result<Self, NsError> {
        let tokens = tokens(text)?;
        let mut any_of = vec![Vec::new()];
        let mut index = 0;
        while index < tokens.len() {
            let field = tokens[index].trim_matches('"').to_owned();
            let operator = tokens
                .get(index + 1)
                .and_then(|word| operator(word))
                .ok_or_else(|| {
                    invalid(format!(
                        "Invalid search query: no valid operator after '{field}'."
                    ))
                })?;
            index += 2;
            let mut values = Vec::new();
            while index < tokens.len()
                && !matches!(tokens[index].to_ascii_uppercase().as_str(), "AND" | "OR")
            {
                values.push(tokens[index].trim_matches('"').to_owned());
                index += 1;
            }
            let wants_value = !matches!(operator, Operator::Empty | Operator::EmptyNot);
            if wants_value && values.is_empty() {
                return Err(invalid(format!(
                    "Invalid search query: '{field}' needs a value."
                )));
            }
            if let Some(group) = any_of.last_mut() {
                group.push(Condition {
                    field,
                    operator,
                    values,
                });
            }
            if let Some(joiner) = tokens.get(index) {
                if joiner.eq_ignore_ascii_case("OR") {
                    any_of.push(Vec::new());
                }
                index += 1;
            }
        }
        Ok(Self { any_of })
    }

    pub fn matches(&self, record: &Record) -> bool {
        self.any_of
            .iter()
            .any(|group| group.iter().all(|condition| condition.matches(record)))
    }
}

fn text_of(record: &Record, field: &str) -> Option<String> {
    if field.eq_ignore_ascii_case("externalId") {
        return record.external_id.clone();
    }
    if field.eq_ignore_ascii_case("id") || field.eq_ignore_ascii_case("internalId") {
        return Some(record.id.to_string());
    }
    match record.field(field)? {
        Value::String(text) => Some(text.clone()),
        Value::Number(number) => Some(number.to_string()),
        Value::Bool(flag) => Some(if *flag { "T" } else { "F" }.into()),
        Value::Object(reference) => reference.get("id").map(|id| match id {
            Value::String(text) => text.clone(),
            other => other.to_string(),
        }),
        _ => None,
    }
}

impl Condition {
    fn matches(&self, record: &Record) -> bool {
        let actual = text_of(record, &self.field).filter(|text| !text.is_empty());
        let lower = actual.as_deref().map(str::to_lowercase);
        let value = self
            .values
            .first()
            .map(|v| v.to_lowercase())
            .unwrap_or_default();
        match self.operator {
            Operator::Empty => actual.is_none(),
            Operator::EmptyNot => actual.is_some(),
            Operator::Is | Operator::Equal => lower.as_deref() == Some(value.as_str()),
            Operator::IsNot => lower.as_deref() != Some(value.as_str()),
            Operator::Contain => lower.is_some_and(|a| a.contains(&value)),
            Operator::DoesNotContain => !lower.is_some_and(|a| a.contains(&value)),
            Operator::StartWith => lower.is_some_and(|a| a.starts_with(&value)),
            Operator::EndWith => lower.is_some_and(|a| a.ends_with(&value)),
            Operator::AnyOf => {
                lower.is_some_and(|a| self.values.iter().any(|v| v.to_lowercase() == a))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sandbox::netsuite::record_type::RecordType;
    use serde_json::json;

    fn customer(id: u64, fields: Value) -> Record {
        Record {
            record_type: RecordType::Customer,
            id,
            external_id: Some(format!("ext{id}")),
            fields: fields.as_object().cloned().unwrap(),
            last_modified: chrono::Utc::now(),
        }
    }

    #[test]
    fn conditions_match_text_case_insensitively_and_references_by_id() {
        let acme = customer(
            1,
            json!({ "companyName": "Acme Corp", "email": "ap@ACME.example", "subsidiary": { "id": "2" } }),
        );
        let check = |q: &str| Filter::parse(q).unwrap().matches(&acme);
        assert!(check(r#"companyname CONTAIN "acme""#));
        assert!(check(r#"email END_WITH "@acme.example""#));
        assert!(check(r#"subsidiary ANY_OF [1, 2]"#));
        assert!(check(r#"externalId IS "ext1""#));
        assert!(!check(r#"companyName START_WITH "Globex""#));
        assert!(check(
            r#"companyName START_WITH "Globex" OR email CONTAIN "acme""#
        ));
        assert!(!check(r#"companyName CONTAIN "acme" AND url EMPTY_NOT"#));
    }

    #[test]
    fn a_malformed_filter_is_refused() {
        assert!(Filter::parse("companyname LIKE acme").is_err());
        assert!(Filter::parse(r#"companyname IS "open"#).is_err());
        assert!(Filter::parse("companyname IS").is_err());
    }
}
