//! The worker loop: take an event, skip what was done or is stale, apply it through its flow,
//! and settle it (record, acknowledge, or retry later / dead-letter).

use super::claims::Claims;
use super::outcome::{Applied, SyncError};
use super::settle::Settler;
use super::settled::Outcome;
use crate::connectors::System;
use crate::connectors::calls::{Calls, counted};
use crate::domain::ChangeEvent;
use crate::domain::mapping::Flow;
use crate::ops::metrics::{EVENTS_PROCESSED, SYNC_LATENCY, SYNC_REQUESTS, object_label};
use crate::queue::Lease;
use crate::store::{RecordRef, StoreError};
use async_trait::async_trait;
use std::sync::Arc;
use std::time::Duration;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

/// Applies one event to the other system.
#[async_trait]
pub trait Apply: Send + Sync + 'static {
    /// `in_doubt`: a worker that died was applying this very event and may have written it;
    /// a flow that can tell (by the origin stamp on the target) does not write it again.
    async fn apply(&self, event: &ChangeEvent, in_doubt: bool) -> Result<Applied, SyncError>;

    /// The flow `event` belongs to, for the request counts.
    fn flow_of(&self, _event: &ChangeEvent) -> Option<Flow> {
        None
    }
}

/// Takes over leases it settles itself later (inventory coalescing).
#[async_trait]
pub trait TakeOver: Send + Sync + 'static {
    /// `Err(lease)` hands the lease back: this taker does not want it.
    async fn take(&self, lease: Lease) -> Result<(), Lease>;
}

pub struct Worker {
    pub settler: Settler,
    pub flows: Arc<dyn Apply>,
    pub takers: Vec<Arc<dyn TakeOver>>,
    /// Present when several instances may be handed the same record (a shared broker).
    pub claims: Option<Claims>,
}

impl Worker {
    /// Runs `tasks` loops until `stop` is cancelled; each finishes the event it holds first.
    pub fn spawn(self: Arc<Self>, tasks: usize, stop: CancellationToken, tracker: &TaskTracker) {
        for _ in 0..tasks {
            let worker = self.clone();
            let stop = stop.clone();
            tracker.spawn(async move {
                loop {
                    let leases = tokio::select! {
                        _ = stop.cancelled() => break,
                        leases = worker.settler.queue.receive(1, Duration::from_secs(1)) => leases,
                    };
                    match leases {
                        Ok(leases) => {
                            for lease in leases {
                                worker.handle(lease).await;
                            }
                        }
                        Err(error) => {
                            tracing::warn!(%error, "cannot take events from the queue; retrying");
                            tokio::select! {
                                _ = stop.cancelled() => break,
                                _ = tokio::time::sleep(Duration::from_secs(1)) => {}
                            }
                        }
                    }
                }
            });
        }
    }

    #[tracing::instrument(skip_all, fields(event_id = %lease.event.id, source = %lease.event.source, object = %lease.event.object, record_id = %lease.event.record_id, flow = tracing::field::Empty, attempt = lease.event.attempt))]
    pub async fn handle(&self, mut lease: Lease) {
        if let Some(reason) = lease.exhausted.clone() {
            // Not applied again: it may be what crashed the workers it was handed to.
            let outcome = self
                .settler
                .fail(&lease, SyncError::Undeliverable(reason))
                .await;
            observe(&lease.event, outcome);
            return;
        }
        let (store, queue) = (self.settler.store.as_ref(), self.settler.queue.as_ref());
        if super::pause::postponed(store, queue, self.flows.flow_of(&lease.event), &lease).await {
            return;
        }
        for taker in &self.takers {
            match taker.take(lease).await {
                Ok(()) => return,
                Err(back) => lease = back,
            }
        }
        let outcome = match &self.claims {
            None => {
                let processed = self.process(&lease.event, false).await;
                self.settle(&lease, processed).await
            }
            Some(claims) => match claims.acquire(&lease.event).await {
                Ok(claim) => {
                    let processed = claim.hold(self.process(&lease.event, claim.in_doubt)).await;
                    if claim.in_doubt && processed.is_err() {
                        claim.keep_in_doubt();
                    } else {
                        // Released before settling: the record's next event (handed out as
                        // soon as this one settles) then finds it free.
                        claim.release().await;
                    }
                    self.settle(&lease, processed).await
                }
                Err(error) => self.settler.fail(&lease, error.into()).await,
            },
        };
        observe(&lease.event, outcome);
    }

