//! Replaying and discarding dead letters: the one implementation behind the ops API and
//! `tandem dlq`. A replay puts the stored event back on the queue as a new delivery (attempt 1)
//! marking the letter replayed first; only open letters move, one way, once.

use crate::queue::{Delivery, Queue, QueueError};
use crate::store::{DeadLetterStatus, Store, StoreError, StoredDeadLetter};

/// Why a dead letter could not be read, replayed or discarded.
#[derive(Debug, thiserror::Error)]
pub enum DeadLetterError {
    #[error("no dead letter {0}")]
    NotFound(i64),
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

/// Marks an open letter replayed, then queues its event again with `attempt` reset to 1,
/// durably; if the queue refuses, the letter reads open again. The worker applies the event
/// normally: a dead-lettered event was never marked processed. Of two replays at once (in any
/// instances), the store lets one through.
pub async fn replay(
    queue: &dyn Queue,
    store: &dyn Store,
    id: i64,
) -> Result<Replayed, DeadLetterError> {
    let letter = find(store, id).await?;
    take_open(store, id, DeadLetterStatus::Replayed).await?;
    let mut event = letter.event;
    event.attempt = 1;
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
        if let Err(source) = store
            .move_dead_letter(id, DeadLetterStatus::Replayed, DeadLetterStatus::Open)
            .await
        {
            return Err(DeadLetterError::NotReopened { id, source });
        }
        return Err(error);
    }
    tracing::info!(dead_letter = id, event_id = %replayed.event_id, "dead letter replayed");
    Ok(replayed)
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
