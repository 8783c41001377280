//! Record writes, through the REST API or the simulated UI: create, update (PATCH merges sublist
//! lines by `line`; `?replace=item` replaces the named sublists), upsert by external id and
//! delete, each answering with every record it changed (the records to echo).

use super::dependents;
use super::error::NsError;
use super::oneworld;
use super::record_type::RecordType;
use super::store::{Key, Record, Records, field, next_modified, remove_field, set_field};
use super::validate::{self, applied_invoices};
use chrono::{DateTime, Utc};
use serde_json::{Map, Value, json};

/// Who writes: tandem's integration through REST, or a person in the NetSuite UI.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Actor {
    Integration,
    Human,
}

/// A record a write changed; the first one of a write is the record addressed.
#[derive(Debug, Clone)]
pub struct Written {
    pub record: Record,
    /// `created`, `updated` or `deleted`, as echo events name changes.
    pub change: &'static str,
}

/// One write's request: the body, the sublists to replace, who writes and when.
pub struct Change<'a> {
    pub body: Map<String, Value>,
    pub replace: &'a [String],
    pub actor: Actor,
    pub now: DateTime<Utc>,
}

/// Fields a client may send but NetSuite sets itself.
const READ_ONLY: &[&str] = &["id", "links", "lastModifiedDate", "refName"];

pub fn create(
    records: &mut Records,
    record_type: RecordType,
    change: Change,
) -> Result<Vec<Written>, NsError> {
    let (external_id, incoming) = split_body(record_type, change.body)?;
    if let Some(external_id) = &external_id
        && records.id_of(record_type, external_id).is_some()
    {
        return Err(NsError::duplicate_external_id());
    }
    let id = records.peek_id();
    let change = Change {
        body: incoming,
        replace: &[],
        ..change
    };
    save(records, record_type, id, None, external_id, change)
}

pub fn update(
    records: &mut Records,
    record_type: RecordType,
    key: &Key,
    change: Change,
) -> Result<Vec<Written>, NsError> {
    let existing = records
        .find(record_type, key)
        .cloned()
        .ok_or_else(NsError::nonexistent_record)?;
    let (external_id, incoming) = split_body(record_type, change.body)?;
    let external_id = match external_id {
        Some(new) if existing.external_id.as_ref() != Some(&new) => {
            if records.id_of(record_type, &new).is_some() {
                return Err(NsError::duplicate_external_id());
            }
            Some(new)
        }
        kept => kept.or_else(|| existing.external_id.clone()),
    };
    let id = existing.id;
    save(
        records,
        record_type,
        id,
        Some(existing),
        external_id,
        Change {
            body: incoming,
            ..change
        },
    )
}

/// `PUT …/eid:{externalId}`: updates the record with that external id, or creates it.
pub fn upsert(
    records: &mut Records,
    record_type: RecordType,
    external_id: &str,
    change: Change,
) -> Result<Vec<Written>, NsError> {
    // The external id in the URL is the record's; one in the body changes nothing.
    let (_, incoming) = split_body(record_type, change.body)?;
    let change = Change {
        body: incoming,
        ..change
    };
    let external_id = Some(external_id.to_owned());
    match external_id
        .as_deref()
        .and_then(|eid| records.id_of(record_type, eid))
    {
        Some(id) => {
            let existing = records.get(record_type, id).cloned();
            save(records, record_type, id, existing, external_id, change)
        }
        None => {
            let id = records.peek_id();
            save(
                records,
                record_type,
                id,
                None,
                external_id,
                Change {
                    replace: &[],
                    ..change
                },
            )
        }
    }
}

pub fn delete(
    records: &mut Records,
    record_type: RecordType,
    key: &Key,
    actor: Actor,
    now: DateTime<Utc>,
) -> Result<Vec<Written>, NsError> {
    let mut record = records
        .find(record_type, key)
        .cloned()
        .ok_or_else(NsError::nonexistent_record)?;
    if dependents::exist(records, record_type, record.id) {
        return Err(NsError::user_error(
            "This record cannot be deleted because it has dependent records.",
        ));
    }
    records.remove(record_type, record.id);
    if record_type == RecordType::Customer {
        // A customer's subsidiary relationships go with it.
        oneworld::remove_relationships(records, record.id);
    }
    let invoices = applied_invoices(&record.fields);
    record.last_modified = next_modified(now, Some(record.last_modified));
    let mut written = vec![Written {
        record,
        change: "deleted",
    }];
    if record_type == RecordType::CustomerPayment {
        written.extend(rebalance(records, invoices, actor, now));
    }
    Ok(written)
}

fn save(
    records: &mut Records,
    record_type: RecordType,
    id: u64,
    existing: Option<Record>,
    external_id: Option<String>,
    change: Change,
) -> Result<Vec<Written>, NsError> {
    let mut fields = existing
        .as_ref()
        .map(|record| record.fields.clone())
        .unwrap_or_default();
    apply(&mut fields, change.body, change.replace)?;
    clear_origin_if_human(change.actor, record_type, &mut fields);
    validate::prepare(records, record_type, id, &mut fields)?;
    let mut invoices = existing
        .as_ref()
        .map(|record| applied_invoices(&record.fields))
        .unwrap_or_default();
    invoices.extend(applied_invoices(&fields));
    let record = Record {
        record_type,
        id,
        external_id,
        fields,
        last_modified: next_modified(
            change.now,
            existing.as_ref().map(|record| record.last_modified),
        ),
    };
    records.put(record.clone());
    if record_type == RecordType::Customer {
        oneworld::sync_primary_relationship(records, id, change.now);
    }
    let change_name = if existing.is_some() {
        "updated"
    } else {
        "created"
    };
    let mut written = vec![Written {
        record,
        change: change_name,
    }];
    if record_type == RecordType::CustomerPayment {
        written.extend(rebalance(records, invoices, change.actor, change.now));
    }
    Ok(written)
}

