//! Schema versions, applied in order at start. A version once shipped never changes; new
//! versions are appended.

use super::StoreError;
use super::driver::{Driver, values};
use super::sql;

/// Brings the schema up to date, one version a transaction; concurrent starts wait for each
/// other where the dialect needs it (several instances on one PostgreSQL).
pub async fn migrate(driver: &dyn Driver) -> Result<(), StoreError> {
    let dialect = driver.dialect();
    let mut tx = driver.begin().await?;
    if let Some(lock) = dialect.migration_lock() {
        tx.execute(lock, vec![]).await?;
    }
    tx.batch(dialect.ddl(SCHEMA_MIGRATIONS_SQLITE, SCHEMA_MIGRATIONS_POSTGRES))
        .await?;
    tx.commit().await?;
    for (version, sqlite, postgres) in MIGRATIONS {
        let mut tx = driver.begin().await?;
        if let Some(lock) = dialect.migration_lock() {
            tx.execute(lock, vec![]).await?;
        }
        let applied = tx.query(sql::MIGRATION_APPLIED, values![*version]).await?;
        if applied.is_empty() {
            tx.batch(dialect.ddl(sqlite, postgres)).await?;
            tx.execute(sql::RECORD_MIGRATION, values![*version]).await?;
        }
        tx.commit().await?;
    }
    Ok(())
}

const SCHEMA_MIGRATIONS_SQLITE: &str =
    "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY)";
const SCHEMA_MIGRATIONS_POSTGRES: &str =
    "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY)";

/// (version, SQLite DDL, PostgreSQL DDL)
pub const MIGRATIONS: &[(i64, &str, &str)] = &[
    (1, V1_SQLITE, V1_POSTGRES),
    (2, V2, V2),
    (3, V3, V3),
    (4, V4, V4),
    (5, V5, V5),
    (6, V6_SQLITE, V6_POSTGRES),
    (7, V7, V7),
    (8, V8_SQLITE, V8_POSTGRES),
    (9, V9, V9),
    (10, V10, V10),
    (11, V11, V11),
    (12, V12, V12),
    (13, V13, V13),
];

/// Resolving conflicts: the record the candidates are for, the operator's decision, the events
/// of the record that joined an open conflict, and records an operator chose to create anew;
/// each history entry's latency from receipt, for the flows' percentiles; and dead letters by
/// event, for the flows' events still retrying.
const V10: &str = "
ALTER TABLE conflicts ADD COLUMN subject_kind TEXT;
ALTER TABLE conflicts ADD COLUMN subject_side TEXT;
ALTER TABLE conflicts ADD COLUMN subject_id TEXT;
ALTER TABLE conflicts ADD COLUMN resolution TEXT;
ALTER TABLE conflicts ADD COLUMN resolved_at BIGINT;
CREATE INDEX conflicts_by_record ON conflicts (record_key, id);
CREATE TABLE conflict_events (
    conflict_id BIGINT NOT NULL, event_id TEXT NOT NULL, event TEXT NOT NULL, attached_at BIGINT NOT NULL,
    PRIMARY KEY (conflict_id, event_id));
CREATE TABLE match_decisions (
    kind TEXT NOT NULL, side TEXT NOT NULL, record_id TEXT NOT NULL, decision TEXT NOT NULL, decided_at BIGINT NOT NULL,
    PRIMARY KEY (kind, side, record_id));
ALTER TABLE history ADD COLUMN latency_ms BIGINT;
CREATE INDEX history_by_flow_time ON history (flow, at);
CREATE INDEX dead_letters_by_event ON dead_letters (event_id);
";

/// Failed attempts per flow over a recent window (the alerts' per-flow stall): the flow of
/// each attempt from now on (earlier attempts have none) and an index by time.
const V11: &str = "
ALTER TABLE event_attempts ADD COLUMN flow TEXT;
CREATE INDEX event_attempts_by_time ON event_attempts (at);
";

/// Outcomes per flow over a recent window: the flow of each history entry from now on
/// (earlier entries have none) and an index by time.
const V9: &str = "
ALTER TABLE history ADD COLUMN flow TEXT;
CREATE INDEX history_by_time ON history (at);
";

/// A record's history by its id alone (the ops API looks records up by system and id): the
/// id part of `record_key`, filled in for the rows already there.
pub(super) const V8_SQLITE: &str = "
ALTER TABLE history ADD COLUMN record_id TEXT;
UPDATE history SET record_id = substr(record_key,
    instr(record_key, ':') + instr(substr(record_key, instr(record_key, ':') + 1), ':') + 1);
