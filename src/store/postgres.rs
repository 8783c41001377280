//! The store on PostgreSQL, for several tandem instances sharing one state.

use super::migrations::MIGRATIONS;
use super::sql::{self, for_postgres};
use super::*;
use crate::domain::{ChangeEvent, Envelope};
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions, PgRow};
use sqlx::{Connection, Row};
use std::str::FromStr;
use std::time::Duration;

pub struct PostgresStore {
    pool: PgPool,
}

fn unavailable(error: sqlx::Error) -> StoreError {
    StoreError::Unavailable(error.to_string())
}

fn corrupt(error: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(error.to_string())
}

/// Serialises migrations between instances starting at once.
const MIGRATION_LOCK: i64 = 0x7461_6e64_656d; // "tandem"

impl PostgresStore {
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        let options = PgConnectOptions::from_str(url).map_err(|_| {
            StoreError::Unavailable("store.url is not a valid postgres:// URL".into())
        })?;
        Self::connect_with(options).await
    }

    pub async fn connect_with(options: PgConnectOptions) -> Result<Self, StoreError> {
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(5))
            .connect_with(options)
            .await
            .map_err(unavailable)?;
        let store = Self { pool };
        store.migrate().await?;
        Ok(store)
    }

    async fn migrate(&self) -> Result<(), StoreError> {
        let mut connection = self.pool.acquire().await.map_err(unavailable)?;
        sqlx::query("SELECT pg_advisory_lock($1)")
            .bind(MIGRATION_LOCK)
            .execute(&mut *connection)
            .await
            .map_err(unavailable)?;
        let result = async {
            sqlx::query(
                "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY)",
            )
            .execute(&mut *connection)
            .await
            .map_err(unavailable)?;
            for (version, _, ddl) in MIGRATIONS {
                let mut tx = connection.begin().await.map_err(unavailable)?;
                let applied = sqlx::query("SELECT 1 FROM schema_migrations WHERE version = $1")
                    .bind(version)
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(unavailable)?;
                if applied.is_none() {
                    sqlx::raw_sql(ddl)
                        .execute(&mut *tx)
                        .await
                        .map_err(unavailable)?;
                    sqlx::query("INSERT INTO schema_migrations (version) VALUES ($1)")
                        .bind(version)
                        .execute(&mut *tx)
                        .await
                        .map_err(unavailable)?;
                }
                tx.commit().await.map_err(unavailable)?;
            }
            Ok(())
        }
        .await;
        let _ = sqlx::query("SELECT pg_advisory_unlock($1)")
            .bind(MIGRATION_LOCK)
            .execute(&mut *connection)
            .await;
        result
    }
}

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

fn encode_event(event: &ChangeEvent) -> String {
    String::from_utf8(Envelope::encode(event)).expect("JSON is UTF-8")
}

fn decode_event(text: &str) -> Result<ChangeEvent, StoreError> {
    Envelope::decode(text.as_bytes()).map_err(corrupt)
}

fn dead_letter_from(row: &PgRow) -> Result<StoredDeadLetter, StoreError> {
    let status: String = row.try_get(5).map_err(corrupt)?;
    Ok(StoredDeadLetter {
        id: row.try_get(0).map_err(corrupt)?,
        event: decode_event(&row.try_get::<String, _>(1).map_err(corrupt)?)?,
        reason: row.try_get(2).map_err(corrupt)?,
        error_code: row.try_get(3).map_err(corrupt)?,
        attempts: row.try_get::<i64, _>(4).map_err(corrupt)? as u32,
        status: DeadLetterStatus::parse(&status)
            .ok_or_else(|| corrupt(format!("dead letter status {status:?}")))?,
        failed_at_ms: row.try_get(6).map_err(corrupt)?,
    })
}

/// `statement` with a claim's four values bound, in `INSERT_CLAIM`'s and `TAKE_CLAIM`'s order.
fn with_claim<'q>(
    statement: &'q str,
    claim: &'q RecordClaim,
) -> sqlx::query::Query<'q, sqlx::Postgres, sqlx::postgres::PgArguments> {
    sqlx::query(statement)
        .bind(&claim.record_key)
        .bind(&claim.owner)
        .bind(&claim.event_id)
        .bind(claim.until_ms)
}