/// A person's change is not tandem's: the origin stamp no longer describes the record.
fn clear_origin_if_human(actor: Actor, record_type: RecordType, fields: &mut Map<String, Value>) {
    if actor == Actor::Human
        && let Some(origin) = record_type.origin_field()
    {
        remove_field(fields, origin);
    }
}

/// Recomputes the balances of invoices a payment touched; answers the ones that changed.
fn rebalance(
    records: &mut Records,
    mut invoices: Vec<u64>,
    actor: Actor,
    now: DateTime<Utc>,
) -> Vec<Written> {
    invoices.sort_unstable();
    invoices.dedup();
    let mut written = Vec::new();
    for id in invoices {
        let Some(invoice) = records.get(RecordType::Invoice, id).cloned() else {
            continue;
        };
        let mut fields = invoice.fields.clone();
        clear_origin_if_human(actor, RecordType::Invoice, &mut fields);
        if validate::prepare(records, RecordType::Invoice, id, &mut fields).is_err()
            || fields == invoice.fields
        {
            continue;
        }
        let last_modified = next_modified(now, Some(invoice.last_modified));
        let record = Record {
            fields,
            last_modified,
            ..invoice
        };
        records.put(record.clone());
        written.push(Written {
            record,
            change: "updated",
        });
    }
    written
}

/// Splits the external id off a body and drops what NetSuite sets itself.
fn split_body(
    record_type: RecordType,
    body: Map<String, Value>,
) -> Result<(Option<String>, Map<String, Value>), NsError> {
    let mut external_id = None;
    let mut fields = Map::new();
    for (key, value) in body {
        if key.eq_ignore_ascii_case("externalId") {
            external_id = match value {
                Value::String(text) if !text.is_empty() => Some(text),
                Value::Number(number) => Some(number.to_string()),
                Value::Null => None,
                other => return Err(NsError::invalid_value("externalId", "externalId", &other)),
            };
            continue;
        }
        let ignored = READ_ONLY
            .iter()
            .chain(record_type.computed())
            .any(|name| key.eq_ignore_ascii_case(name));
        if !ignored {
            fields.insert(key, value);
        }
    }
    Ok((external_id, fields))
}

/// Applies a body: `null` clears a field, a `{"items": […]}` object is a sublist.
fn apply(
    fields: &mut Map<String, Value>,
    incoming: Map<String, Value>,
    replace: &[String],
) -> Result<(), NsError> {
    for (key, value) in incoming {
        match value {
            Value::Null => {
                remove_field(fields, &key);
            }
            Value::Object(mut object) if object.get("items").is_some_and(Value::is_array) => {
                let replacing = replace.iter().any(|name| name.eq_ignore_ascii_case(&key));
                let mut lines = match field(fields, &key).and_then(|sublist| sublist.get("items")) {
                    Some(Value::Array(lines)) if !replacing => lines.clone(),
                    _ => Vec::new(),
                };
                let Some(Value::Array(incoming)) = object.remove("items") else {
                    continue;
                };
                merge_lines(&key, &mut lines, incoming)?;
                set_field(fields, &key, json!({ "items": lines }));
            }
            other => set_field(fields, &key, other),
        }
    }
    Ok(())
}

/// A line naming an existing `line` changes that line; a line without one is added.
fn merge_lines(sublist: &str, lines: &mut Vec<Value>, incoming: Vec<Value>) -> Result<(), NsError> {
    let mut next = lines.iter().filter_map(line_number).max().unwrap_or(0) + 1;
    for (index, line) in incoming.into_iter().enumerate() {
        let Value::Object(mut line) = line else {
            return Err(NsError::malformed_body("a sublist line must be an object")
                .at(format!("{sublist}.items[{index}]")));
        };
        line.remove("links");
        match remove_field(&mut line, "line") {
            None | Some(Value::Null) => {
                line.insert("line".into(), json!(next));
                next += 1;
                lines.push(Value::Object(line));
            }
            Some(number) => {
                let wanted = line_number(&json!({ "line": number }));
                let target = lines
                    .iter_mut()
                    .find(|existing| wanted.is_some() && line_number(existing) == wanted);
                let Some(Value::Object(target)) = target else {
                    let path = format!("{sublist}.items[{index}].line");
                    return Err(NsError::invalid_value(&path, "line", &number));
                };
                // A new quantity or rate makes a stored amount stale: NetSuite recomputes it.
                let repriced = ["quantity", "rate"]
                    .iter()
                    .any(|name| field(&line, name).is_some());
                if repriced && field(&line, "amount").is_none() {
                    remove_field(target, "amount");
                }
                for (key, value) in line {
                    if value.is_null() {
                        remove_field(target, &key);
                    } else {
                        set_field(target, &key, value);
                    }
                }
            }
        }
    }
    Ok(())
}

fn line_number(line: &Value) -> Option<u64> {
    match line.get("line")? {
        Value::Number(number) => number.as_u64(),
        Value::String(text) => text.parse().ok(),
        _ => None,
    }
}
