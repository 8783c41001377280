//! Settling an event: recording what became of it in the store, then acknowledging it — or
//! scheduling a retry, or dead-lettering it with the vendor's code. Shared by the worker loop
//! and the inventory coalescer.

use super::outcome::{Applied, SyncError};
use super::retry::{Decision, RetryPolicy};
use crate::domain::ChangeEvent;
use crate::queue::{Lease, Queue};
use crate::store::{
    Completion, HistoryEntry, LedgerWrite, Link, NewConflict, NewDeadLetter, RecordRef, Store,
    StoreError,
};
use std::sync::Arc;

#[derive(Clone)]
pub struct Settler {
    pub queue: Arc<dyn Queue>,
    pub store: Arc<dyn Store>,
    pub policy: RetryPolicy,
}

impl Settler {
    /// Records a flow's result for `event`; returns the outcome label for metrics.
    pub async fn record(
        &self,
        event: &ChangeEvent,
        applied: Applied,
    ) -> Result<&'static str, SyncError> {
        match self.record_applied(event, applied).await {
            // Another instance finished the same event first: nothing more to record.
            Err(SyncError::Store(StoreError::AlreadyProcessed(_))) => Ok("duplicate"),
            other => other,
        }
    }

    async fn record_applied(
        &self,
        event: &ChangeEvent,
        applied: Applied,
    ) -> Result<&'static str, SyncError> {
        let version = event.version.map(|v| {
            (
                RecordRef::new(event.source, &event.object, &event.record_id),
                v.timestamp_millis(),
            )
        });
        match applied {
            Applied::Written {
                writes,
                links,
                detail,
            } => {
                self.complete(event, version, "written", detail, writes, links)
                    .await?;
                Ok("written")
            }
            Applied::Echo { detail } => {
                self.complete(event, version, "echo_dropped", detail, vec![], vec![])
                    .await?;
                Ok("echo")
            }
            Applied::Ignored { detail } => {
                self.complete(event, version, "ignored", detail, vec![], vec![])
                    .await?;
                Ok("ignored")
            }
            Applied::Deferred { detail } => {
                self.complete(event, version, "deferred", detail, vec![], vec![])
                    .await?;
                Ok("deferred")
            }
            Applied::Conflict { reason, candidates } => {
                let id = self
                    .store
                    .park_conflict(NewConflict {
                        event: event.clone(),
                        reason: reason.clone(),
                        candidates,
                    })
                    .await?;
                self.complete(
                    event,
                    None,
                    "conflict",
                    format!("conflict {id}: {reason}"),
                    vec![],
                    vec![],
                )
                .await?;
                Ok("conflict")
            }
        }
    }

    pub async fn complete(
        &self,
        event: &ChangeEvent,
        applied: Option<(RecordRef, i64)>,
        action: &str,
        detail: String,
        writes: Vec<LedgerWrite>,
        links: Vec<Link>,
    ) -> Result<(), SyncError> {
        self.store
            .complete(Completion {
                event_id: event.id.clone(),
                // Conflicts and dead letters stay replayable.
                processed: !matches!(action, "conflict" | "dead_letter"),
                applied,
                writes,
                links,
                history: HistoryEntry {
                    record_key: event.record_key(),
                    event_id: event.id.clone(),
                    action: action.into(),
                    detail,
                    at_ms: chrono::Utc::now().timestamp_millis(),
                },
            })
            .await?;
        Ok(())
    }

    /// Retries later or dead-letters, per the policy; returns the outcome label.
    pub async fn fail(&self, lease: &Lease, error: SyncError) -> &'static str {
        let event = &lease.event;
        let decision = match &error {
            SyncError::MissingDependency { retry_in, .. } => {
                self.policy.dependency_delay(event.attempt, *retry_in)
            }
            SyncError::Connector(connector) => {
                self.policy
                    .decide(event.attempt, error.class(), connector.retry_after)
            }
            _ => self.policy.decide(event.attempt, error.class(), None),
        };
        match decision {
            Decision::RetryAfter(delay) => {
                tracing::warn!(%error, ?delay, event_id = %event.id, "attempt failed; retrying later");
                if let Err(queue_error) = self
                    .queue
                    .retry_later(lease.token, delay, &error.to_string())
                    .await
                {
                    tracing::error!(%queue_error, "could not schedule the retry; the lease will expire and redeliver");
                }
                "retry"
            }
            Decision::DeadLetter => {
                tracing::error!(%error, event_id = %event.id, "giving up on the event: dead letter");
                if let Err(store_error) = self.dead_letter(event, &error).await {
                    // Keep the lease: the event comes back and the dead letter is tried again.
                    tracing::error!(%store_error, "could not record the dead letter");
                    return "retry";
                }
                self.ack(lease).await;
                "dead_letter"
            }
        }
    }

    async fn dead_letter(&self, event: &ChangeEvent, error: &SyncError) -> Result<(), SyncError> {
        let id = self
            .store
            .add_dead_letter(NewDeadLetter {
                event: event.clone(),
                reason: error.to_string(),
                error_code: error.code(),
                attempts: event.attempt,
            })
            .await?;
        self.complete(
            event,
            None,
            "dead_letter",
            format!("dead letter {id}: {error}"),
            vec![],
            vec![],
        )
        .await
    }

    pub async fn ack(&self, lease: &Lease) {
        if let Err(error) = self.queue.ack(lease.token).await {
            tracing::warn!(%error, "acknowledgement failed; the event may be delivered again (it is idempotent)");
        }
    }
}
