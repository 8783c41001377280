//! Statements both backends run, written once with `?N` placeholders (SQLite's form; the
//! dialect rewrites them to `$N` for PostgreSQL).

pub const WAS_PROCESSED: &str = "SELECT 1 FROM processed_events WHERE event_id = ?1";
pub const MARK_PROCESSED: &str = "INSERT INTO processed_events (event_id, processed_at) VALUES (?1, ?2) ON CONFLICT (event_id) DO NOTHING";
/// Keeps the newest version only: a late, older event never moves the version back.
pub const APPLY_VERSION: &str =
    "INSERT INTO applied_versions (system, object, record_id, version, event_id, applied_at)
     VALUES (?1, ?2, ?3, ?4, ?5, ?6)
     ON CONFLICT (system, object, record_id) DO UPDATE
     SET version = excluded.version, event_id = excluded.event_id, applied_at = excluded.applied_at
     WHERE excluded.version > applied_versions.version";
pub const APPLIED_VERSION: &str =
    "SELECT version FROM applied_versions WHERE system = ?1 AND object = ?2 AND record_id = ?3";
pub const RECORD_WRITE: &str = "INSERT INTO written_fields (system, object, record_id, fields_hash, field_names, event_id, written_at)
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
     ON CONFLICT (system, object, record_id) DO UPDATE
     SET fields_hash = excluded.fields_hash, field_names = excluded.field_names,
         event_id = excluded.event_id, written_at = excluded.written_at";
pub const WRITTEN: &str = "SELECT fields_hash, field_names FROM written_fields WHERE system = ?1 AND object = ?2 AND record_id = ?3";
/// A link is written once; a different pairing for either id is replaced (the record was relinked).
pub const DELETE_LINK_PAIRS: &str =
    "DELETE FROM record_links WHERE kind = ?1 AND (salesforce_id = ?2 OR netsuite_id = ?3)";
pub const INSERT_LINK: &str = "INSERT INTO record_links (kind, salesforce_id, netsuite_id, created_at) VALUES (?1, ?2, ?3, ?4)";
pub const LINKED_NETSUITE: &str =
    "SELECT netsuite_id FROM record_links WHERE kind = ?1 AND salesforce_id = ?2";
pub const LINKED_SALESFORCE: &str =
    "SELECT salesforce_id FROM record_links WHERE kind = ?1 AND netsuite_id = ?2";
pub const INSERT_HISTORY: &str =
    "INSERT INTO history (record_key, event_id, action, detail, at, record_id, flow, latency_ms)
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, CAST(?8 AS BIGINT))";
/// Nearest-rank 50th and 95th percentiles of each flow's written-event latency since `?1`.
pub const FLOW_LATENCIES: &str = "SELECT flow, n, total, latency_ms FROM (
       SELECT flow, latency_ms,
              ROW_NUMBER() OVER (PARTITION BY flow ORDER BY latency_ms) AS n,
              COUNT(*) OVER (PARTITION BY flow) AS total
       FROM history
       WHERE at >= ?1 AND flow IS NOT NULL AND latency_ms IS NOT NULL AND action = 'written') ranked
     WHERE n = (total * 50 + 99) / 100 OR n = (total * 95 + 99) / 100";
pub const FLOW_OUTCOMES: &str = "SELECT flow, action, COUNT(*) FROM history
     WHERE at >= ?1 AND flow IS NOT NULL GROUP BY flow, action";
/// `?2` is `system:%`: the record's entries whatever its object.
pub const HISTORY_BY_ID: &str = "SELECT record_key, event_id, action, detail, at FROM history
     WHERE record_id = ?1 AND record_key LIKE ?2 ORDER BY id DESC LIMIT ?3";
/// What tandem last wrote to each record, for the writes some events made.
pub fn writes_of_events(condition: &str) -> String {
    format!(
        "SELECT system, object, record_id, field_names, event_id, written_at FROM written_fields WHERE {condition}"
    )
}
pub const HISTORY: &str = "SELECT record_key, event_id, action, detail, at FROM history
     WHERE record_key = ?1 ORDER BY id DESC LIMIT ?2";
pub const RECENT_HISTORY: &str =
    "SELECT record_key, event_id, action, detail, at FROM history ORDER BY id DESC LIMIT ?1";
pub const INSERT_DEAD_LETTER: &str = "INSERT INTO dead_letters (event_id, record_key, event, reason, error_code, attempts, status, failed_at, flow, record_id)
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'open', ?7, ?8, ?9) RETURNING id";
pub const DEAD_LETTER_COLUMNS: &str =
    "id, event, reason, error_code, attempts, status, failed_at, edited_event";
pub fn dead_letter() -> String {
    format!("SELECT {DEAD_LETTER_COLUMNS} FROM dead_letters WHERE id = ?1")
}
/// Moves a letter only from the status expected: two replays cannot both find it open.
pub const EDIT_DEAD_LETTER: &str = "UPDATE dead_letters SET edited_event = ?2 WHERE id = ?1";
pub const MOVE_DEAD_LETTER: &str =
    "UPDATE dead_letters SET status = ?3 WHERE id = ?1 AND status = ?2";
