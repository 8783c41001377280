//! Replaying and discarding dead letters: the one implementation behind the ops API and
//! `tandem dlq`. A replay puts the stored event back on the queue as a new delivery (attempt 1)
//! marking the letter replayed first; only open letters move, one way, once.

use super::dead_letter_view::DeadLetterView;
use crate::queue::{Delivery, Queue, QueueError};
use crate::store::{DeadLetterStatus, Store, StoreError, StoredDeadLetter};
use serde_json::{Map, Value};

/// Why a dead letter could not be read, replayed or discarded.
#[derive(Debug, thiserror::Error)]
pub enum DeadLetterError {
    #[error("no dead letter {0}")]
    NotFound(i64),
    /// An edited payload that is not a valid set of the event's fields.
    #[error("payload: {0}")]
    InvalidPayload(String),
    #[error("dead letter {id} is {}; only open dead letters can be replayed or discarded", status.as_str())]
    NotOpen { id: i64, status: DeadLetterStatus },
    #[error("store: {0}")]
    Store(StoreError),
    #[error("queue: {0}")]
    Queue(QueueError),
    /// The queue refused the replay, and the letter could not be set back to open.
    #[error(
        "dead letter {id}: the queue refused its event, and the letter could not be set back to open ({source}); it reads replayed"
    )]
    NotReopened { id: i64, source: StoreError },
}

/// What a replay queued.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Replayed {
    pub id: i64,
    pub event_id: String,
    pub record_key: String,
    /// The delivery id the event was queued under, unique to this replay.
    pub delivery: String,
}

/// One dead letter; `NotFound` when there is none with this id.
pub async fn find(store: &dyn Store, id: i64) -> Result<StoredDeadLetter, DeadLetterError> {
    store.dead_letter(id).await.map_err(|error| match error {
        StoreError::NotFound(_) => DeadLetterError::NotFound(id),
        other => DeadLetterError::Store(other),
    })
}

/// One dead letter with every failed attempt at its event.
pub async fn show(store: &dyn Store, id: i64) -> Result<DeadLetterView, DeadLetterError> {
    let letter = find(store, id).await?;
    let attempts = store
        .attempts(&letter.event.id)
        .await
        .map_err(DeadLetterError::Store)?;
    let mut view = DeadLetterView::from(letter);
    view.failures = Some(attempts.into_iter().map(Into::into).collect());
    Ok(view)
}

/// Marks an open letter replayed, then queues its event again with `attempt` reset to 1,
/// durably; if the queue refuses, the letter reads open again. The worker applies the event
/// normally: a dead-lettered event was never marked processed. Of two replays at once (in any
/// instances), the store lets one through. With `payload`, the event's fields are replaced by
/// it before queueing; the letter keeps the event as received and the edited one beside it.
pub async fn replay(
    queue: &dyn Queue,
    store: &dyn Store,
    id: i64,
    payload: Option<Value>,
) -> Result<Replayed, DeadLetterError> {
    let letter = find(store, id).await?;
    let fields = payload.map(edited_fields).transpose()?;
    take_open(store, id, DeadLetterStatus::Replayed).await?;
    let mut event = letter.event;
    event.attempt = 1;
    if let Some(fields) = fields {
        event.fields = fields;
        if let Err(error) = store.edit_dead_letter(id, &event).await {
            reopen(store, id).await?;
            return Err(DeadLetterError::Store(error));
        }
    }
    let replayed = Replayed {
        id,
        event_id: event.id.clone(),
        record_key: event.record_key(),
        // Never seen before, so the queue's dedupe of deliveries cannot drop the replay.
        delivery: format!(
            "replay:dead-letter:{id}:{}:{}",
            chrono::Utc::now().timestamp_millis(),
            uuid::Uuid::new_v4().simple()
        ),
    };
    let queued = queue
        .enqueue(vec![Delivery {
            dedupe_key: replayed.delivery.clone(),
            events: vec![event],
        }])
        .await
        .map_err(DeadLetterError::Queue)
        .and_then(|outcome| match outcome.accepted {
            1 => Ok(()),
            n => Err(DeadLetterError::Queue(QueueError::Unavailable(format!(
                "the queue accepted {n} events of the replay instead of 1"
            )))),
        });
    if let Err(error) = queued {
        reopen(store, id).await?;
        return Err(error);
    }
    tracing::info!(dead_letter = id, event_id = %replayed.event_id, "dead letter replayed");
    Ok(replayed)
}

/// Sets a letter taken for a replay that did not happen back to open.
async fn reopen(store: &dyn Store, id: i64) -> Result<(), DeadLetterError> {
    store
        .move_dead_letter(id, DeadLetterStatus::Replayed, DeadLetterStatus::Open)
        .await
        .map(drop)
        .map_err(|source| DeadLetterError::NotReopened { id, source })
}

/// An edited payload as the event's new fields: a JSON object of field API names (the shape of
/// a change event's `fields`).
fn edited_fields(payload: Value) -> Result<Map<String, Value>, DeadLetterError> {
    let Value::Object(fields) = payload else {
        return Err(DeadLetterError::InvalidPayload(
            "must be a JSON object of the event's fields, by API name".into(),
        ));
    };
    if let Some(name) = fields
        .keys()
        .find(|name| name.trim().is_empty() || name.chars().any(|c| c.is_whitespace() || c == ','))
    {
        return Err(DeadLetterError::InvalidPayload(format!(
            "{name:?} is not a field API name"
        )));
    }
    Ok(fields)
}

/// Marks an open letter discarded: its event is kept for the record but never applied.
pub async fn discard(store: &dyn Store, id: i64) -> Result<(), DeadLetterError> {
    take_open(store, id, DeadLetterStatus::Discarded).await?;
    tracing::info!(dead_letter = id, "dead letter discarded");
    Ok(())
}

/// Moves an open letter to `to`; `NotOpen` with its status when it was not open.
async fn take_open(
    store: &dyn Store,
    id: i64,
    to: DeadLetterStatus,
) -> Result<(), DeadLetterError> {
    let moved = store
        .move_dead_letter(id, DeadLetterStatus::Open, to)
        .await
        .map_err(|error| match error {
            StoreError::NotFound(_) => DeadLetterError::NotFound(id),
            other => DeadLetterError::Store(other),
        })?;
    if moved {
        return Ok(());
    }
    let status = find(store, id).await?.status;
    Err(DeadLetterError::NotOpen { id, status })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn an_edited_payload_is_an_object_of_field_names() {
        let fields = edited_fields(json!({"companyname": "Acme", "url": null})).unwrap();
        assert_eq!(fields.len(), 2);
        for bad in [
            json!([1]),
            json!("x"),
            json!({"": 1}),
            json!({"a b": 1}),
            json!({"a,b": 1}),
        ] {
            assert!(
                matches!(
                    edited_fields(bad.clone()),
                    Err(DeadLetterError::InvalidPayload(_))
                ),
                "{bad}"
            );
        }
    }
}