    /// Acknowledges what was processed; retries or dead-letters what failed.
    async fn settle(&self, lease: &Lease, processed: Result<Outcome, SyncError>) -> Outcome {
        match processed {
            Ok(label) => {
                self.settler.ack(lease).await;
                label
            }
            Err(error) => self.settler.fail(lease, error).await,
        }
    }

    /// Applies the event and records it; returns the outcome label.
    async fn process(&self, event: &ChangeEvent, in_doubt: bool) -> Result<Outcome, SyncError> {
        let store = &self.settler.store;
        if store.was_processed(&event.id).await? {
            tracing::debug!("already processed; acknowledging");
            return Ok(Outcome::Duplicate);
        }
        let record = RecordRef::new(event.source, &event.object, &event.record_id);
        if let (Some(version), Some(applied)) =
            (event.version, store.applied_version(&record).await?)
        {
            let version = version.timestamp_millis();
            if version < applied {
                let detail = format!("version {version} is older than the applied {applied}");
                return match self
                    .settler
                    .complete(event, None, Outcome::Stale, detail, vec![], vec![])
                    .await
                {
                    Err(SyncError::Store(StoreError::AlreadyProcessed(_))) => {
                        Ok(Outcome::Duplicate)
                    }
                    other => other.map(|()| Outcome::Stale),
                };
            }
        }
        let flow = self.flows.flow_of(event);
        if let Some(flow) = flow {
            // On the event's span, so every line logged while applying it names the flow.
            tracing::Span::current().record("flow", tracing::field::display(flow.as_str()));
        }
        let (applied, calls) = counted(self.flows.apply(event, in_doubt)).await;
        if let Some(flow) = flow {
            count_requests(flow, calls);
        }
        let applied = applied?;
        let target = written_to(event, &applied);
        let outcome = self.settler.record(event, applied).await?;
        if let (Outcome::Written, Some(target)) = (outcome, target) {
            log_applied(event, flow, &target, outcome);
        }
        Ok(outcome)
    }
}

/// The record a write landed on in the other system: the first write there, else the link
/// the flow recorded (the id on the other side of it).
fn written_to(event: &ChangeEvent, applied: &Applied) -> Option<RecordRef> {
    let Applied::Written { writes, links, .. } = applied else {
        return None;
    };
    let other = match event.source {
        System::Salesforce => System::Netsuite,
        System::Netsuite => System::Salesforce,
    };
    writes
        .iter()
        .map(|write| &write.record)
        .find(|record| record.system == other)
        .cloned()
        .or_else(|| {
            links.first().map(|link| RecordRef {
                system: other,
                object: String::new(),
                record_id: match other {
                    System::Salesforce => link.salesforce_id.clone(),
                    System::Netsuite => link.netsuite_id.clone(),
                },
            })
        })
}

/// One INFO line per event applied, with the record ids on both sides, so an operator can
/// follow a record from one system to the other by grepping either id. The fields repeat
/// the span's on purpose: the line stands alone when spans are not printed.
fn log_applied(event: &ChangeEvent, flow: Option<Flow>, target: &RecordRef, outcome: Outcome) {
    tracing::info!(
        flow = %flow.map_or("none", Flow::as_str),
        source = %event.source,
        source_object = %event.object,
        source_id = %event.record_id,
        target = %target.system,
        target_object = %target.object,
        target_id = %target.record_id,
        %outcome,
        "applied event"
    );
}

/// Counts the requests one flow sent to each system.
pub fn count_requests(flow: Flow, calls: Calls) {
    for system in [System::Salesforce, System::Netsuite] {
        metrics::counter!(SYNC_REQUESTS, "flow" => flow.as_str(), "system" => system.as_str())
            .increment(calls.of(system));
    }
}

/// Counts a settled event and its end-to-end latency.
pub fn observe(event: &ChangeEvent, outcome: Outcome) {
    let object = object_label(event.source, &event.object);
    metrics::counter!(EVENTS_PROCESSED, "source" => event.source.as_str(), "object" => object, "outcome" => outcome.label())
        .increment(1);
    crate::ops::signals::record_event_settled();
    let latency = chrono::Utc::now() - event.received_at;
    metrics::histogram!(SYNC_LATENCY, "source" => event.source.as_str(), "object" => object)
        .record(latency.num_milliseconds().max(0) as f64 / 1000.0);
}

#[cfg(test)]
mod tests;
