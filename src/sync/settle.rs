//! Settling an event: recording what became of it in the store, then acknowledging it — or
//! scheduling a retry, or dead-lettering it with the vendor's code. Shared by the worker loop
//! and the inventory coalescer.

use super::outcome::{Applied, SyncError};
use super::retry::{Decision, RetryPolicy};
use super::settled::Outcome;
use crate::config::ConflictPolicy;
use crate::domain::ChangeEvent;
use crate::queue::{Lease, Queue};
use crate::store::{
    Completion, ConflictSubject, FailedAttempt, HistoryEntry, LedgerWrite, Link, NewConflict,
    NewDeadLetter, RecordRef, Store, StoreError,
};
use std::sync::Arc;

#[derive(Clone)]
pub struct Settler {
    pub queue: Arc<dyn Queue>,
    pub store: Arc<dyn Store>,
    pub policy: RetryPolicy,
    /// What an ambiguous match becomes (`sync.conflict_policy`).
    pub conflicts: ConflictPolicy,
}

impl Settler {
    /// Records a flow's result for `event`; returns what became of it.
    pub async fn record(
        &self,
        event: &ChangeEvent,
        applied: Applied,
    ) -> Result<Outcome, SyncError> {
        match self.record_applied(event, applied).await {
            // Another instance finished the same event first: nothing more to record.
            Err(SyncError::Store(StoreError::AlreadyProcessed(_))) => Ok(Outcome::Duplicate),
            other => other,
        }
    }

    async fn record_applied(
        &self,
        event: &ChangeEvent,
        applied: Applied,
    ) -> Result<Outcome, SyncError> {
        let version = event.version.map(|v| {
            (
                RecordRef::new(event.source, &event.object, &event.record_id),
                v.timestamp_millis(),
            )
        });
        let (outcome, detail, writes, links) = match applied {
            Applied::Written {
                writes,
                links,
                detail,
            } => (Outcome::Written, detail, writes, links),
            Applied::Echo { detail } => (Outcome::Echo, detail, vec![], vec![]),
            Applied::Ignored { detail } => (Outcome::Ignored, detail, vec![], vec![]),
            Applied::Deferred { detail } => (Outcome::Deferred, detail, vec![], vec![]),
            Applied::Conflict {
                reason,
                candidates,
                subject,
            } => {
                return self.ambiguous(event, reason, candidates, subject).await;
            }
        };
        self.complete(event, version, outcome, detail, writes, links)
            .await?;
        Ok(outcome)
    }

    /// An ambiguous match: a conflict for review, or a dead letter (`sync.conflict_policy`).
    async fn ambiguous(
        &self,
        event: &ChangeEvent,
        reason: String,
        candidates: serde_json::Value,
        subject: ConflictSubject,
    ) -> Result<Outcome, SyncError> {
        match self.conflicts {
            ConflictPolicy::Park => {
                let parked = self
                    .store
                    .park_conflict(NewConflict {
                        event: event.clone(),
                        reason: reason.clone(),
                        candidates,
                        subject: Some(subject),
                    })
                    .await?;
                let id = parked.id;
                let detail = match parked.attached {
                    true => format!("joined open conflict {id}: {reason}"),
                    false => format!("conflict {id}: {reason}"),
                };
                self.complete(event, None, Outcome::Conflict, detail, vec![], vec![])
                    .await?;
                Ok(Outcome::Conflict)
            }
            ConflictPolicy::DeadLetter => {
                let error = SyncError::Refused {
                    code: "AMBIGUOUS_MATCH",
                    message: format!("{reason}; candidates: {candidates}"),
                };
                self.dead_letter(event, &error).await?;
                Ok(Outcome::DeadLetter)
            }
        }
    }

    pub async fn complete(
        &self,
        event: &ChangeEvent,
        applied: Option<(RecordRef, i64)>,
        outcome: Outcome,
        detail: String,
        writes: Vec<LedgerWrite>,
        links: Vec<Link>,
    ) -> Result<(), SyncError> {
        let now = chrono::Utc::now();
        self.store
            .complete(Completion {
                event_id: event.id.clone(),
                // Conflicts and dead letters stay replayable.
                processed: outcome.is_final(),
                applied,
                writes,
                links,
                history: HistoryEntry {
                    record_key: event.record_key(),
                    event_id: event.id.clone(),
                    action: outcome.action().into(),
                    detail,
                    at_ms: now.timestamp_millis(),
                },
                latency_ms: Some((now - event.received_at).num_milliseconds().max(0)),
            })
            .await?;
        Ok(())
    }

    /// Retries later or dead-letters, per the policy; returns what became of the event.
    pub async fn fail(&self, lease: &Lease, error: SyncError) -> Outcome {
        let event = &lease.event;
        self.remember_attempt(event, &error).await;
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
                Outcome::Retry
            }
            Decision::DeadLetter => {
                tracing::error!(%error, event_id = %event.id, "giving up on the event: dead letter");
                if let Err(store_error) = self.dead_letter(event, &error).await {
                    // Keep the lease: the event comes back and the dead letter is tried again.
                    tracing::error!(%store_error, "could not record the dead letter");
                    return Outcome::Retry;
                }
                self.ack(lease).await;
                Outcome::DeadLetter
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
            Outcome::DeadLetter,
            format!("dead letter {id}: {error}"),
            vec![],
            vec![],
        )
        .await
    }

    /// Keeps the failed attempt for the operator (a dead letter lists them); losing it loses
    /// only that detail, so a store error is logged, not retried.
    async fn remember_attempt(&self, event: &ChangeEvent, error: &SyncError) {
        let attempt = FailedAttempt {
            event_id: event.id.clone(),
            attempt: event.attempt,
            error: error.to_string(),
            error_code: error.code(),
            at_ms: chrono::Utc::now().timestamp_millis(),
            flow: super::flows::flow_of(event).map(|flow| flow.as_str().to_owned()),
        };
        if let Err(store_error) = self.store.record_attempt(&attempt).await {
            tracing::warn!(%store_error, event_id = %event.id, "could not record the failed attempt");
        }
    }

    pub async fn ack(&self, lease: &Lease) {
        if let Err(error) = self.queue.ack(lease.token).await {
            tracing::warn!(%error, "acknowledgement failed; the event may be delivered again (it is idempotent)");
        }
    }
}