pub const INSERT_CLAIM: &str =
    "INSERT INTO record_claims (record_key, owner, event_id, until_ms) VALUES (?1, ?2, ?3, ?4)
     ON CONFLICT (record_key) DO NOTHING";
pub const CLAIM_HOLDER: &str =
    "SELECT owner, event_id, until_ms FROM record_claims WHERE record_key = ?1";
pub const TAKE_CLAIM: &str =
    "UPDATE record_claims SET owner = ?2, event_id = ?3, until_ms = ?4 WHERE record_key = ?1";
/// Only the claim taken for this event: a worker of the same process may hold the record for
/// its next event already.
pub const RELEASE_CLAIM: &str =
    "DELETE FROM record_claims WHERE record_key = ?1 AND owner = ?2 AND event_id = ?3";
pub const PRUNE_PROCESSED: &str = "DELETE FROM processed_events WHERE processed_at < ?1";
pub const MIGRATION_APPLIED: &str = "SELECT version FROM schema_migrations WHERE version = ?1";
pub const RECORD_MIGRATION: &str = "INSERT INTO schema_migrations (version) VALUES (?1)";
pub const SLOTS_HELD: &str =
    "SELECT slot FROM concurrency_slots WHERE pool = ?1 AND until_ms >= ?2";
/// Takes a slot that is free or whose lease lapsed; two takers of one slot cannot both win.
pub const TAKE_SLOT: &str =
    "INSERT INTO concurrency_slots (pool, slot, holder, until_ms) VALUES (?1, ?2, ?3, ?4)
     ON CONFLICT (pool, slot) DO UPDATE SET holder = excluded.holder, until_ms = excluded.until_ms
     WHERE concurrency_slots.until_ms < ?5";
pub const RENEW_SLOT: &str =
    "UPDATE concurrency_slots SET until_ms = ?4 WHERE pool = ?1 AND slot = ?2 AND holder = ?3";
pub const RELEASE_SLOT: &str =
    "DELETE FROM concurrency_slots WHERE pool = ?1 AND slot = ?2 AND holder = ?3";
/// A consuming instance says it is alive (its first heartbeat adds its row).
pub const HEARTBEAT_MEMBER: &str =
    "INSERT INTO queue_members (prefix, member, seen_ms) VALUES (?1, ?2, ?3)
     ON CONFLICT (prefix, member) DO UPDATE SET seen_ms = excluded.seen_ms";
pub const LIVE_MEMBERS: &str =
    "SELECT member FROM queue_members WHERE prefix = ?1 AND seen_ms >= ?2 ORDER BY member";
pub const REMOVE_MEMBER: &str = "DELETE FROM queue_members WHERE prefix = ?1 AND member = ?2";
/// Rows of instances long dead (a live one writes its row again within a second or so).
pub const PRUNE_MEMBERS: &str = "DELETE FROM queue_members WHERE prefix = ?1 AND seen_ms < ?2";
pub const INSERT_ATTEMPT: &str = "INSERT INTO event_attempts (event_id, attempt, error, error_code, at, flow) VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
pub const ATTEMPTS: &str = "SELECT event_id, attempt, error, error_code, at, flow FROM event_attempts WHERE event_id = ?1 ORDER BY id";
pub const PAUSE_FLOW: &str =
    "INSERT INTO paused_flows (flow, paused_at) VALUES (?1, ?2) ON CONFLICT (flow) DO NOTHING";
pub const RESUME_FLOW: &str = "DELETE FROM paused_flows WHERE flow = ?1";
pub const PAUSED_FLOWS: &str = "SELECT flow, paused_at FROM paused_flows ORDER BY flow";
pub const FLOW_PAUSED: &str = "SELECT 1 FROM paused_flows WHERE flow = ?1";
pub const OPEN_DEAD_LETTERS_BY_FLOW: &str =
    "SELECT flow, COUNT(*) FROM dead_letters WHERE status = 'open' GROUP BY flow";
pub const FLOW_FAILURES: &str = "SELECT flow, COUNT(*) FROM event_attempts
     WHERE at >= ?1 AND flow IS NOT NULL GROUP BY flow";
/// Per flow, the events with a failed attempt since `?1` that are neither finished nor given up
/// on (a dead letter not replayed): those waiting for a retry.
pub const FLOW_RETRYING: &str = "SELECT a.flow, COUNT(DISTINCT a.event_id) FROM event_attempts a
     WHERE a.at >= ?1 AND a.flow IS NOT NULL
       AND NOT EXISTS (SELECT 1 FROM processed_events p WHERE p.event_id = a.event_id)
       AND NOT EXISTS (SELECT 1 FROM dead_letters d
                       WHERE d.event_id = a.event_id AND d.status <> 'replayed')
     GROUP BY a.flow";
pub const CHECKPOINT: &str = "SELECT value FROM checkpoints WHERE name = ?1";
pub const SAVE_CHECKPOINT: &str =
    "INSERT INTO checkpoints (name, value, saved_at) VALUES (?1, ?2, ?3)
     ON CONFLICT (name) DO UPDATE SET value = excluded.value, saved_at = excluded.saved_at";
pub const CLEAR_CHECKPOINT: &str = "DELETE FROM checkpoints WHERE name = ?1";
