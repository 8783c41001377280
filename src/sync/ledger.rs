//! The ledger side of loop prevention: what tandem last wrote to each record, compared with
//! what an event carries (its own echo) and with what tandem is about to write (no change).

use super::context::SyncContext;
use super::outcome::SyncError;
use crate::domain::ChangeEvent;
use crate::domain::mapping::fields_hash;
use crate::store::{LedgerWrite, RecordRef};
use serde_json::{Map, Value};

/// The ledger entry for writing `fields` to `record`.
pub fn entry(record: RecordRef, fields: &Map<String, Value>) -> LedgerWrite {
    let mut names: Vec<String> = fields.keys().cloned().collect();
    names.sort();
    LedgerWrite {
        fields_hash: fields_hash(fields, names.iter().map(String::as_str)),
        field_names: names,
        record,
    }
}

/// The event is tandem's own write coming back: made by tandem's integration user or role, and
/// either stamped with the id of the event that caused it (the origin field) or carrying exactly
/// the values the ledger says tandem wrote. The stamp settles it even when the echo overtakes the
/// ledger entry of the write that caused it; a person's edit is never mistaken for an echo,
/// because the modifier is a person.
pub async fn is_own_echo(ctx: &SyncContext, event: &ChangeEvent) -> Result<bool, SyncError> {
    if !ctx.identity.made_by_tandem(event) {
        return Ok(false);
    }
    if event.origin.is_some() {
        return Ok(true);
    }
    let record = RecordRef::new(event.source, &event.object, &event.record_id);
    let Some(last) = ctx.store.written(&record).await? else {
        return Ok(false);
    };
    let names = last.field_names.iter().map(String::as_str);
    Ok(fields_hash(&event.fields, names) == last.fields_hash)
}

/// The `execution_context` of a repair event: reconciliation found the other side differs from
/// what the ledger says tandem wrote there, so the write goes out even though the source's
/// values are the ones written last.
pub const REPAIR_CONTEXT: &str = "tandem_reconcile";

/// Whether `event` is a repair (see [`REPAIR_CONTEXT`]).
pub fn is_repair(event: &ChangeEvent) -> bool {
    event.execution_context.as_deref() == Some(REPAIR_CONTEXT)
}

/// Writing `fields` to `target` would change nothing tandem has not already written there.
pub async fn unchanged(
    ctx: &SyncContext,
    target: &RecordRef,
    fields: &Map<String, Value>,
) -> Result<bool, SyncError> {
    let Some(last) = ctx.store.written(target).await? else {
        return Ok(false);
    };
    Ok(entry(target.clone(), fields) == last)
}

/// Keeps only the fields named (the source's owned groups) for the ledger.
pub fn only(fields: &Map<String, Value>, names: &[&str]) -> Map<String, Value> {
    fields
        .iter()
        .filter(|(name, _)| names.iter().any(|n| n.eq_ignore_ascii_case(name)))
        .map(|(name, value)| (name.clone(), value.clone()))
        .collect()
}