CREATE INDEX history_by_record_id ON history (record_id, id);
";
pub(super) const V8_POSTGRES: &str = "
ALTER TABLE history ADD COLUMN record_id TEXT;
UPDATE history SET record_id = substring(record_key from '^[^:]*:[^:]*:(.*)$');
CREATE INDEX history_by_record_id ON history (record_id, id);
";

/// Flows an operator paused: their events wait on the queue until the row is gone.
const V7: &str = "
CREATE TABLE paused_flows (flow TEXT PRIMARY KEY, paused_at BIGINT NOT NULL);
";

/// Every failed attempt at an event: its number, the error and the vendor's code, kept so a
/// dead letter shows how each attempt failed, not only the last.
const V6_SQLITE: &str = "
CREATE TABLE event_attempts (
    id INTEGER PRIMARY KEY AUTOINCREMENT, event_id TEXT NOT NULL, attempt INTEGER NOT NULL,
    error TEXT NOT NULL, error_code TEXT, at INTEGER NOT NULL);
CREATE INDEX event_attempts_by_event ON event_attempts (event_id, id);
";
const V6_POSTGRES: &str = "
CREATE TABLE event_attempts (
    id BIGSERIAL PRIMARY KEY, event_id TEXT NOT NULL, attempt BIGINT NOT NULL,
    error TEXT NOT NULL, error_code TEXT, at BIGINT NOT NULL);
CREATE INDEX event_attempts_by_event ON event_attempts (event_id, id);
";

/// What dead letters are filtered by, each with an index that keeps the newest-first order:
/// the flow and the record id (filled in at insert; `''` when the event belongs to no flow)
/// and the event as last replayed with an edited payload (the original stays in `event`).
const V5: &str = "
ALTER TABLE dead_letters ADD COLUMN flow TEXT;
ALTER TABLE dead_letters ADD COLUMN record_id TEXT;
ALTER TABLE dead_letters ADD COLUMN edited_event TEXT;
CREATE INDEX dead_letters_by_flow ON dead_letters (flow, id);
CREATE INDEX dead_letters_by_error_code ON dead_letters (error_code, id);
CREATE INDEX dead_letters_by_record_id ON dead_letters (record_id, id);
CREATE INDEX dead_letters_by_record_key ON dead_letters (record_key, id);
CREATE INDEX dead_letters_by_failed_at ON dead_letters (failed_at, id);
";

/// Leases on the slots of a limit shared by every instance (NetSuite's account concurrency):
/// a row is a slot taken until `until_ms`, unless renewed.
const V4: &str = "
CREATE TABLE concurrency_slots (
    pool TEXT NOT NULL, slot BIGINT NOT NULL, holder TEXT NOT NULL, until_ms BIGINT NOT NULL,
    PRIMARY KEY (pool, slot));
";

/// Which worker (of which instance) is applying an event of a record, and until when.
const V3: &str = "
CREATE TABLE record_claims (
    record_key TEXT PRIMARY KEY, owner TEXT NOT NULL, event_id TEXT NOT NULL, until_ms BIGINT NOT NULL);
";

/// The instances consuming a RabbitMQ topology (`prefix`), each a row it heartbeats; the live
/// ones share the work queues' shards among them (`queue::rabbitmq::membership`).
const V12: &str = "
CREATE TABLE queue_members (
    prefix TEXT NOT NULL, member TEXT NOT NULL, seen_ms BIGINT NOT NULL,
    PRIMARY KEY (prefix, member));
";

/// Where a long job stopped (a backfill's last queued record, a reconciliation's last window),
/// by job name, so a run after a crash or a restart goes on from there.
const V13: &str = "
CREATE TABLE checkpoints (name TEXT PRIMARY KEY, value TEXT NOT NULL, saved_at BIGINT NOT NULL);
";

/// Delivery ids seen at ingress, for queue backends that cannot remember them themselves.
const V2: &str = "
CREATE TABLE received_deliveries (dedupe_key TEXT PRIMARY KEY, received_at BIGINT NOT NULL);
CREATE INDEX received_deliveries_by_age ON received_deliveries (received_at);
";

