//! Parked conflicts as operators see and settle them: the event, every candidate, and resolving
//! one by linking the record to a candidate, creating a new record, or ignoring the event (the
//! one implementation behind the ops API, the ops page and `tandem conflicts`).

use crate::domain::ChangeEvent;
use crate::queue::{Delivery, Queue, QueueError};
use crate::store::{
    Completion, Conflict, ConflictDecision, ConflictStatus, ConflictSubject, HistoryEntry,
    MatchDecision, Store, StoreError,
};
use crate::sync::Outcome;
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
    /// Parked before tandem kept which record the candidates are for: only ignoring works.
    #[error(
        "conflict {0} does not say which record its candidates are for; it can only be ignored"
    )]
    NoSubject(i64),
    #[error("store: {0}")]
    Store(StoreError),
    #[error("queue: {0}")]
    Queue(QueueError),
}

/// A parked conflict as the ops API and page show it.
#[derive(Debug, Clone, Serialize)]
pub struct ConflictView {
    pub id: i64,
    /// `open` or `resolved`.
    pub status: &'static str,
    pub record_key: String,
    pub event_id: String,
    /// Why the event was parked (what matched).
    pub reason: String,
    /// The candidate records that matched.
    pub candidates: Value,
    /// Their ids, the choices for a link.
    pub candidate_ids: Vec<String>,
    /// The record the candidates are for (for a contact or an order: its account).
    pub subject: Option<ConflictSubject>,
    pub created_at: DateTime<Utc>,
    /// `link:<id>`, `create` or `ignore`.
    pub resolution: Option<String>,
    pub resolved_at: Option<DateTime<Utc>>,
    /// How many later events of the record joined the conflict.
    pub attached_events: u64,
    pub event: ChangeEvent,
    /// The joined events themselves (shown for one conflict, not in lists).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attached: Option<Vec<ChangeEvent>>,
}

impl From<Conflict> for ConflictView {
    fn from(conflict: Conflict) -> Self {
        Self {
            id: conflict.id,
            status: match conflict.resolution {
                None => "open",
                Some(_) => "resolved",
            },
            record_key: conflict.event.record_key(),
            event_id: conflict.event.id.clone(),
            reason: conflict.reason,
            candidate_ids: candidate_ids(&conflict.candidates),
            candidates: conflict.candidates,
            subject: conflict.subject,
            created_at: DateTime::from_timestamp_millis(conflict.created_at_ms).unwrap_or_default(),
            resolution: conflict.resolution,
            resolved_at: conflict
                .resolved_at_ms
                .and_then(DateTime::from_timestamp_millis),
            attached_events: conflict.attached,
            event: conflict.event,
            attached: None,
        }
    }
}

/// The ids among a conflict's candidates: `{"ids": [...]}` as matching parks them, or a list of
/// ids or of records with an `id`/`Id`.
pub fn candidate_ids(candidates: &Value) -> Vec<String> {
    let list = match candidates {
        Value::Object(object) => object.get("ids").and_then(Value::as_array),
        Value::Array(list) => Some(list),
        _ => None,
    };
    list.into_iter()
        .flatten()
        .filter_map(|candidate| match candidate {
            Value::String(id) => Some(id.clone()),
            Value::Object(record) => record
                .get("id")
                .or_else(|| record.get("Id"))
                .and_then(|id| match id {
                    Value::String(id) => Some(id.clone()),
                    Value::Number(id) => Some(id.to_string()),
                    _ => None,
                }),
            _ => None,
        })
        .collect()
}

/// Conflicts newest first (`None`: open and resolved alike).
pub async fn list(
    store: &dyn Store,
    status: Option<ConflictStatus>,
    limit: usize,
) -> Result<Vec<ConflictView>, ConflictError> {
    let conflicts = store
        .conflicts(status, limit)
        .await
        .map_err(ConflictError::Store)?;
    Ok(conflicts.into_iter().map(Into::into).collect())
}

/// One conflict with the events that joined it.
pub async fn show(store: &dyn Store, id: i64) -> Result<ConflictView, ConflictError> {
    let conflict = find(store, id).await?;
    let attached = store
        .conflict_events(id)
        .await
        .map_err(ConflictError::Store)?;
    let mut view = ConflictView::from(conflict);
    view.attached = Some(attached);
    Ok(view)
}

async fn find(store: &dyn Store, id: i64) -> Result<Conflict, ConflictError> {
    store.conflict(id).await.map_err(|error| match error {
        StoreError::NotFound(_) => ConflictError::NotFound(id),
        other => ConflictError::Store(other),
    })
}

