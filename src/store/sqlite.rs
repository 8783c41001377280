//! The default store: a SQLite file (WAL, `synchronous = FULL`), one connection used from
//! blocking tasks.

use super::migrations::MIGRATIONS;
use super::sql;
use super::*;
use crate::domain::Envelope;
use rusqlite::{Connection, OptionalExtension, params};
use std::path::Path;
use std::sync::Mutex;

pub struct SqliteStore {
    connection: Arc<Mutex<Connection>>,
    /// A second connection for the lookups on ingress's path: in WAL mode it reads while the
    /// writer waits for its fsync.
    reader: Arc<Mutex<Connection>>,
}

fn unavailable(error: rusqlite::Error) -> StoreError {
    StoreError::Unavailable(error.to_string())
}

impl SqliteStore {
    pub async fn open(path: &Path) -> Result<Self, StoreError> {
        let path = path.to_owned();
        let (connection, reader) = tokio::task::spawn_blocking(move || {
            let open = || {
                let connection = Connection::open(&path).map_err(|e| {
                    StoreError::Unavailable(format!("cannot open {}: {e}", path.display()))
                })?;
                connection
                    .pragma_update(None, "journal_mode", "WAL")
                    .map_err(unavailable)?;
                connection
                    .pragma_update(None, "synchronous", "FULL")
                    .map_err(unavailable)?;
                connection
                    .busy_timeout(std::time::Duration::from_secs(5))
                    .map_err(unavailable)?;
                Ok::<_, StoreError>(connection)
            };
            let mut connection = open()?;
            migrate(&mut connection)?;
            let reader = open()?;
            reader
                .pragma_update(None, "query_only", true)
                .map_err(unavailable)?;
            Ok::<_, StoreError>((connection, reader))
        })
        .await
        .map_err(|e| StoreError::Unavailable(e.to_string()))??;
        Ok(Self {
            connection: Arc::new(Mutex::new(connection)),
            reader: Arc::new(Mutex::new(reader)),
        })
    }

    async fn with<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut Connection) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        Self::on(self.connection.clone(), work).await
    }

    /// Reads on the reader connection: never behind a write.
    async fn read<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut Connection) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        Self::on(self.reader.clone(), work).await
    }

    async fn on<T: Send + 'static>(
        connection: Arc<Mutex<Connection>>,
        work: impl FnOnce(&mut Connection) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        tokio::task::spawn_blocking(move || {
            let mut connection = connection.lock().unwrap_or_else(|p| p.into_inner());
            work(&mut connection)
        })
        .await
        .map_err(|e| StoreError::Unavailable(e.to_string()))?
    }
}

fn migrate(connection: &mut Connection) -> Result<(), StoreError> {
    connection
        .execute_batch("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY)")
        .map_err(unavailable)?;
    for (version, ddl, _) in MIGRATIONS {
        let tx = connection.transaction().map_err(unavailable)?;
        let applied: Option<i64> = tx
            .query_row(
                "SELECT version FROM schema_migrations WHERE version = ?1",
                [version],
                |r| r.get(0),
            )
            .optional()
            .map_err(unavailable)?;
        if applied.is_none() {
            tx.execute_batch(ddl).map_err(unavailable)?;
            tx.execute(
                "INSERT INTO schema_migrations (version) VALUES (?1)",
                [version],
            )
            .map_err(unavailable)?;
        }
        tx.commit().map_err(unavailable)?;
    }
    Ok(())
}

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

fn decode_event(text: &str) -> Result<crate::domain::ChangeEvent, StoreError> {
    Envelope::decode(text.as_bytes()).map_err(|e| StoreError::Corrupt(e.to_string()))
}

fn encode_event(event: &crate::domain::ChangeEvent) -> String {
    String::from_utf8(Envelope::encode(event)).expect("JSON is UTF-8")
}

/// id, event, reason, error_code, attempts, status, failed_at
type DeadLetterRow = (i64, String, String, Option<String>, i64, String, i64);

fn dead_letter_row(row: &rusqlite::Row) -> rusqlite::Result<DeadLetterRow> {
    Ok((
        row.get(0)?,
        row.get(1)?,
        row.get(2)?,
        row.get(3)?,
        row.get(4)?,
        row.get(5)?,
        row.get(6)?,
    ))
}

