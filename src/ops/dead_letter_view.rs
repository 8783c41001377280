//! The JSON form of a dead letter that the ops API answers and `tandem dlq show` prints: a
//! stable shape of its own, so the store's row type can change without changing the contract.

use crate::domain::ChangeEvent;
use crate::store::{DeadLetterStatus, FailedAttempt, StoredDeadLetter};
use chrono::{DateTime, Utc};
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct DeadLetterView {
    pub id: i64,
    /// `open`, `replayed` or `discarded`.
    pub status: DeadLetterStatus,
    /// `source:object:record_id` of the record the event is about.
    pub record_key: String,
    pub event_id: String,
    /// Why tandem gave up on the event (the last error).
    pub reason: String,
    /// The vendor's error code, when it sent one (`INVALID_FIELD`, `MALFORMED_ID`…).
    pub error_code: Option<String>,
    /// Attempts made before giving up.
    pub attempts: u32,
    pub failed_at: DateTime<Utc>,
    /// The event as received; a replay without an edited payload queues exactly this.
    pub event: ChangeEvent,
    /// The event as last replayed with an edited payload, when it was.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub edited_event: Option<ChangeEvent>,
    /// Every failed attempt at the event, oldest first: shown for one letter, not in lists.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failures: Option<Vec<FailureView>>,
}

/// One failed attempt at a dead letter's event.
#[derive(Debug, Clone, Serialize)]
pub struct FailureView {
    pub attempt: u32,
    pub at: DateTime<Utc>,
    pub error: String,
    pub error_code: Option<String>,
}

impl From<FailedAttempt> for FailureView {
    fn from(attempt: FailedAttempt) -> Self {
        Self {
            attempt: attempt.attempt,
            at: DateTime::from_timestamp_millis(attempt.at_ms).unwrap_or_default(),
            error: attempt.error,
            error_code: attempt.error_code,
        }
    }
}

impl From<StoredDeadLetter> for DeadLetterView {
    fn from(letter: StoredDeadLetter) -> Self {
        Self {
            id: letter.id,
            status: letter.status,
            record_key: letter.event.record_key(),
            event_id: letter.event.id.clone(),
            reason: letter.reason,
            error_code: letter.error_code,
            attempts: letter.attempts,
            failed_at: DateTime::from_timestamp_millis(letter.failed_at_ms).unwrap_or_default(),
            event: letter.event,
            edited_event: letter.edited_event,
            failures: None,
        }
    }
}
