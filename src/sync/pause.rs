//! Paused flows: before an event is applied, the worker asks the store whether its flow is
//! paused (the state is shared by every instance and survives restarts); if so the event goes
//! back on the queue for a while, uncounted, and its record's later events wait behind it, so
//! after a resume they apply in order.

use crate::domain::mapping::Flow;
use crate::queue::{Lease, Queue};
use crate::store::Store;
use std::time::Duration;

/// How long a paused flow's event waits before the worker asks again.
pub const RECHECK: Duration = Duration::from_secs(1);

/// Postpones the lease's event when its flow is paused; `true` when it did (the caller then
/// leaves the event alone). A store error lets the event through: pausing is an operator's
/// convenience, not a guard the data depends on.
pub async fn postponed(
    store: &dyn Store,
    queue: &dyn Queue,
    flow: Option<Flow>,
    lease: &Lease,
) -> bool {
    let Some(flow) = flow else {
        return false;
    };
    match store.flow_paused(flow.as_str()).await {
        Ok(false) => false,
        Ok(true) => {
            let reason = format!("flow {flow} is paused");
            if let Err(error) = queue.postpone(lease.token, RECHECK, &reason).await {
                // The lease lapses and the event comes back; it is not applied meanwhile.
                tracing::warn!(%error, "could not postpone the event of a paused flow");
            }
            tracing::debug!(event_id = %lease.event.id, %flow, "flow paused; event postponed");
            true
        }
        Err(error) => {
            tracing::warn!(%error, %flow, "cannot tell whether the flow is paused; applying");
            false
        }
    }
}
