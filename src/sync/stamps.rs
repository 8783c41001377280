//! The origin stamp tandem puts on every write: the field that carries it on each kind of
//! target record, and whether a record already holds a given event's write (asked when the
//! worker that applied the event died before recording it).

use super::context::SyncContext;
use super::fields::text;
use super::outcome::SyncError;
use crate::connectors::netsuite::RecordId;

/// NetSuite keeps one origin field per record family: entities, transactions, items.
pub fn netsuite_origin(ctx: &SyncContext, record_type: &str) -> String {
    let names = ctx.mapping.record_fields();
    match record_type.to_ascii_lowercase().as_str() {
        "salesorder" | "invoice" | "customerpayment" => names.netsuite_transaction_origin.clone(),
        kind if kind.ends_with("item") => names.netsuite_item_origin.clone(),
        _ => names.netsuite_entity_origin.clone(),
    }
}

/// Whether a Salesforce record carries `event_id` as its origin stamp: the event's write
/// reached it (made by a worker that died before recording it).
pub async fn salesforce_stamped(
    ctx: &SyncContext,
    object: &str,
    id: &str,
    event_id: &str,
) -> Result<bool, SyncError> {
    let origin = &ctx.mapping.record_fields().salesforce_origin;
    let record = ctx.salesforce.get(object, id, &[origin.as_str()]).await?;
    Ok(text(&record, origin).as_deref() == Some(event_id))
}

/// Whether a NetSuite record carries `event_id` as its origin stamp (see `salesforce_stamped`).
pub async fn netsuite_stamped(
    ctx: &SyncContext,
    record_type: &str,
    id: &str,
    event_id: &str,
) -> Result<bool, SyncError> {
    let origin = netsuite_origin(ctx, record_type);
    let record = RecordId::Internal(id.to_owned());
    let fields = ctx
        .netsuite
        .get(record_type, &record, Some(&[origin.as_str()]))
        .await?;
    Ok(text(&fields, &origin).as_deref() == Some(event_id))
}