const V1_SQLITE: &str = "
CREATE TABLE processed_events (event_id TEXT PRIMARY KEY, processed_at INTEGER NOT NULL);
CREATE INDEX processed_events_by_age ON processed_events (processed_at);
CREATE TABLE applied_versions (
    system TEXT NOT NULL, object TEXT NOT NULL, record_id TEXT NOT NULL,
    version INTEGER NOT NULL, event_id TEXT NOT NULL, applied_at INTEGER NOT NULL,
    PRIMARY KEY (system, object, record_id));
CREATE TABLE written_fields (
    system TEXT NOT NULL, object TEXT NOT NULL, record_id TEXT NOT NULL,
    fields_hash TEXT NOT NULL, field_names TEXT NOT NULL, event_id TEXT NOT NULL, written_at INTEGER NOT NULL,
    PRIMARY KEY (system, object, record_id));
CREATE TABLE record_links (
    kind TEXT NOT NULL, salesforce_id TEXT NOT NULL, netsuite_id TEXT NOT NULL, created_at INTEGER NOT NULL,
    PRIMARY KEY (kind, salesforce_id), UNIQUE (kind, netsuite_id));
CREATE TABLE history (
    id INTEGER PRIMARY KEY AUTOINCREMENT, record_key TEXT NOT NULL, event_id TEXT NOT NULL,
    action TEXT NOT NULL, detail TEXT NOT NULL, at INTEGER NOT NULL);
CREATE INDEX history_by_record ON history (record_key, id);
CREATE TABLE conflicts (
    id INTEGER PRIMARY KEY AUTOINCREMENT, event_id TEXT NOT NULL, record_key TEXT NOT NULL,
    event TEXT NOT NULL, reason TEXT NOT NULL, candidates TEXT NOT NULL, created_at INTEGER NOT NULL);
CREATE TABLE dead_letters (
    id INTEGER PRIMARY KEY AUTOINCREMENT, event_id TEXT NOT NULL, record_key TEXT NOT NULL,
    event TEXT NOT NULL, reason TEXT NOT NULL, error_code TEXT, attempts INTEGER NOT NULL,
    status TEXT NOT NULL, failed_at INTEGER NOT NULL);
CREATE INDEX dead_letters_by_status ON dead_letters (status, id);
";

const V1_POSTGRES: &str = "
CREATE TABLE processed_events (event_id TEXT PRIMARY KEY, processed_at BIGINT NOT NULL);
CREATE INDEX processed_events_by_age ON processed_events (processed_at);
CREATE TABLE applied_versions (
    system TEXT NOT NULL, object TEXT NOT NULL, record_id TEXT NOT NULL,
    version BIGINT NOT NULL, event_id TEXT NOT NULL, applied_at BIGINT NOT NULL,
    PRIMARY KEY (system, object, record_id));
CREATE TABLE written_fields (
    system TEXT NOT NULL, object TEXT NOT NULL, record_id TEXT NOT NULL,
    fields_hash TEXT NOT NULL, field_names TEXT NOT NULL, event_id TEXT NOT NULL, written_at BIGINT NOT NULL,
    PRIMARY KEY (system, object, record_id));
CREATE TABLE record_links (
    kind TEXT NOT NULL, salesforce_id TEXT NOT NULL, netsuite_id TEXT NOT NULL, created_at BIGINT NOT NULL,
    PRIMARY KEY (kind, salesforce_id), UNIQUE (kind, netsuite_id));
CREATE TABLE history (
    id BIGSERIAL PRIMARY KEY, record_key TEXT NOT NULL, event_id TEXT NOT NULL,
    action TEXT NOT NULL, detail TEXT NOT NULL, at BIGINT NOT NULL);
CREATE INDEX history_by_record ON history (record_key, id);
CREATE TABLE conflicts (
    id BIGSERIAL PRIMARY KEY, event_id TEXT NOT NULL, record_key TEXT NOT NULL,
    event TEXT NOT NULL, reason TEXT NOT NULL, candidates TEXT NOT NULL, created_at BIGINT NOT NULL);
CREATE TABLE dead_letters (
    id BIGSERIAL PRIMARY KEY, event_id TEXT NOT NULL, record_key TEXT NOT NULL,
    event TEXT NOT NULL, reason TEXT NOT NULL, error_code TEXT, attempts BIGINT NOT NULL,
    status TEXT NOT NULL, failed_at BIGINT NOT NULL);
CREATE INDEX dead_letters_by_status ON dead_letters (status, id);
";
