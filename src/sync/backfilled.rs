//! Backfill events of NetSuite records come without fields (`tandem backfill` lists them by
//! SuiteQL only): the worker reads each record whole before applying it, as the flows read a
//! record they depend on, inside this process's NetSuite concurrency limit.

use super::context::SyncContext;
use super::outcome::SyncError;
use crate::connectors::netsuite::RecordId;
use crate::domain::{ChangeEvent, System};
use std::borrow::Cow;

/// The `execution_context` that marks such an event.
pub const BACKFILL_CONTEXT: &str = "tandem_backfill";

/// `event` with its record's fields, read now when the backfill left them to the worker.
pub async fn with_fields<'a>(
    ctx: &SyncContext,
    event: &'a ChangeEvent,
) -> Result<Cow<'a, ChangeEvent>, SyncError> {
    let to_read = event.source == System::Netsuite
        && event.fields.is_empty()
        && event.execution_context.as_deref() == Some(BACKFILL_CONTEXT);
    if !to_read {
        return Ok(Cow::Borrowed(event));
    }
    let id = RecordId::Internal(event.record_id.clone());
    let fields = ctx.netsuite.get(&event.object, &id, None).await?;
    Ok(Cow::Owned(ChangeEvent {
        fields,
        ..event.clone()
    }))
}