/// Resolves an open conflict. Linking or creating records what matching answers for the
/// conflict's record from now on, in the same transaction as the resolution; then the parked
/// event and every event that joined it are queued again, oldest first, and apply through their
/// flow as any event does (which links the pair and writes the ids back). Ignoring
/// finishes them instead, each with a history entry. Of two resolutions at once (in any
/// instances), the store lets one through.
pub async fn resolve(
    queue: &dyn Queue,
    store: &dyn Store,
    id: i64,
    resolution: Resolution,
) -> Result<Resolved, ConflictError> {
    let conflict = find(store, id).await?;
    if let Some(resolution) = conflict.resolution {
        return Err(ConflictError::NotOpen { id, resolution });
    }
    let decision = decision(&conflict, &resolution)?;
    if !store
        .resolve_conflict(id, &decision)
        .await
        .map_err(ConflictError::Store)?
    {
        let resolution = find(store, id).await?.resolution.unwrap_or_default();
        return Err(ConflictError::NotOpen { id, resolution });
    }
    let mut events = vec![conflict.event];
    events.extend(
        store
            .conflict_events(id)
            .await
            .map_err(ConflictError::Store)?,
    );
    let replayed: Vec<String> = events.iter().map(|event| event.id.clone()).collect();
    let done = match resolution {
        Resolution::Ignore => finish_ignored(store, id, &events).await,
        _ => requeue(queue, id, events).await,
    };
    if let Err(error) = done {
        // Open again, so the operator can try once more; a link or decision already stored
        // stays (resolving again stores the same).
        store
            .reopen_conflict(id)
            .await
            .map_err(ConflictError::Store)?;
        return Err(error);
    }
    tracing::info!(conflict = id, resolution = %decision.resolution, events = replayed.len(), "conflict resolved");
    Ok(Resolved {
        id,
        action: resolution.as_str(),
        replayed,
    })
}

/// What the store records for `resolution`, checked against the conflict.
fn decision(
    conflict: &Conflict,
    resolution: &Resolution,
) -> Result<ConflictDecision, ConflictError> {
    let id = conflict.id;
    let subject = || conflict.subject.clone().ok_or(ConflictError::NoSubject(id));
    Ok(match resolution {
        Resolution::Link { candidate } => {
            let candidates = candidate_ids(&conflict.candidates);
            if !candidates.contains(candidate) {
                return Err(ConflictError::NotACandidate {
                    id,
                    candidate: candidate.clone(),
                    candidates: candidates.join(", "),
                });
            }
            let matching = MatchDecision::Link(candidate.clone());
            ConflictDecision {
                resolution: matching.as_text(),
                matching: Some((subject()?, matching)),
            }
        }
        Resolution::Create => ConflictDecision {
            resolution: MatchDecision::Create.as_text(),
            matching: Some((subject()?, MatchDecision::Create)),
        },
        Resolution::Ignore => ConflictDecision {
            resolution: "ignore".into(),
            matching: None,
        },
    })
}

/// Queues the conflict's events again as one delivery (their order kept), each from attempt 1.
async fn requeue(
    queue: &dyn Queue,
    id: i64,
    mut events: Vec<ChangeEvent>,
) -> Result<(), ConflictError> {
    for event in &mut events {
        event.attempt = 1;
    }
    let expected = events.len();
    let delivery = Delivery {
        // Never seen before, so the queue's dedupe of deliveries cannot drop it.
        dedupe_key: format!(
            "replay:conflict:{id}:{}:{}",
            Utc::now().timestamp_millis(),
            uuid::Uuid::new_v4().simple()
        ),
        events,
    };
    let outcome = queue
        .enqueue(vec![delivery])
        .await
        .map_err(ConflictError::Queue)?;
    if outcome.accepted != expected {
        return Err(ConflictError::Queue(QueueError::Unavailable(format!(
            "the queue accepted {} of the conflict's {expected} events",
            outcome.accepted
        ))));
    }
    Ok(())
}

/// Finishes ignored events for good, each with a history entry saying so.
async fn finish_ignored(
    store: &dyn Store,
    id: i64,
    events: &[ChangeEvent],
) -> Result<(), ConflictError> {
    for event in events {
        let finished = store
            .complete(Completion {
                event_id: event.id.clone(),
                processed: true,
                applied: None,
                writes: vec![],
                links: vec![],
                history: HistoryEntry {
                    record_key: event.record_key(),
                    event_id: event.id.clone(),
                    action: Outcome::Ignored.action().into(),
                    detail: format!("conflict {id} ignored by an operator"),
                    at_ms: Utc::now().timestamp_millis(),
                },
                latency_ms: None,
            })
            .await;
        match finished {
            Ok(()) | Err(StoreError::AlreadyProcessed(_)) => {}
            Err(error) => return Err(ConflictError::Store(error)),
        }
    }
    Ok(())
}
