//! The state store: record links, the sync ledger, processed event ids, conflicts, dead letters
//! and per-record history. SQLite by default, PostgreSQL when several instances share it; the
//! logic is written once (`sql_store.rs`) over a driver per database (`driver.rs`).

mod conflict_store;
mod conflict_types;
mod dead_letter_query;
mod driver;
mod members;
mod migrations;
mod postgres;
mod slots;
mod sql;
mod sql_store;
mod sqlite;
mod types;

pub use conflict_types::*;
pub use postgres::{PostgresDriver, PostgresStore};
pub use sql_store::SqlStore;
pub use sqlite::{SqliteDriver, SqliteStore};
pub use types::*;

use crate::domain::ChangeEvent;
use async_trait::async_trait;
use std::sync::Arc;

#[derive(Debug, Clone, thiserror::Error)]
pub enum StoreError {
    /// The database cannot be reached or refused the statement; the caller retries later.
    #[error("store unavailable: {0}")]
    Unavailable(String),
    /// A row did not hold what tandem wrote (corrupt or from a newer version).
    #[error("store data unreadable: {0}")]
    Corrupt(String),
    #[error("{0} not found")]
    NotFound(String),
    /// Another worker (another instance) completed this event first; nothing was recorded.
    #[error("event {0} was already processed")]
    AlreadyProcessed(String),
}

