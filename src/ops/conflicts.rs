//! Parked conflicts as operators see and settle them: the event, every candidate, and resolving
//! one by linking the record to a candidate, creating a new record, or ignoring the event (the
//! one implementation behind the ops API, the ops page and `tandem conflicts`).

use crate::queue::{Queue, QueueError};
use crate::store::{Conflict, Store, StoreError};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// How an operator settles a conflict.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Resolution {
    /// The record is the candidate with this id: link them, then apply the event.
    Link { candidate: String },
    /// None of the candidates: create a new record, then link it.
    Create,
    /// Apply nothing; the event is done with.
    Ignore,
}

impl Resolution {
    pub fn as_str(&self) -> &'static str {
        match self {
            Resolution::Link { .. } => "link",
            Resolution::Create => "create",
            Resolution::Ignore => "ignore",
        }
    }
}

/// What resolving queued.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Resolved {
    pub id: i64,
    pub action: &'static str,
    /// The events queued again (the parked one and those attached later), oldest first.
    pub replayed: Vec<String>,
}

/// Why a conflict could not be read or resolved.
#[derive(Debug, thiserror::Error)]
pub enum ConflictError {
    #[error("no conflict {0}")]
    NotFound(i64),
    #[error(
        "conflict {id} is already resolved ({resolution}); only open conflicts can be resolved"
    )]
    NotOpen { id: i64, resolution: String },
    #[error("{candidate:?} is not a candidate of conflict {id}; candidates: {candidates}")]
    NotACandidate {
        id: i64,
        candidate: String,
        candidates: String,
    },
    #[error("store: {0}")]
    Store(StoreError),
    #[error("queue: {0}")]
    Queue(QueueError),
}

/// A parked conflict as the ops API and page show it.
#[derive(Debug, Clone, Serialize)]
pub struct ConflictView {
    pub id: i64,
    pub record_key: String,
    pub event_id: String,
    /// Why the event was parked (what matched).
    pub reason: String,
    /// The candidate records that matched.
    pub candidates: Value,
    pub created_at: DateTime<Utc>,
    pub event: crate::domain::ChangeEvent,
}

impl From<Conflict> for ConflictView {
    fn from(conflict: Conflict) -> Self {
        Self {
            id: conflict.id,
            record_key: conflict.event.record_key(),
            event_id: conflict.event.id.clone(),
            reason: conflict.reason,
            candidates: conflict.candidates,
            created_at: DateTime::from_timestamp_millis(conflict.created_at_ms).unwrap_or_default(),
            event: conflict.event,
        }
    }
}

/// Resolves an open conflict and queues its events again.
pub async fn resolve(
    _queue: &dyn Queue,
    store: &dyn Store,
    id: i64,
    resolution: Resolution,
) -> Result<Resolved, ConflictError> {
    let _ = store.conflict(id).await.map_err(|error| match error {
        StoreError::NotFound(_) => ConflictError::NotFound(id),
        other => ConflictError::Store(other),
    })?;
    Err(ConflictError::NotOpen {
        id,
        resolution: format!("resolving ({}) is being built", resolution.as_str()),
    })
}
