//! Running a parsed query against the org: names resolved against the schema (INVALID_TYPE,
//! INVALID_FIELD as Salesforce words them), rows filtered, sorted, cut and projected with
//! relationship fields nested under their relationship name.

use super::filter::{compare_for_order, compile, key};
use super::{Name, Select, parse, render};
use crate::sandbox::salesforce::decode::{self, FieldRef};
use crate::sandbox::salesforce::errors::ApiError;
use crate::sandbox::salesforce::records::{Org, Record};
use crate::sandbox::salesforce::schema::{Kind, SObject};
use crate::sandbox::salesforce::view::{Cell, Row};
use axum::http::StatusCode;
use serde_json::Value;
use std::cmp::Ordering;

/// A field path resolved: lookups to follow, then the field on the last object.
#[derive(Debug, Clone)]
pub(super) struct Path {
    /// (relationship name as the response shows it, lookup field, target object)
    pub hops: Vec<(String, String, SObject)>,
    pub field: FieldRef,
}

/// The result of a query: matching rows (projected), or just a count for `SELECT COUNT()`.
pub struct Outcome {
    pub total: usize,
    pub rows: Vec<Row>,
}

/// Which records a query reads: `query` sees live ones, `queryAll` the Recycle Bin too.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Live,
    WithDeleted,
}

pub fn run(org: &Org, text: &str, version: &str, scope: Scope) -> Result<Outcome, ApiError> {
    let fail = |code: &str, at: usize, reason: &str| {
        ApiError::new(StatusCode::BAD_REQUEST, code, render(text, at, reason))
    };
    let query = parse(text).map_err(|e| fail("MALFORMED_QUERY", e.at, &e.reason))?;
    let object = SObject::parse(&query.from.text).ok_or_else(|| {
        fail(
            "INVALID_TYPE",
            query.from.at,
            &format!(
                "sObject type '{}' is not supported. If you are attempting to use a custom object, be sure to append the '__c' after the entity name. Please reference your WSDL or the describe call for the appropriate names.",
                query.from.text
            ),
        )
    })?;
    let resolve = |name: &Name| {
        resolve(org, object, name).map_err(|reason| fail("INVALID_FIELD", name.at, &reason))
    };
    let count_only = query.select.contains(&Select::Count);
    if count_only && query.select.len() > 1 {
        return Err(fail(
            "MALFORMED_QUERY",
            query.from.at,
            "COUNT() must be the only element in the SELECT list.",
        ));
    }
    let columns = query
        .select
        .iter()
        .filter_map(|item| match item {
            Select::Field(name) => Some(resolve(name)),
            Select::Count => None,
        })
        .collect::<Result<Vec<_>, _>>()?;
    let filter = query
        .filter
        .as_ref()
        .map(|c| compile(c, &resolve, &fail))
        .transpose()?;
    let order = query
        .order
        .iter()
        .map(|o| Ok((resolve(&o.field)?, o.descending, o.nulls_last)))
        .collect::<Result<Vec<_>, ApiError>>()?;

    let candidates: Box<dyn Iterator<Item = &Record>> = match scope {
        Scope::Live => Box::new(org.records(object)),
        Scope::WithDeleted => Box::new(org.records_with_deleted(object)),
    };
    let mut matched: Vec<&Record> = candidates
        .filter(|record| filter.as_ref().is_none_or(|f| f.holds(org, record)))
        .collect();
    matched.sort_by(|a, b| {
        order
            .iter()
            .map(|(path, descending, nulls_last)| {
                compare_for_order(
                    &key(org, a, path),
                    &key(org, b, path),
                    *descending,
                    *nulls_last,
                )
            })
            .find(|ordering| *ordering != Ordering::Equal)
            .unwrap_or(Ordering::Equal)
    });
    let offset = query.offset.unwrap_or(0);
    let rows: Vec<&Record> = matched
        .into_iter()
        .skip(offset)
        .take(query.limit.unwrap_or(usize::MAX))
        .collect();
    if count_only {
        return Ok(Outcome {
            total: rows.len(),
            rows: Vec::new(),
        });
    }
    let rows: Vec<Row> = rows
        .into_iter()
        .map(|record| project(org, object, record, &columns, version))
        .collect();
    Ok(Outcome {
        total: rows.len(),
        rows,
    })
}

fn resolve(org: &Org, object: SObject, name: &Name) -> Result<Path, String> {
    let parts: Vec<&str> = name.text.split('.').collect();
    let (last, relationships) = parts
        .split_last()
        .ok_or_else(|| format!("unexpected token: {}", name.text))?;
    let mut current = object;
    let mut hops = Vec::new();
    for relationship in relationships {
        let Some((lookup, target)) = current.relationship(relationship) else {
            return Err(format!(
                "Didn't understand relationship '{relationship}' in field path. If you are attempting to use a custom relationship, be sure to append the '__r' after the custom relationship name. Please reference your WSDL or the describe call for the appropriate names."
            ));
        };
        let Kind::Reference(_, canonical) = lookup.kind else {
            unreachable!("relationships are lookups")
        };
        hops.push((canonical.to_owned(), lookup.name.to_owned(), target));
        current = target;
    }
    let field = decode::resolve(current, last, org.custom_fields(current)).ok_or_else(|| {
        format!(
            "No such column '{last}' on entity '{}'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.",
            current.name()
        )
    })?;
    Ok(Path { hops, field })
}

/// The record at the end of `path`'s lookups, when every lookup is set.
pub(super) fn follow<'a>(org: &'a Org, record: &'a Record, path: &Path) -> Option<&'a Record> {
    let mut current = record;
    for (_, lookup, target) in &path.hops {
        let id = current.get(lookup)?.as_str()?;
        current = org.get(*target, id)?;
    }
    Some(current)
}

/// the relationship name (null when the lookup is empty).
/// One result row: `attributes`, then each selected field; relationship fields nested under
/// the relationship name (null when the lookup is empty).
fn project(org: &Org, object: SObject, record: &Record, columns: &[Path], version: &str) -> Row {
    let id = record.get("Id").and_then(Value::as_str).unwrap_or_default();
    let mut row = Row::for_record(object, id, version);
    for path in columns {
        place(org, &mut row, record, &path.hops, &path.field, version);
    }
    row
}

/// Puts `field` into `row`, under one nested row per lookup in `hops`.
fn place(
    org: &Org,
    row: &mut Row,
    record: &Record,
    hops: &[(String, String, SObject)],
    field: &FieldRef,
    version: &str,
) {
    let Some(((relationship, lookup, target), rest)) = hops.split_first() else {
        let value = record.get(field.name()).cloned().unwrap_or(Value::Null);
        row.push(field.name().to_owned(), Cell::Value(value));
        return;
    };
    let next = record
        .get(lookup)
        .and_then(Value::as_str)
        .and_then(|id| org.get(*target, id));
    let Some(next) = next else {
        if !row.0.iter().any(|(key, _)| key == relationship) {
            row.push(relationship.clone(), Cell::Value(Value::Null));
        }
        return;
    };
    let next_id = next.get("Id").and_then(Value::as_str).unwrap_or_default();
    if let Some(nested) = row.nested(relationship, || Row::for_record(*target, next_id, version)) {
        place(org, nested, next, rest, field, version);
    }
}