#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// `sqlite` or `postgres`, for metrics and logs.
    fn backend(&self) -> &'static str;

    /// Cheap readiness probe.
    async fn check(&self) -> Result<(), StoreError>;

    /// Whether an event with this id was already applied (idempotency).
    async fn was_processed(&self, event_id: &str) -> Result<bool, StoreError>;

    /// Records everything a finished event leaves behind, atomically: its id as processed, the
    /// source version applied, the owned-field hashes written, new links and a history entry.
    /// Fails with `AlreadyProcessed`, recording nothing, when the event was completed before.
    async fn complete(&self, completion: Completion) -> Result<(), StoreError>;

    /// The newest source version applied for a record (milliseconds since the epoch).
    async fn applied_version(&self, record: &RecordRef) -> Result<Option<i64>, StoreError>;

    /// What tandem last wrote to a record (the hash and the field names).
    async fn written(&self, record: &RecordRef) -> Result<Option<LedgerWrite>, StoreError>;

    /// The NetSuite internal id linked to a Salesforce id, or the reverse.
    async fn linked(
        &self,
        kind: LinkKind,
        side: LinkSide,
        id: &str,
    ) -> Result<Option<String>, StoreError>;

    /// Parks an ambiguous event: a new conflict, or, when the record already has an open one,
    /// the event joins it (a repeat of an event already there changes nothing).
    async fn park_conflict(&self, conflict: NewConflict) -> Result<Parked, StoreError>;
    /// Conflicts newest first; `None` lists every one.
    async fn conflicts(
        &self,
        status: Option<ConflictStatus>,
        limit: usize,
    ) -> Result<Vec<Conflict>, StoreError>;
    /// One parked conflict; `NotFound` when there is none with this id.
    async fn conflict(&self, id: i64) -> Result<Conflict, StoreError>;
    /// The events that joined a conflict after it was parked, oldest first.
    async fn conflict_events(&self, id: i64) -> Result<Vec<ChangeEvent>, StoreError>;
    /// Records an operator's decision on an open conflict and what matching answers for its
    /// subject from now on, at once; `false` (nothing recorded) when the conflict is not open.
    async fn resolve_conflict(
        &self,
        id: i64,
        decision: &ConflictDecision,
    ) -> Result<bool, StoreError>;
    /// Opens a resolved conflict again (its events could not be queued); the match decision
    /// stays.
    async fn reopen_conflict(&self, id: i64) -> Result<(), StoreError>;
    /// What an operator chose for `subject` when several records matched it, if anything.
    async fn match_decision(
        &self,
        subject: &ConflictSubject,
    ) -> Result<Option<MatchDecision>, StoreError>;
    /// The last hour's written-event latency per flow, at the 50th and 95th percentiles.
    async fn flow_latencies(&self, since_ms: i64) -> Result<Vec<FlowLatency>, StoreError>;

    async fn add_dead_letter(&self, letter: NewDeadLetter) -> Result<i64, StoreError>;
    async fn dead_letters(
        &self,
        status: Option<DeadLetterStatus>,
        limit: usize,
    ) -> Result<Vec<StoredDeadLetter>, StoreError>;
    /// The letters matching `filter`, newest first, only those older than `before_id` (the
    /// id of the last letter of the previous page) when given.
    async fn dead_letter_page(
        &self,
        filter: &DeadLetterFilter,
        before_id: Option<i64>,
        limit: usize,
    ) -> Result<Vec<StoredDeadLetter>, StoreError>;
    /// How many letters match `filter`.
    async fn count_dead_letters(&self, filter: &DeadLetterFilter) -> Result<u64, StoreError>;
    async fn dead_letter(&self, id: i64) -> Result<StoredDeadLetter, StoreError>;
    /// Keeps the edited event a letter was replayed with (the event as received stays).
    async fn edit_dead_letter(
        &self,
        id: i64,
        edited: &crate::domain::ChangeEvent,
    ) -> Result<(), StoreError>;
    /// Moves a dead letter from status `from` to `to`, atomically; `false` when it is not in
    /// `from` (another replay or discard came first), `NotFound` when there is no such letter.
    async fn move_dead_letter(
        &self,
        id: i64,
        from: DeadLetterStatus,
        to: DeadLetterStatus,
    ) -> Result<bool, StoreError>;

    /// Pauses a flow by name; `false` when it was paused already.
    async fn pause_flow(&self, flow: &str) -> Result<bool, StoreError>;
    /// Resumes a flow; `false` when it was not paused.
    async fn resume_flow(&self, flow: &str) -> Result<bool, StoreError>;
    /// Whether a flow is paused (asked before each of its events is applied).
    async fn flow_paused(&self, flow: &str) -> Result<bool, StoreError>;
    /// The paused flows and since when (milliseconds since the epoch).
    async fn paused_flows(&self) -> Result<Vec<(String, i64)>, StoreError>;
    /// Open dead letters per flow name (`''` for events of no flow).
    async fn open_dead_letters_by_flow(&self) -> Result<Vec<(String, u64)>, StoreError>;

    /// Remembers a failed attempt at an event.
    async fn record_attempt(&self, attempt: &FailedAttempt) -> Result<(), StoreError>;
    /// Every failed attempt at an event, oldest first (replays included).
    async fn attempts(&self, event_id: &str) -> Result<Vec<FailedAttempt>, StoreError>;

    /// A record's history, newest first.
    async fn history(
        &self,
        record_key: &str,
        limit: usize,
    ) -> Result<Vec<HistoryEntry>, StoreError>;

    /// How many history entries of each flow had each outcome since `since_ms`.
    async fn flow_outcomes(&self, since_ms: i64) -> Result<Vec<FlowOutcomes>, StoreError>;

    /// The history of a record known by its system and id (whatever its object), newest first.
    async fn history_of_id(
        &self,
        system: crate::domain::System,
        record_id: &str,
        limit: usize,
    ) -> Result<Vec<HistoryEntry>, StoreError>;

    /// The last write tandem made to each record for one of these events (a record written
    /// again later shows its later write instead).
    async fn writes_of_events(&self, event_ids: &[String]) -> Result<Vec<Written>, StoreError>;

    /// The newest history entries of every record, newest first.
    async fn recent_history(&self, limit: usize) -> Result<Vec<HistoryEntry>, StoreError>;

    /// Forgets processed event ids older than `before_ms`; returns how many.
    async fn prune_processed(&self, before_ms: i64) -> Result<u64, StoreError>;

    /// Takes or renews the claim on a record: granted when nobody holds it, when `claim.owner`
    /// already does, or when the holder's claim lapsed (`now_ms` past its time).
    async fn claim_record(
        &self,
        claim: &RecordClaim,
        now_ms: i64,
    ) -> Result<ClaimOutcome, StoreError>;

    /// Gives up `owner`'s claim on a record for `event_id` (nothing when the record is held by
    /// another owner, or for another event, now).
    async fn release_record(
        &self,
        record_key: &str,
        owner: &str,
        event_id: &str,
    ) -> Result<(), StoreError>;

    /// Takes one of the `slots` slots of `lease.pool` until `lease.until_ms`: one nobody holds,
    /// or one whose lease lapsed before `now_ms`. `None` when every slot is held.
    async fn take_slot(
        &self,
        lease: &SlotLease,
        slots: u32,
        now_ms: i64,
    ) -> Result<Option<u32>, StoreError>;

    /// Extends a lease still held to `lease.until_ms`; `false` when it lapsed and was taken.
    async fn renew_slot(&self, lease: &SlotLease, slot: u32) -> Result<bool, StoreError>;

    /// Gives a slot back (nothing when the lease lapsed and another holder took it).
    async fn release_slot(&self, lease: &SlotLease, slot: u32) -> Result<(), StoreError>;

    /// Heartbeats `member` of the instances consuming the RabbitMQ topology `prefix` at
    /// `now_ms`, and returns that topology's live members, sorted: those whose last heartbeat
    /// is at `live_since_ms` or later (older rows are deleted).
    async fn heartbeat_member(
        &self,
        prefix: &str,
        member: &str,
        now_ms: i64,
        live_since_ms: i64,
    ) -> Result<Vec<String>, StoreError>;

    /// Deletes `member`'s row: the others share its shards out at once.
    async fn leave_members(&self, prefix: &str, member: &str) -> Result<(), StoreError>;

    /// Where the job `name` stopped, as it saved it; `None` when it never saved or was cleared.
    async fn checkpoint(&self, name: &str) -> Result<Option<String>, StoreError>;
    /// Saves where the job `name` is now (replacing what it saved before).
    async fn save_checkpoint(&self, name: &str, value: &str, now_ms: i64)
    -> Result<(), StoreError>;
    /// Forgets the job's checkpoint: its next run starts from the beginning.
    async fn clear_checkpoint(&self, name: &str) -> Result<(), StoreError>;

    /// Per flow, the events that failed since `since_ms` and wait for a retry (neither finished
    /// nor a dead letter).
    async fn flow_retrying(&self, since_ms: i64) -> Result<Vec<(String, u64)>, StoreError>;

    /// How many failed attempts each flow had since `since_ms` (attempts of no flow left out).
    async fn flow_failures(&self, since_ms: i64) -> Result<Vec<(String, u64)>, StoreError>;
}

/// Opens the store named by `store.url` and brings its schema up to date.
pub async fn open(url: &str) -> Result<Arc<dyn Store>, StoreError> {
    if let Some(path) = url.strip_prefix("sqlite://") {
        // `sqlite://relative.db` or `sqlite:///absolute/path.db`.
        Ok(Arc::new(
            SqliteStore::open(std::path::Path::new(path)).await?,
        ))
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Arc::new(PostgresStore::connect(url).await?))
    } else {
        Err(StoreError::Unavailable(
            "store.url must start with sqlite:// or postgres://".into(),
        ))
    }
}

#[cfg(test)]
mod checkpoint_tests;
#[cfg(test)]
mod conflict_tests;
#[cfg(test)]
mod flow_failure_tests;
#[cfg(test)]
mod ops_tests;
#[cfg(test)]
mod tests;