fn history_from(row: &PgRow) -> Result<HistoryEntry, StoreError> {
    Ok(HistoryEntry {
        record_key: row.try_get(0).map_err(corrupt)?,
        event_id: row.try_get(1).map_err(corrupt)?,
        action: row.try_get(2).map_err(corrupt)?,
        detail: row.try_get(3).map_err(corrupt)?,
        at_ms: row.try_get(4).map_err(corrupt)?,
    })
}

#[async_trait]
impl Store for PostgresStore {
    fn backend(&self) -> &'static str {
        "postgres"
    }

    async fn check(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1")
            .execute(&self.pool)
            .await
            .map(|_| ())
            .map_err(unavailable)
    }

    async fn was_processed(&self, event_id: &str) -> Result<bool, StoreError> {
        let row = sqlx::query(&for_postgres(sql::WAS_PROCESSED))
            .bind(event_id)
            .fetch_optional(&self.pool)
            .await
            .map_err(unavailable)?;
        Ok(row.is_some())
    }

    async fn complete(&self, completion: Completion) -> Result<(), StoreError> {
        let now = now_ms();
        let mut tx = self.pool.begin().await.map_err(unavailable)?;
        if completion.processed {
            let marked = sqlx::query(&for_postgres(sql::MARK_PROCESSED))
                .bind(&completion.event_id)
                .bind(now)
                .execute(&mut *tx)
                .await
                .map_err(unavailable)?;
            if marked.rows_affected() == 0 {
                return Err(StoreError::AlreadyProcessed(completion.event_id.clone()));
            }
        }
        if let Some((record, version)) = &completion.applied {
            sqlx::query(&for_postgres(sql::APPLY_VERSION))
                .bind(record.system.as_str())
                .bind(&record.object)
                .bind(&record.record_id)
                .bind(version)
                .bind(&completion.event_id)
                .bind(now)
                .execute(&mut *tx)
                .await
                .map_err(unavailable)?;
        }
        for write in &completion.writes {
            let r = &write.record;
            sqlx::query(&for_postgres(sql::RECORD_WRITE))
                .bind(r.system.as_str())
                .bind(&r.object)
                .bind(&r.record_id)
                .bind(&write.fields_hash)
                .bind(write.joined_names())
                .bind(&completion.event_id)
                .bind(now)
                .execute(&mut *tx)
                .await
                .map_err(unavailable)?;
        }
        for link in &completion.links {
            sqlx::query(&for_postgres(sql::DELETE_LINK_PAIRS))
                .bind(link.kind.as_str())
                .bind(&link.salesforce_id)
                .bind(&link.netsuite_id)
                .execute(&mut *tx)
                .await
                .map_err(unavailable)?;
            sqlx::query(&for_postgres(sql::INSERT_LINK))
                .bind(link.kind.as_str())
                .bind(&link.salesforce_id)
                .bind(&link.netsuite_id)
                .bind(now)
                .execute(&mut *tx)
                .await
                .map_err(unavailable)?;
        }
        let h = &completion.history;
        sqlx::query(&for_postgres(sql::INSERT_HISTORY))
            .bind(&h.record_key)
            .bind(&h.event_id)
            .bind(&h.action)
            .bind(&h.detail)
            .bind(h.at_ms)
            .execute(&mut *tx)
            .await
            .map_err(unavailable)?;
        tx.commit().await.map_err(unavailable)
    }

    async fn applied_version(&self, record: &RecordRef) -> Result<Option<i64>, StoreError> {
        let row = sqlx::query(&for_postgres(sql::APPLIED_VERSION))
            .bind(record.system.as_str())
            .bind(&record.object)
            .bind(&record.record_id)
            .fetch_optional(&self.pool)
            .await
            .map_err(unavailable)?;
        row.map(|r| r.try_get(0).map_err(corrupt)).transpose()
    }

    async fn written(&self, record: &RecordRef) -> Result<Option<LedgerWrite>, StoreError> {
        let row = sqlx::query(&for_postgres(sql::WRITTEN))
            .bind(record.system.as_str())
            .bind(&record.object)
            .bind(&record.record_id)
            .fetch_optional(&self.pool)
            .await
            .map_err(unavailable)?;
        row.map(|r| {
            Ok(LedgerWrite {
                record: record.clone(),
                fields_hash: r.try_get(0).map_err(corrupt)?,
                field_names: LedgerWrite::split_names(&r.try_get::<String, _>(1).map_err(corrupt)?),
            })
        })
        .transpose()
    }

    async fn linked(
        &self,
        kind: LinkKind,
        side: LinkSide,
        id: &str,
    ) -> Result<Option<String>, StoreError> {
        let query = match side {
            LinkSide::Salesforce => sql::LINKED_NETSUITE,
            LinkSide::Netsuite => sql::LINKED_SALESFORCE,
        };
        let row = sqlx::query(&for_postgres(query))
            .bind(kind.as_str())
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(unavailable)?;
        row.map(|r| r.try_get(0).map_err(corrupt)).transpose()
    }

    async fn park_conflict(&self, conflict: NewConflict) -> Result<i64, StoreError> {
        let row = sqlx::query(&for_postgres(sql::INSERT_CONFLICT))
            .bind(&conflict.event.id)
            .bind(conflict.event.record_key())
            .bind(encode_event(&conflict.event))
            .bind(&conflict.reason)
            .bind(conflict.candidates.to_string())
            .bind(now_ms())
            .fetch_one(&self.pool)
            .await
            .map_err(unavailable)?;
        row.try_get(0).map_err(corrupt)
    }

    async fn conflicts(&self, limit: usize) -> Result<Vec<Conflict>, StoreError> {
        let rows = sqlx::query(&for_postgres(sql::CONFLICTS))
            .bind(limit as i64)
            .fetch_all(&self.pool)
            .await
            .map_err(unavailable)?;
        rows.iter()
            .map(|row| {
                Ok(Conflict {
                    id: row.try_get(0).map_err(corrupt)?,
                    event: decode_event(&row.try_get::<String, _>(1).map_err(corrupt)?)?,
                    reason: row.try_get(2).map_err(corrupt)?,
                    candidates: serde_json::from_str(
                        &row.try_get::<String, _>(3).map_err(corrupt)?,
                    )
                    .map_err(corrupt)?,
                    created_at_ms: row.try_get(4).map_err(corrupt)?,
                })
            })
            .collect()
    }

    async fn add_dead_letter(&self, letter: NewDeadLetter) -> Result<i64, StoreError> {
        let row = sqlx::query(&for_postgres(sql::INSERT_DEAD_LETTER))
            .bind(&letter.event.id)
            .bind(letter.event.record_key())
            .bind(encode_event(&letter.event))
            .bind(&letter.reason)
            .bind(&letter.error_code)
            .bind(i64::from(letter.attempts))
            .bind(now_ms())
            .fetch_one(&self.pool)
            .await
            .map_err(unavailable)?;
        row.try_get(0).map_err(corrupt)
    }

    async fn dead_letters(
        &self,
        status: Option<DeadLetterStatus>,
        limit: usize,
    ) -> Result<Vec<StoredDeadLetter>, StoreError> {
        let query = for_postgres(&sql::dead_letters(status.is_some()));
        let mut statement = sqlx::query(&query).bind(limit as i64);
        if let Some(status) = status {
            statement = statement.bind(status.as_str());
        }
        let rows = statement.fetch_all(&self.pool).await.map_err(unavailable)?;
        rows.iter().map(dead_letter_from).collect()
    }

    async fn dead_letter(&self, id: i64) -> Result<StoredDeadLetter, StoreError> {
        let row = sqlx::query(&for_postgres(&sql::dead_letter()))
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(unavailable)?
            .ok_or_else(|| StoreError::NotFound(format!("dead letter {id}")))?;
        dead_letter_from(&row)
    }

    async fn move_dead_letter(
        &self,
        id: i64,
        from: DeadLetterStatus,
        to: DeadLetterStatus,
    ) -> Result<bool, StoreError> {
        let result = sqlx::query(&for_postgres(sql::MOVE_DEAD_LETTER))
            .bind(id)
            .bind(from.as_str())
            .bind(to.as_str())
            .execute(&self.pool)
            .await
            .map_err(unavailable)?;
        if result.rows_affected() == 1 {
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
        let rows = sqlx::query(&for_postgres(sql::HISTORY))
            .bind(record_key)
            .bind(limit as i64)
            .fetch_all(&self.pool)
            .await
            .map_err(unavailable)?;
        rows.iter().map(history_from).collect()
    }

    async fn recent_history(&self, limit: usize) -> Result<Vec<HistoryEntry>, StoreError> {
        let rows = sqlx::query(&for_postgres(sql::RECENT_HISTORY))
            .bind(limit as i64)
            .fetch_all(&self.pool)
            .await
            .map_err(unavailable)?;
        rows.iter().map(history_from).collect()
    }

    async fn prune_processed(&self, before_ms: i64) -> Result<u64, StoreError> {
        sqlx::query(&for_postgres(sql::PRUNE_PROCESSED))
            .bind(before_ms)
            .execute(&self.pool)
            .await
            .map(|r| r.rows_affected())
            .map_err(unavailable)
    }

    async fn deliveries_seen(&self, keys: &[String]) -> Result<Vec<bool>, StoreError> {
        // One round trip for the whole request.
        let rows =
            sqlx::query("SELECT dedupe_key FROM received_deliveries WHERE dedupe_key = ANY($1)")
                .bind(keys)
                .fetch_all(&self.pool)
                .await
                .map_err(unavailable)?;
        let found: std::collections::HashSet<String> = rows
            .iter()
            .map(|row| row.try_get(0).map_err(corrupt))
            .collect::<Result<_, _>>()?;
        Ok(keys.iter().map(|key| found.contains(key)).collect())
    }

    async fn remember_deliveries(&self, keys: &[String]) -> Result<(), StoreError> {
        let query = for_postgres(sql::REMEMBER_DELIVERY);
        let now = now_ms();
        let mut tx = self.pool.begin().await.map_err(unavailable)?;
        for key in keys {
            sqlx::query(&query)
                .bind(key)
                .bind(now)
                .execute(&mut *tx)
                .await
                .map_err(unavailable)?;
        }
        tx.commit().await.map_err(unavailable)
    }

    async fn prune_deliveries(&self, before_ms: i64) -> Result<u64, StoreError> {
        sqlx::query(&for_postgres(sql::PRUNE_DELIVERIES))
            .bind(before_ms)
            .execute(&self.pool)
            .await
            .map(|r| r.rows_affected())
            .map_err(unavailable)
    }

    async fn claim_record(
        &self,
        claim: &RecordClaim,
        now_ms: i64,
    ) -> Result<ClaimOutcome, StoreError> {
        let mut tx = self.pool.begin().await.map_err(unavailable)?;
        let insert = for_postgres(sql::INSERT_CLAIM);
        let inserted = with_claim(&insert, claim)
            .execute(&mut *tx)
            .await
            .map_err(unavailable)?;
        if inserted.rows_affected() == 1 {
            tx.commit().await.map_err(unavailable)?;
            return Ok(ClaimOutcome::Claimed { in_doubt: false });
        }
        // Locked until the end of the transaction: two takers cannot both see it lapsed.
        let row = sqlx::query(&format!("{} FOR UPDATE", for_postgres(sql::CLAIM_HOLDER)))
            .bind(&claim.record_key)
            .fetch_optional(&mut *tx)
            .await
            .map_err(unavailable)?;
        let Some(row) = row else {
            // Released between the two statements: ask again.
            return Ok(ClaimOutcome::Held {
                owner: String::new(),
                until_ms: now_ms,
            });
        };
        let holder = RecordClaim {
            record_key: claim.record_key.clone(),
            owner: row.try_get(0).map_err(corrupt)?,
            event_id: row.try_get(1).map_err(corrupt)?,
            until_ms: row.try_get(2).map_err(corrupt)?,
        };
        let outcome = claim.against(&holder, now_ms);
        if matches!(outcome, ClaimOutcome::Claimed { .. }) {
            let take = for_postgres(sql::TAKE_CLAIM);
            with_claim(&take, claim)
                .execute(&mut *tx)
                .await
                .map_err(unavailable)?;
            tx.commit().await.map_err(unavailable)?;
        }
        Ok(outcome)
    }

    async fn release_record(
        &self,
        record_key: &str,
        owner: &str,
        event_id: &str,
    ) -> Result<(), StoreError> {
        sqlx::query(&for_postgres(sql::RELEASE_CLAIM))
            .bind(record_key)
            .bind(owner)
            .bind(event_id)
            .execute(&self.pool)
            .await
            .map(|_| ())
            .map_err(unavailable)
    }
}
