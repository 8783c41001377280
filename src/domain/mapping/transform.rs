//! The value transforms a field entry lists (`trim`, `date:%Y-%m-%d`, `table:invoice_status`…):
//! parsed and checked once at load, then applied in order to each value.
//!
//! Every transform passes JSON null through: a field cleared at the source is cleared at the
//! target. Typed transforms (`date`, `number`, `bool`, `not`, `table`, `ref`) read a blank string
//! as null too, since Salesforce Outbound Messages send an empty field as `""`.

use super::date;
use super::decimal::Decimal;
use super::error::FieldProblem;
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// The value tables of `[tables]`: table name → source value → target value.
pub(crate) type Tables = BTreeMap<String, BTreeMap<String, Value>>;

/// Rounding beyond this many decimals is not a use any field has.
const MAX_SCALE: u32 = 12;

/// One parsed `transforms` entry.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Transform {
    Trim,
    Upper,
    Lower,
    /// Reads any supported date form, writes this `strftime` format.
    Date(String),
    /// Reads a number or numeric string; rounds to the scale when one is given.
    Number(Option<u32>),
    Bool,
    Not,
    /// Looks the value up in the named `[tables]` entry.
    Table(String),
    /// Wraps an id as a NetSuite reference `{"id": "…"}`.
    Ref,
    /// Takes `refName` from a NetSuite reference.
    RefName,
    /// Keeps the first n characters.
    Truncate(usize),
}

impl Transform {
    /// Parses `name` or `name:argument`, checking the argument and that a table exists.
    pub(crate) fn parse(spec: &str, tables: &Tables) -> Result<Transform, FieldProblem> {
        let (name, argument) = match spec.split_once(':') {
            Some((name, argument)) => (name, Some(argument)),
            None => (spec, None),
        };
        let bad = |reason: &str| FieldProblem::BadArgument {
            transform: spec.to_owned(),
            reason: reason.to_owned(),
        };
        let plain = |transform: Transform| match argument {
            None => Ok(transform),
            Some(_) => Err(bad("takes no argument")),
        };
        match name {
            "trim" => plain(Transform::Trim),
            "upper" => plain(Transform::Upper),
            "lower" => plain(Transform::Lower),
            "bool" => plain(Transform::Bool),
            "not" => plain(Transform::Not),
            "ref" => plain(Transform::Ref),
            "ref_name" => plain(Transform::RefName),
            "date" => match argument {
                Some(format) if date::is_valid_format(format) && !format.is_empty() => {
                    Ok(Transform::Date(format.to_owned()))
                }
                Some(_) => Err(bad("not a strftime format (like %Y-%m-%d)")),
                None => Err(bad("needs an output format, like date:%Y-%m-%d")),
            },
            "number" => match argument {
                None => Ok(Transform::Number(None)),
                Some(scale) => match scale.parse::<u32>() {
                    Ok(scale) if scale <= MAX_SCALE => Ok(Transform::Number(Some(scale))),
                    _ => Err(bad(
                        "the scale must be a whole number of decimals from 0 to 12",
                    )),
                },
            },
            "truncate" => match argument.map(str::parse::<usize>) {
                Some(Ok(length)) if length > 0 => Ok(Transform::Truncate(length)),
                _ => Err(bad("needs a length of at least 1, like truncate:80")),
            },
            "table" => match argument {
                Some(table) if tables.contains_key(table) => Ok(Transform::Table(table.to_owned())),
                Some(table) if !table.is_empty() => {
                    Err(FieldProblem::UnknownTable(table.to_owned()))
                }
                _ => Err(bad("needs a table name, like table:invoice_status")),
            },
            _ => Err(FieldProblem::UnknownTransform(spec.to_owned())),
        }
    }

    /// Applies the transform to one value.
    pub(crate) fn apply(&self, value: Value, tables: &Tables) -> Result<Value, FieldProblem> {
        if value.is_null() {
            return Ok(value);
        }
        match self {
            Transform::Trim => Ok(map_string(value, |s| s.trim().to_owned())),
            Transform::Upper => Ok(map_string(value, str::to_uppercase)),
            Transform::Lower => Ok(map_string(value, str::to_lowercase)),
            Transform::Truncate(length) => {
                Ok(map_string(value, |s| s.chars().take(*length).collect()))
            }
            _ if is_blank_string(&value) => Ok(Value::Null),
            Transform::Date(format) => to_date(&value, format),
            Transform::Number(scale) => to_number(&value, *scale),
            Transform::Bool => to_bool(&value).map(Value::Bool),
            Transform::Not => to_bool(&value).map(|b| Value::Bool(!b)),
            Transform::Table(name) => look_up(&value, name, tables),
            Transform::Ref => to_reference(value),
            Transform::RefName => ref_name(value),
        }
    }
}

