//! WHERE clauses with SOQL's comparison rules: literals checked against field types (as
//! Salesforce refuses them), text compared case-insensitively, 15- and 18-character ids alike,
//! `!=` matching nulls, `LIKE` wildcards; and the ordering ORDER BY uses.

use super::eval::{Path, follow};
use super::{Condition, Literal, Name, Op, Value as Lit};
use crate::sandbox::salesforce::decode;
use crate::sandbox::salesforce::errors::ApiError;
use crate::sandbox::salesforce::ids;
use crate::sandbox::salesforce::records::{Org, Record, text_of};
use crate::sandbox::salesforce::schema::Kind;
use serde_json::Value;
use std::cmp::Ordering;

fn value<'a>(org: &'a Org, record: &'a Record, path: &Path) -> Option<&'a Value> {
    follow(org, record, path)?
        .get(path.field.name())
        .filter(|v| !v.is_null())
}

/// A comparable form of a field value or literal.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Key {
    Null,
    Number(f64),
    Bool(bool),
    /// Text compared case-insensitively (ids, dates and datetimes normalised first).
    Text(String),
}

pub(super) fn key(org: &Org, record: &Record, path: &Path) -> Key {
    match value(org, record, path) {
        None => Key::Null,
        Some(Value::Number(n)) => Key::Number(n.as_f64().unwrap_or(0.0)),
        Some(Value::Bool(b)) => Key::Bool(*b),
        Some(other) => {
            let text = text_of(other).unwrap_or_default();
            if path.field.kind() == Some(Kind::DateTime) {
                let at = decode::parse_datetime(&text);
                return at
                    .map(|at| Key::Text(decode::format_datetime(at)))
                    .unwrap_or(Key::Null);
            }
            Key::Text(text.to_lowercase())
        }
    }
}

fn literal_key(path: &Path, literal: &Lit) -> Key {
    let is_id = matches!(
        path.field.kind(),
        Some(Kind::Id | Kind::User | Kind::Reference(..))
    );
    match literal {
        Lit::Null => Key::Null,
        Lit::Number(n) => Key::Number(*n),
        Lit::Bool(b) => Key::Bool(*b),
        // 15- and 18-character ids name the same record.
        Lit::Text(text) if is_id => Key::Text(
            ids::normalize(text)
                .unwrap_or_else(|| text.clone())
                .to_lowercase(),
        ),
        Lit::Text(text) => Key::Text(text.to_lowercase()),
        Lit::Date(date) => Key::Text(date.format("%Y-%m-%d").to_string()),
        Lit::DateTime(at) => Key::Text(decode::format_datetime(*at)),
    }
}

fn compare(a: &Key, b: &Key) -> Option<Ordering> {
    match (a, b) {
        (Key::Number(x), Key::Number(y)) => x.partial_cmp(y),
        (Key::Text(x), Key::Text(y)) => Some(x.cmp(y)),
        (Key::Bool(x), Key::Bool(y)) => Some(x.cmp(y)),
        // Untyped custom fields: compare numbers written as text with numbers.
        (Key::Text(x), Key::Number(y)) => x.parse::<f64>().ok()?.partial_cmp(y),
        (Key::Number(x), Key::Text(y)) => x.partial_cmp(&y.parse::<f64>().ok()?),
        _ => None,
    }
}

pub(super) fn compare_for_order(a: &Key, b: &Key, descending: bool, nulls_last: bool) -> Ordering {
    match (a == &Key::Null, b == &Key::Null) {
        (true, true) => Ordering::Equal,
        (true, false) => {
            if nulls_last {
                Ordering::Greater
            } else {
                Ordering::Less
            }
        }
        (false, true) => {
            if nulls_last {
                Ordering::Less
            } else {
                Ordering::Greater
            }
        }
        _ => {
            let ordering = compare(a, b).unwrap_or(Ordering::Equal);
            if descending {
                ordering.reverse()
            } else {
                ordering
            }
        }
    }
}

/// A condition with its fields resolved and literals checked.
pub(super) enum Filter {
    All(Vec<Filter>),
    Any(Vec<Filter>),
    Not(Box<Filter>),
    Compare(Path, Op, Key),
    In(Path, bool, Vec<Key>),
}

pub(super) fn compile(
    condition: &Condition,
    resolve: &dyn Fn(&Name) -> Result<Path, ApiError>,
    fail: &dyn Fn(&str, usize, &str) -> ApiError,
) -> Result<Filter, ApiError> {
    let checked = |path: &Path, literal: &Literal| -> Result<Key, ApiError> {
        check_literal(path, &literal.value)
            .map_err(|(code, reason)| fail(code, literal.at, &reason))?;
        Ok(literal_key(path, &literal.value))
    };
    Ok(match condition {
        Condition::All(items) => Filter::All(
            items
                .iter()
                .map(|c| compile(c, resolve, fail))
                .collect::<Result<_, _>>()?,
        ),
        Condition::Any(items) => Filter::Any(
            items
                .iter()
                .map(|c| compile(c, resolve, fail))
                .collect::<Result<_, _>>()?,
        ),
        Condition::Not(inner) => Filter::Not(Box::new(compile(inner, resolve, fail)?)),
        Condition::Compare { field, op, value } => {
            let path = resolve(field)?;
            let key = checked(&path, value)?;
            Filter::Compare(path, *op, key)
        }
        Condition::In {
            field,
            negated,
            values,
        } => {
            let path = resolve(field)?;
            let keys = values
                .iter()
                .map(|v| checked(&path, v))
                .collect::<Result<_, _>>()?;
            Filter::In(path, *negated, keys)
        }
    })
}