fn into_dead_letter(
    (id, event, reason, error_code, attempts, status, failed_at): DeadLetterRow,
) -> Result<StoredDeadLetter, StoreError> {
    Ok(StoredDeadLetter {
        id,
        event: decode_event(&event)?,
        reason,
        error_code,
        attempts: attempts as u32,
        status: DeadLetterStatus::parse(&status)
            .ok_or_else(|| StoreError::Corrupt(format!("dead letter status {status:?}")))?,
        failed_at_ms: failed_at,
    })
}

fn read_history(
    c: &mut Connection,
    query: &str,
    parameters: impl rusqlite::Params,
) -> Result<Vec<HistoryEntry>, StoreError> {
    let mut statement = c.prepare_cached(query).map_err(unavailable)?;
    let rows = statement
        .query_map(parameters, |r| {
            Ok(HistoryEntry {
                record_key: r.get(0)?,
                event_id: r.get(1)?,
                action: r.get(2)?,
                detail: r.get(3)?,
                at_ms: r.get(4)?,
            })
        })
        .map_err(unavailable)?;
    rows.collect::<Result<_, _>>().map_err(unavailable)
}

#[async_trait]
impl Store for SqliteStore {
    fn backend(&self) -> &'static str {
        "sqlite"
    }

    async fn check(&self) -> Result<(), StoreError> {
        self.with(|c| c.query_row("SELECT 1", [], |_| Ok(())).map_err(unavailable))
            .await
    }

    async fn was_processed(&self, event_id: &str) -> Result<bool, StoreError> {
        let event_id = event_id.to_owned();
        self.with(move |c| {
            c.query_row(sql::WAS_PROCESSED, [event_id], |_| Ok(()))
                .optional()
                .map(|found| found.is_some())
                .map_err(unavailable)
        })
        .await
    }

    async fn complete(&self, completion: Completion) -> Result<(), StoreError> {
        self.with(move |c| {
            let now = now_ms();
            let tx = c.transaction().map_err(unavailable)?;
            if completion.processed {
                let marked = tx
                    .execute(sql::MARK_PROCESSED, params![completion.event_id, now])
                    .map_err(unavailable)?;
                if marked == 0 {
                    return Err(StoreError::AlreadyProcessed(completion.event_id.clone()));
                }
            }
            if let Some((record, version)) = &completion.applied {
                tx.execute(
                    sql::APPLY_VERSION,
                    params![
                        record.system.as_str(),
                        record.object,
                        record.record_id,
                        version,
                        completion.event_id,
                        now
                    ],
                )
                .map_err(unavailable)?;
            }
            for write in &completion.writes {
                let r = &write.record;
                tx.execute(
                    sql::RECORD_WRITE,
                    params![
                        r.system.as_str(),
                        r.object,
                        r.record_id,
                        write.fields_hash,
                        write.joined_names(),
                        completion.event_id,
                        now
                    ],
                )
                .map_err(unavailable)?;
            }
            for link in &completion.links {
                tx.execute(
                    sql::DELETE_LINK_PAIRS,
                    params![link.kind.as_str(), link.salesforce_id, link.netsuite_id],
                )
                .map_err(unavailable)?;
                tx.execute(
                    sql::INSERT_LINK,
                    params![
                        link.kind.as_str(),
                        link.salesforce_id,
                        link.netsuite_id,
                        now
                    ],
                )
                .map_err(unavailable)?;
            }
            let h = &completion.history;
            tx.execute(
                sql::INSERT_HISTORY,
                params![h.record_key, h.event_id, h.action, h.detail, h.at_ms],
            )
            .map_err(unavailable)?;
            tx.commit().map_err(unavailable)
        })
        .await
    }

    async fn applied_version(&self, record: &RecordRef) -> Result<Option<i64>, StoreError> {
        let record = record.clone();
        self.with(move |c| {
            c.query_row(
                sql::APPLIED_VERSION,
                params![record.system.as_str(), record.object, record.record_id],
                |r| r.get(0),
            )
            .optional()
            .map_err(unavailable)
        })
        .await
    }

    async fn written(&self, record: &RecordRef) -> Result<Option<LedgerWrite>, StoreError> {
        let record = record.clone();
        self.with(move |c| {
            c.query_row(
                sql::WRITTEN,
                params![record.system.as_str(), record.object, record.record_id],
                |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)),
            )
            .optional()
            .map(|found| {
                found.map(|(fields_hash, names)| LedgerWrite {
                    record,
                    fields_hash,
                    field_names: LedgerWrite::split_names(&names),
                })
            })
            .map_err(unavailable)
        })
        .await
    }

    async fn linked(
        &self,
        kind: LinkKind,
        side: LinkSide,
        id: &str,
    ) -> Result<Option<String>, StoreError> {
        let id = id.to_owned();
        let query = match side {
            LinkSide::Salesforce => sql::LINKED_NETSUITE,
            LinkSide::Netsuite => sql::LINKED_SALESFORCE,
        };
        self.with(move |c| {
            c.query_row(query, params![kind.as_str(), id], |r| r.get(0))
                .optional()
                .map_err(unavailable)
        })
        .await
    }

    async fn park_conflict(&self, conflict: NewConflict) -> Result<i64, StoreError> {
        self.with(move |c| {
            c.query_row(
                sql::INSERT_CONFLICT,
                params![
                    conflict.event.id,
                    conflict.event.record_key(),
                    encode_event(&conflict.event),
                    conflict.reason,
                    conflict.candidates.to_string(),
                    now_ms()
                ],
                |r| r.get(0),
            )
            .map_err(unavailable)
        })
        .await
    }

    async fn conflicts(&self, limit: usize) -> Result<Vec<Conflict>, StoreError> {
        self.with(move |c| {
            let mut statement = c.prepare_cached(sql::CONFLICTS).map_err(unavailable)?;
            let rows = statement
                .query_map([limit as i64], |r| {
                    Ok((
                        r.get::<_, i64>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, String>(3)?,
                        r.get::<_, i64>(4)?,
                    ))
                })
                .map_err(unavailable)?;
            let mut conflicts = Vec::new();
            for row in rows {
                let (id, event, reason, candidates, created_at_ms) = row.map_err(unavailable)?;
                conflicts.push(Conflict {
                    id,
                    event: decode_event(&event)?,
                    reason,
                    candidates: serde_json::from_str(&candidates)
                        .map_err(|e| StoreError::Corrupt(e.to_string()))?,
                    created_at_ms,
                });
            }
            Ok(conflicts)
        })
        .await
    }

    async fn add_dead_letter(&self, letter: NewDeadLetter) -> Result<i64, StoreError> {
        self.with(move |c| {
            c.query_row(
                sql::INSERT_DEAD_LETTER,
                params![
                    letter.event.id,
                    letter.event.record_key(),
                    encode_event(&letter.event),
                    letter.reason,
                    letter.error_code,
                    letter.attempts,
                    now_ms()
                ],
                |r| r.get(0),
            )
            .map_err(unavailable)
        })
        .await
    }

    async fn dead_letters(
        &self,
        status: Option<DeadLetterStatus>,
        limit: usize,
    ) -> Result<Vec<StoredDeadLetter>, StoreError> {
        self.with(move |c| {
            let query = sql::dead_letters(status.is_some());
            let mut statement = c.prepare_cached(&query).map_err(unavailable)?;
            let rows: Vec<_> = match status {
                Some(status) => {
                    statement.query_map(params![limit as i64, status.as_str()], dead_letter_row)
                }
                None => statement.query_map(params![limit as i64], dead_letter_row),
            }
            .map_err(unavailable)?
            .collect::<Result<_, _>>()
            .map_err(unavailable)?;
            rows.into_iter().map(into_dead_letter).collect()
        })
        .await
    }

    async fn dead_letter(&self, id: i64) -> Result<StoredDeadLetter, StoreError> {
        self.with(move |c| {
            let row = c
                .query_row(&sql::dead_letter(), [id], dead_letter_row)
                .optional()
                .map_err(unavailable)?
                .ok_or_else(|| StoreError::NotFound(format!("dead letter {id}")))?;
            into_dead_letter(row)
        })
        .await
    }

    async fn move_dead_letter(
        &self,
        id: i64,
        from: DeadLetterStatus,
        to: DeadLetterStatus,
    ) -> Result<bool, StoreError> {
        let moved = self
            .with(move |c| {
                c.execute(
                    sql::MOVE_DEAD_LETTER,
                    params![id, from.as_str(), to.as_str()],
                )
                .map_err(unavailable)
            })
            .await?;
        if moved == 1 {
            return Ok(true);
        }
        // Nothing moved: `NotFound` when there is no letter at all.
        self.dead_letter(id).await?;
        Ok(false)
    }

    async fn history(
        &self,
        record_key: &str,
        limit: usize,
    ) -> Result<Vec<HistoryEntry>, StoreError> {
        let record_key = record_key.to_owned();
        self.with(move |c| read_history(c, sql::HISTORY, params![record_key, limit as i64]))
            .await
    }

    async fn recent_history(&self, limit: usize) -> Result<Vec<HistoryEntry>, StoreError> {
        self.with(move |c| read_history(c, sql::RECENT_HISTORY, params![limit as i64]))
            .await
    }

    async fn prune_processed(&self, before_ms: i64) -> Result<u64, StoreError> {
        self.with(move |c| {
            c.execute(sql::PRUNE_PROCESSED, [before_ms])
                .map(|n| n as u64)
                .map_err(unavailable)
        })
        .await
    }

    async fn deliveries_seen(&self, keys: &[String]) -> Result<Vec<bool>, StoreError> {
        let keys = keys.to_vec();
        self.read(move |c| {
            let mut statement = c.prepare_cached(sql::DELIVERY_SEEN).map_err(unavailable)?;
            keys.iter()
                .map(|key| statement.exists([key]).map_err(unavailable))
                .collect()
        })
        .await
    }

    async fn remember_deliveries(&self, keys: &[String]) -> Result<(), StoreError> {
        let keys = keys.to_vec();
        self.with(move |c| {
            let tx = c.transaction().map_err(unavailable)?;
            let now = now_ms();
            for key in &keys {
                tx.execute(sql::REMEMBER_DELIVERY, params![key, now])
                    .map_err(unavailable)?;
            }
            tx.commit().map_err(unavailable)
        })
        .await
    }

    async fn prune_deliveries(&self, before_ms: i64) -> Result<u64, StoreError> {
        self.with(move |c| {
            c.execute(sql::PRUNE_DELIVERIES, [before_ms])
                .map(|n| n as u64)
                .map_err(unavailable)
        })
        .await
    }

    async fn claim_record(
        &self,
        claim: &RecordClaim,
        now_ms: i64,
    ) -> Result<ClaimOutcome, StoreError> {
        let claim = claim.clone();
        self.with(move |c| {
            let tx = c.transaction().map_err(unavailable)?;
            let c = &claim;
            let values = params![c.record_key, c.owner, c.event_id, c.until_ms];
            if tx.execute(sql::INSERT_CLAIM, values).map_err(unavailable)? == 1 {
                tx.commit().map_err(unavailable)?;
                return Ok(ClaimOutcome::Claimed { in_doubt: false });
            }
            let holder = tx
                .query_row(sql::CLAIM_HOLDER, [&c.record_key], |row| {
                    Ok(RecordClaim {
                        record_key: c.record_key.clone(),
                        owner: row.get(0)?,
                        event_id: row.get(1)?,
                        until_ms: row.get(2)?,
                    })
                })
                .map_err(unavailable)?;
            let outcome = c.against(&holder, now_ms);
            if matches!(outcome, ClaimOutcome::Claimed { .. }) {
                tx.execute(sql::TAKE_CLAIM, values).map_err(unavailable)?;
                tx.commit().map_err(unavailable)?;
            }
            Ok(outcome)
        })
        .await
    }

    async fn release_record(
        &self,
        record_key: &str,
        owner: &str,
        event_id: &str,
    ) -> Result<(), StoreError> {
        let key = [record_key, owner, event_id].map(str::to_owned);
        self.with(move |c| {
            c.execute(sql::RELEASE_CLAIM, params![key[0], key[1], key[2]])
                .map(|_| ())
                .map_err(unavailable)
        })
        .await
    }
}