fn is_blank_string(value: &Value) -> bool {
    value.as_str().is_some_and(|s| s.trim().is_empty())
}

fn map_string(value: Value, f: impl FnOnce(&str) -> String) -> Value {
    match value {
        Value::String(s) => Value::String(f(&s)),
        other => other,
    }
}

fn to_date(value: &Value, format: &str) -> Result<Value, FieldProblem> {
    value
        .as_str()
        .and_then(date::parse)
        .and_then(|datetime| date::format(&datetime, format))
        .map(Value::String)
        .ok_or_else(|| FieldProblem::NotADate(value.clone()))
}

fn to_number(value: &Value, scale: Option<u32>) -> Result<Value, FieldProblem> {
    let decimal =
        Decimal::from_json(value).ok_or_else(|| FieldProblem::NotANumber(value.clone()))?;
    let decimal = match scale {
        Some(scale) => decimal.round(scale),
        None => decimal,
    };
    decimal
        .to_json()
        .ok_or_else(|| FieldProblem::NotANumber(value.clone()))
}

/// `true`/`false`, `T`/`F` (NetSuite checkboxes), `1`/`0`, as JSON or as strings.
fn to_bool(value: &Value) -> Result<bool, FieldProblem> {
    let parsed = match value {
        Value::Bool(b) => Some(*b),
        Value::String(s) => match s.trim().to_ascii_lowercase().as_str() {
            "true" | "t" | "1" => Some(true),
            "false" | "f" | "0" => Some(false),
            _ => None,
        },
        Value::Number(_) => match Decimal::from_json(value).map(|d| d.canonical()).as_deref() {
            Some("1") => Some(true),
            Some("0") => Some(false),
            _ => None,
        },
        _ => None,
    };
    parsed.ok_or_else(|| FieldProblem::NotABoolean(value.clone()))
}

/// Tries the value as given, then (for a reference) its id and its refName; each exactly, then
/// ignoring case, spaces and punctuation, so `paidInFull` also finds `Paid In Full`.
fn look_up(value: &Value, name: &str, tables: &Tables) -> Result<Value, FieldProblem> {
    let missing = || FieldProblem::NotInTable {
        table: name.to_owned(),
        value: value.clone(),
    };
    let table = tables.get(name).ok_or_else(missing)?;
    let keys: Vec<String> = match value {
        Value::Object(object) => ["id", "refName"]
            .iter()
            .filter_map(|key| object.get(*key).and_then(scalar_text))
            .collect(),
        other => scalar_text(other).into_iter().collect(),
    };
    let loose = |s: &str| -> String {
        s.chars()
            .filter(|c| c.is_alphanumeric())
            .flat_map(char::to_lowercase)
            .collect()
    };
    keys.iter()
        .find_map(|key| table.get(key.as_str()))
        .or_else(|| {
            keys.iter().find_map(|key| {
                let key = loose(key);
                table.iter().find(|(k, _)| loose(k) == key).map(|(_, v)| v)
            })
        })
        .cloned()
        .ok_or_else(missing)
}

fn scalar_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.trim().to_owned()),
        Value::Number(_) => Decimal::from_json(value).map(|d| d.canonical()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn to_reference(value: Value) -> Result<Value, FieldProblem> {
    match &value {
        Value::Object(object) if object.contains_key("id") => Ok(value),
        Value::String(_) | Value::Number(_) => match scalar_text(&value) {
            Some(id) => Ok(json!({ "id": id })),
            None => Err(FieldProblem::NotAReference(value)),
        },
        _ => Err(FieldProblem::NotAReference(value)),
    }
}

fn ref_name(value: Value) -> Result<Value, FieldProblem> {
    match value {
        Value::Object(ref object) => match object.get("refName") {
            Some(name @ (Value::String(_) | Value::Null)) => Ok(name.clone()),
            _ => Err(FieldProblem::NotAReference(value)),
        },
        other => Ok(other),
    }
}