/// A literal must suit its field's type, as Salesforce insists.
fn check_literal(path: &Path, literal: &Lit) -> Result<(), (&'static str, String)> {
    let Some(kind) = path.field.kind() else {
        return Ok(());
    };
    let name = path.field.name();
    let must = |type_name: &str, quoted: bool| {
        let quotes = if quoted {
            "should be enclosed in quotes"
        } else {
            "should not be enclosed in quotes"
        };
        Err((
            "INVALID_FIELD",
            format!(
                "value of filter criterion for field '{name}' must be of type {type_name} and {quotes}"
            ),
        ))
    };
    match (kind, literal) {
        (_, Lit::Null) => Ok(()),
        (Kind::Id | Kind::User | Kind::Reference(..), Lit::Text(text)) => {
            match ids::normalize(text) {
                Some(_) => Ok(()),
                None => Err((
                    "INVALID_QUERY_FILTER_OPERATOR",
                    format!("invalid ID field: {text}"),
                )),
            }
        }
        (Kind::Id | Kind::User | Kind::Reference(..) | Kind::Text, _)
            if !matches!(literal, Lit::Text(_)) =>
        {
            must("string", true)
        }
        (Kind::Number | Kind::Integer, Lit::Number(_)) => Ok(()),
        (Kind::Number, _) => must("double", false),
        (Kind::Integer, _) => must("int", false),
        (Kind::Boolean, Lit::Bool(_)) => Ok(()),
        (Kind::Boolean, _) => must("boolean", false),
        (Kind::Date, Lit::Date(_)) => Ok(()),
        (Kind::Date, _) => must("date", false),
        (Kind::DateTime, Lit::DateTime(_)) => Ok(()),
        (Kind::DateTime, _) => must("dateTime", false),
        _ => Ok(()),
    }
}

impl Filter {
    pub(super) fn holds(&self, org: &Org, record: &Record) -> bool {
        match self {
            Filter::All(items) => items.iter().all(|f| f.holds(org, record)),
            Filter::Any(items) => items.iter().any(|f| f.holds(org, record)),
            Filter::Not(inner) => !inner.holds(org, record),
            Filter::In(path, negated, keys) => {
                let actual = key(org, record, path);
                keys.iter().any(|k| equal(&actual, k)) != *negated
            }
            Filter::Compare(path, op, expected) => {
                let actual = key(org, record, path);
                match op {
                    Op::Eq => equal(&actual, expected),
                    // SOQL's != also matches records where the field is null.
                    Op::Ne => !equal(&actual, expected),
                    Op::Like => like(&actual, expected),
                    ordered => match compare(&actual, expected) {
                        Some(ordering) => match ordered {
                            Op::Lt => ordering.is_lt(),
                            Op::Le => ordering.is_le(),
                            Op::Gt => ordering.is_gt(),
                            _ => ordering.is_ge(),
                        },
                        None => false,
                    },
                }
            }
        }
    }
}

fn equal(actual: &Key, expected: &Key) -> bool {
    actual == expected || compare(actual, expected) == Some(Ordering::Equal)
}

/// LIKE: `%` any run, `_` one character, `\%` and `\_` themselves; case-insensitive.
fn like(actual: &Key, pattern: &Key) -> bool {
    let (Key::Text(text), Key::Text(pattern)) = (actual, pattern) else {
        return false;
    };
    // None is '%'; `single` marks an unescaped '_'.
    let mut tokens: Vec<Option<char>> = Vec::new();
    let mut single = Vec::new();
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                tokens.push(chars.next());
                single.push(false);
            }
            '%' => {
                tokens.push(None);
                single.push(false);
            }
            other => {
                tokens.push(Some(other));
                single.push(other == '_');
            }
        }
    }
    let text: Vec<char> = text.chars().collect();
    matches_from(&tokens, &single, &text)
}

fn matches_from(tokens: &[Option<char>], single: &[bool], text: &[char]) -> bool {
    match tokens.first() {
        None => text.is_empty(),
        Some(None) => {
            (0..=text.len()).any(|skip| matches_from(&tokens[1..], &single[1..], &text[skip..]))
        }
        Some(Some(c)) => {
            !text.is_empty()
                && (single[0] || text[0] == *c)
                && matches_from(&tokens[1..], &single[1..], &text[1..])
        }
    }
}
