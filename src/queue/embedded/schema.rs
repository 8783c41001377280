//! The embedded queue's SQLite schema and connection settings.

use rusqlite::Connection;

/// Durability first: WAL with `synchronous = FULL` fsyncs every commit, so an answered webhook
/// survives a crash of the process or the machine. Group commit keeps that affordable.
pub(super) fn prepare(connection: &Connection) -> rusqlite::Result<()> {
    connection.pragma_update(None, "journal_mode", "WAL")?;
    connection.pragma_update(None, "synchronous", "FULL")?;
    connection.busy_timeout(std::time::Duration::from_secs(5))?;
    connection.execute_batch(
        "CREATE TABLE IF NOT EXISTS events (
            seq          INTEGER PRIMARY KEY AUTOINCREMENT,
            event_id     TEXT    NOT NULL UNIQUE,
            record_key   TEXT    NOT NULL,
            shard        INTEGER NOT NULL,
            payload      BLOB    NOT NULL,
            enqueued_at  INTEGER NOT NULL,
            available_at INTEGER NOT NULL,
            deliveries   INTEGER NOT NULL DEFAULT 0,
            lease_nonce  INTEGER,
            lease_until  INTEGER,
            last_error   TEXT
        );
        CREATE INDEX IF NOT EXISTS events_by_record ON events (record_key, seq);
        CREATE TABLE IF NOT EXISTS dead_letters (
            id          INTEGER PRIMARY KEY AUTOINCREMENT,
            event_id    TEXT    NOT NULL,
            record_key  TEXT    NOT NULL,
            payload     BLOB    NOT NULL,
            reason      TEXT    NOT NULL,
            last_error  TEXT,
            deliveries  INTEGER NOT NULL,
            failed_at   INTEGER NOT NULL
        );
        CREATE TABLE IF NOT EXISTS deliveries_seen (
            dedupe_key TEXT    PRIMARY KEY,
            seen_at    INTEGER NOT NULL
        ) WITHOUT ROWID;
        CREATE INDEX IF NOT EXISTS deliveries_seen_by_age ON deliveries_seen (seen_at);",
    )
}
