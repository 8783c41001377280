//! The store's logic, written once over a [`Driver`]: which statements each operation runs,
//! in which transaction, and how rows become the store's types.

use super::driver::{Driver, Row, Step, Value, values};
use super::*;
use crate::domain::{ChangeEvent, Envelope, System};

/// A [`Store`] on any database a [`Driver`] connects to.
pub struct SqlStore<D> {
    driver: D,
}

impl<D: Driver> SqlStore<D> {
    /// Wraps a driver and brings its schema up to date.
    pub async fn migrated(driver: D) -> Result<Self, StoreError> {
        migrations::migrate(&driver).await?;
        dead_letter_query::backfill(&driver).await?;
        Ok(Self { driver })
    }

    pub(super) fn driver(&self) -> &D {
        &self.driver
    }
}

pub(super) fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

pub(super) fn corrupt(error: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(error.to_string())
}

pub(super) fn encode_event(event: &ChangeEvent) -> String {
    String::from_utf8(Envelope::encode(event)).expect("JSON is UTF-8")
}

pub(super) fn decode_event(text: &str) -> Result<ChangeEvent, StoreError> {
    Envelope::decode(text.as_bytes()).map_err(corrupt)
}

fn record_values(record: &RecordRef) -> Vec<Value> {
    values![record.system.as_str(), &record.object, &record.record_id]
}

/// In `INSERT_CLAIM`'s and `TAKE_CLAIM`'s order.
fn claim_values(claim: &RecordClaim) -> Vec<Value> {
    values![
        &claim.record_key,
        &claim.owner,
        &claim.event_id,
        claim.until_ms
    ]
}

/// id, event, reason, error_code, attempts, status, failed_at, edited_event
fn dead_letter_from(row: &Row) -> Result<StoredDeadLetter, StoreError> {
    let status = row.text(5)?;
    Ok(StoredDeadLetter {
        id: row.int(0)?,
        event: decode_event(&row.text(1)?)?,
        reason: row.text(2)?,
        error_code: row.optional_text(3)?,
        attempts: u32::try_from(row.int(4)?).map_err(corrupt)?,
        status: DeadLetterStatus::parse(&status)
            .ok_or_else(|| corrupt(format!("dead letter status {status:?}")))?,
        failed_at_ms: row.int(6)?,
        edited_event: row
            .optional_text(7)?
            .map(|text| decode_event(&text))
            .transpose()?,
    })
}

fn history_from(row: &Row) -> Result<HistoryEntry, StoreError> {
    Ok(HistoryEntry {
        record_key: row.text(0)?,
        event_id: row.text(1)?,
        action: row.text(2)?,
        detail: row.text(3)?,
        at_ms: row.int(4)?,
    })
}

/// The first row's first column, when there is a row.
pub(super) fn first<T>(
    rows: Vec<Row>,
    column: impl FnOnce(&Row) -> Result<T, StoreError>,
) -> Result<Option<T>, StoreError> {
    rows.first().map(column).transpose()
}

pub(super) fn row_limit(limit: usize) -> i64 {
    i64::try_from(limit).unwrap_or(i64::MAX)
}

#[async_trait]
impl<D: Driver> Store for SqlStore<D> {
    fn backend(&self) -> &'static str {
        self.driver.dialect().name()
    }

    async fn check(&self) -> Result<(), StoreError> {
        self.driver.query("SELECT 1", vec![]).await.map(|_| ())
    }

    async fn was_processed(&self, event_id: &str) -> Result<bool, StoreError> {
        let rows = self
            .driver
            .lookup(sql::WAS_PROCESSED, values![event_id])
            .await?;
        Ok(!rows.is_empty())
    }

    async fn complete(&self, completion: Completion) -> Result<(), StoreError> {
        let now = now_ms();
        let event_id = &completion.event_id;
        let mut steps =
            Vec::with_capacity(3 + completion.writes.len() + 2 * completion.links.len());
        if completion.processed {
            steps.push(
                Step::new(sql::MARK_PROCESSED, values![event_id, now])
                    .must_change(StoreError::AlreadyProcessed(event_id.clone())),
            );
        }
        if let Some((record, version)) = &completion.applied {
            let mut applied = record_values(record);
            applied.extend(values![*version, event_id, now]);
            steps.push(Step::new(sql::APPLY_VERSION, applied));
        }
        for write in &completion.writes {
            let mut written = record_values(&write.record);
            written.extend(values![
                &write.fields_hash,
                write.joined_names(),
                event_id,
                now
            ]);
            steps.push(Step::new(sql::RECORD_WRITE, written));
        }
        for link in &completion.links {
            let pair = values![link.kind.as_str(), &link.salesforce_id, &link.netsuite_id];
            steps.push(Step::new(sql::DELETE_LINK_PAIRS, pair.clone()));
            let mut inserted = pair;
            inserted.push(Value::Int(now));
            steps.push(Step::new(sql::INSERT_LINK, inserted));
        }
        let h = &completion.history;
        // `source:object:id`: the id is what follows the second colon.
        let mut parts = h.record_key.splitn(3, ':');
        let (system, object) = (parts.next(), parts.next());
        let record_id = parts.next().unwrap_or_default();
        let flow = system
            .and_then(System::parse)
            .zip(object)
            .and_then(|(system, object)| crate::sync::flows::flow_of_record(system, object))
            .map(|flow| flow.as_str().to_owned());
        let entry = values![
            &h.record_key,
            &h.event_id,
            &h.action,
            &h.detail,
            h.at_ms,
            record_id,
            flow,
            completion.latency_ms.map_or(Value::Null, Value::Int)
        ];
        steps.push(Step::new(sql::INSERT_HISTORY, entry));
        self.driver.transact(steps).await.map(|_| ())
    }

    async fn applied_version(&self, record: &RecordRef) -> Result<Option<i64>, StoreError> {
        let rows = self
            .driver
            .lookup(sql::APPLIED_VERSION, record_values(record))
            .await?;
        first(rows, |row| row.int(0))
    }

    async fn written(&self, record: &RecordRef) -> Result<Option<LedgerWrite>, StoreError> {
        let rows = self
            .driver
            .lookup(sql::WRITTEN, record_values(record))
            .await?;
        first(rows, |row| {
            Ok(LedgerWrite {
                record: record.clone(),
                fields_hash: row.text(0)?,
                field_names: LedgerWrite::split_names(&row.text(1)?),
            })
        })
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
        let rows = self
            .driver
            .lookup(query, values![kind.as_str(), id])
            .await?;
        first(rows, |row| row.text(0))
    }

    async fn park_conflict(&self, conflict: NewConflict) -> Result<Parked, StoreError> {
        self.park(conflict).await
    }

    async fn conflicts(
        &self,
        status: Option<ConflictStatus>,
        limit: usize,
    ) -> Result<Vec<Conflict>, StoreError> {
        self.list_conflicts(status, limit).await
    }

    async fn conflict(&self, id: i64) -> Result<Conflict, StoreError> {
        self.one_conflict(id).await
    }

    async fn conflict_events(&self, id: i64) -> Result<Vec<ChangeEvent>, StoreError> {
        self.attached_events(id).await
    }

    async fn resolve_conflict(
        &self,
        id: i64,
        decision: &ConflictDecision,
    ) -> Result<bool, StoreError> {
        self.decide(id, decision).await
    }

    async fn reopen_conflict(&self, id: i64) -> Result<(), StoreError> {
        self.reopen(id).await
    }

    async fn match_decision(
        &self,
        subject: &ConflictSubject,
    ) -> Result<Option<MatchDecision>, StoreError> {
        self.decision_for(subject).await
    }

    async fn flow_latencies(&self, since_ms: i64) -> Result<Vec<FlowLatency>, StoreError> {
        self.latencies(since_ms).await
    }

    async fn add_dead_letter(&self, letter: NewDeadLetter) -> Result<i64, StoreError> {
        let event = &letter.event;
        let added = values![
            &event.id,
            event.record_key(),
            encode_event(event),
            letter.reason,
            letter.error_code,
            i64::from(letter.attempts),
            now_ms(),
            dead_letter_query::flow_column(event),
            &event.record_id
        ];
        let rows = self.driver.query(sql::INSERT_DEAD_LETTER, added).await?;
        first(rows, |row| row.int(0))?.ok_or_else(|| corrupt("no dead letter id returned"))
    }

    async fn dead_letters(
        &self,
        status: Option<DeadLetterStatus>,
        limit: usize,
    ) -> Result<Vec<StoredDeadLetter>, StoreError> {
        let filter = DeadLetterFilter {
            status,
            ..DeadLetterFilter::default()
        };
        self.dead_letter_page(&filter, None, limit).await
    }

    async fn dead_letter_page(
        &self,
        filter: &DeadLetterFilter,
        before_id: Option<i64>,
        limit: usize,
    ) -> Result<Vec<StoredDeadLetter>, StoreError> {
        let (query, params) = dead_letter_query::page(filter, before_id, row_limit(limit));
        let rows = self.driver.query(&query, params).await?;
        rows.iter().map(dead_letter_from).collect()
    }

    async fn count_dead_letters(&self, filter: &DeadLetterFilter) -> Result<u64, StoreError> {
        let (query, params) = dead_letter_query::count(filter);
        let rows = self.driver.query(&query, params).await?;
        let count = first(rows, |row| row.int(0))?.unwrap_or(0);
        u64::try_from(count).map_err(corrupt)
    }

    async fn edit_dead_letter(&self, id: i64, edited: &ChangeEvent) -> Result<(), StoreError> {
        let changed = self
            .driver
            .execute(sql::EDIT_DEAD_LETTER, values![id, encode_event(edited)])
            .await?;
        if changed == 0 {
            return Err(StoreError::NotFound(format!("dead letter {id}")));
        }
        Ok(())
    }

    async fn dead_letter(&self, id: i64) -> Result<StoredDeadLetter, StoreError> {
        let rows = self.driver.query(&sql::dead_letter(), values![id]).await?;
        first(rows, dead_letter_from)?
            .ok_or_else(|| StoreError::NotFound(format!("dead letter {id}")))
    }

    async fn move_dead_letter(
        &self,
        id: i64,
        from: DeadLetterStatus,
        to: DeadLetterStatus,
    ) -> Result<bool, StoreError> {
        let moved = self
            .driver
            .execute(
                sql::MOVE_DEAD_LETTER,
                values![id, from.as_str(), to.as_str()],
            )
            .await?;
        if moved == 1 {
            return Ok(true);
        }
        // Nothing moved: `NotFound` when there is no letter at all.
        self.dead_letter(id).await?;
        Ok(false)
    }

    async fn pause_flow(&self, flow: &str) -> Result<bool, StoreError> {
        let paused = self
            .driver
            .execute(sql::PAUSE_FLOW, values![flow, now_ms()])
            .await?;
        Ok(paused == 1)
    }

    async fn resume_flow(&self, flow: &str) -> Result<bool, StoreError> {
        let resumed = self.driver.execute(sql::RESUME_FLOW, values![flow]).await?;
        Ok(resumed == 1)
    }

    async fn flow_paused(&self, flow: &str) -> Result<bool, StoreError> {
        let rows = self.driver.lookup(sql::FLOW_PAUSED, values![flow]).await?;
        Ok(!rows.is_empty())
    }

    async fn paused_flows(&self) -> Result<Vec<(String, i64)>, StoreError> {
        let rows = self.driver.query(sql::PAUSED_FLOWS, vec![]).await?;
        rows.iter()
            .map(|row| Ok((row.text(0)?, row.int(1)?)))
            .collect()
    }

    async fn open_dead_letters_by_flow(&self) -> Result<Vec<(String, u64)>, StoreError> {
        let rows = self
            .driver
            .query(sql::OPEN_DEAD_LETTERS_BY_FLOW, vec![])
            .await?;
        rows.iter()
            .map(|row| {
                let flow = row.optional_text(0)?.unwrap_or_default();
                Ok((flow, u64::try_from(row.int(1)?).map_err(corrupt)?))
            })
            .collect()
    }

    async fn record_attempt(&self, attempt: &FailedAttempt) -> Result<(), StoreError> {
        let row = values![
            &attempt.event_id,
            i64::from(attempt.attempt),
            &attempt.error,
            attempt.error_code.clone(),
            attempt.at_ms,
            attempt.flow.clone()
        ];
        self.driver
            .execute(sql::INSERT_ATTEMPT, row)
            .await
            .map(drop)
    }

    async fn attempts(&self, event_id: &str) -> Result<Vec<FailedAttempt>, StoreError> {
        let rows = self.driver.query(sql::ATTEMPTS, values![event_id]).await?;
        rows.iter()
            .map(|row| {
                Ok(FailedAttempt {
                    event_id: row.text(0)?,
                    attempt: u32::try_from(row.int(1)?).map_err(corrupt)?,
                    error: row.text(2)?,
                    error_code: row.optional_text(3)?,
                    at_ms: row.int(4)?,
                    flow: row.optional_text(5)?,
                })
            })
            .collect()
    }

    async fn history(
        &self,
        record_key: &str,
        limit: usize,
    ) -> Result<Vec<HistoryEntry>, StoreError> {
        let rows = self
            .driver
            .query(sql::HISTORY, values![record_key, row_limit(limit)])
            .await?;
        rows.iter().map(history_from).collect()
    }

    async fn flow_outcomes(&self, since_ms: i64) -> Result<Vec<FlowOutcomes>, StoreError> {
        let rows = self
            .driver
            .query(sql::FLOW_OUTCOMES, values![since_ms])
            .await?;
        rows.iter()
            .map(|row| {
                Ok(FlowOutcomes {
                    flow: row.text(0)?,
                    action: row.text(1)?,
                    count: u64::try_from(row.int(2)?).map_err(corrupt)?,
                })
            })
            .collect()
    }

    async fn history_of_id(
        &self,
        system: System,
        record_id: &str,
        limit: usize,
    ) -> Result<Vec<HistoryEntry>, StoreError> {
        let prefix = format!("{}:%", system.as_str());
        let rows = self
            .driver
            .query(
                sql::HISTORY_BY_ID,
                values![record_id, prefix, row_limit(limit)],
            )
            .await?;
        rows.iter().map(history_from).collect()
    }

    async fn writes_of_events(&self, event_ids: &[String]) -> Result<Vec<Written>, StoreError> {
        if event_ids.is_empty() {
            return Ok(Vec::new());
        }
        let (condition, params) = self.driver.dialect().any_of("event_id", event_ids);
        let rows = self
            .driver
            .query(&sql::writes_of_events(&condition), params)
            .await?;
        rows.iter()
            .map(|row| {
                let system = row.text(0)?;
                let system =
                    System::parse(&system).ok_or_else(|| corrupt(format!("system {system:?}")))?;
                Ok(Written {
                    record: RecordRef::new(system, &row.text(1)?, &row.text(2)?),
                    field_names: LedgerWrite::split_names(&row.text(3)?),
                    event_id: row.text(4)?,
                    at_ms: row.int(5)?,
                })
            })
            .collect()
    }

    async fn recent_history(&self, limit: usize) -> Result<Vec<HistoryEntry>, StoreError> {
        let rows = self
            .driver
            .query(sql::RECENT_HISTORY, values![row_limit(limit)])
            .await?;
        rows.iter().map(history_from).collect()
    }

    async fn prune_processed(&self, before_ms: i64) -> Result<u64, StoreError> {
        self.driver
            .execute(sql::PRUNE_PROCESSED, values![before_ms])
            .await
    }

    async fn claim_record(
        &self,
        claim: &RecordClaim,
        now_ms: i64,
    ) -> Result<ClaimOutcome, StoreError> {
        // The usual case, a free record, in one statement of its own.
        if self
            .driver
            .execute(sql::INSERT_CLAIM, claim_values(claim))
            .await?
            == 1
        {
            return Ok(ClaimOutcome::Claimed { in_doubt: false });
        }
        let mut tx = self.driver.begin().await?;
        // Locked until the end of the transaction: two takers cannot both see it lapsed.
        let holder = format!("{}{}", sql::CLAIM_HOLDER, self.driver.dialect().lock_rows());
        let rows = tx.query(&holder, values![&claim.record_key]).await?;
        let Some(row) = rows.first() else {
            // Released between the two statements: ask again.
            return Ok(ClaimOutcome::Held {
                owner: String::new(),
                until_ms: now_ms,
            });
        };
        let holder = RecordClaim {
            record_key: claim.record_key.clone(),
            owner: row.text(0)?,
            event_id: row.text(1)?,
            until_ms: row.int(2)?,
        };
        let outcome = claim.against(&holder, now_ms);
        if matches!(outcome, ClaimOutcome::Claimed { .. }) {
            tx.execute(sql::TAKE_CLAIM, claim_values(claim)).await?;
            tx.commit().await?;
        }
        Ok(outcome)
    }

    async fn release_record(
        &self,
        record_key: &str,
        owner: &str,
        event_id: &str,
    ) -> Result<(), StoreError> {
        self.driver
            .execute(sql::RELEASE_CLAIM, values![record_key, owner, event_id])
            .await
            .map(|_| ())
    }

    async fn take_slot(
        &self,
        lease: &SlotLease,
        slots: u32,
        now_ms: i64,
    ) -> Result<Option<u32>, StoreError> {
        self.take_free_slot(lease, slots, now_ms).await
    }

    async fn renew_slot(&self, lease: &SlotLease, slot: u32) -> Result<bool, StoreError> {
        self.renew_held_slot(lease, slot).await
    }

    async fn release_slot(&self, lease: &SlotLease, slot: u32) -> Result<(), StoreError> {
        self.release_held_slot(lease, slot).await
    }

    async fn heartbeat_member(
        &self,
        prefix: &str,
        member: &str,
        now_ms: i64,
        live_since_ms: i64,
    ) -> Result<Vec<String>, StoreError> {
        self.beat(prefix, member, now_ms, live_since_ms).await
    }

    async fn leave_members(&self, prefix: &str, member: &str) -> Result<(), StoreError> {
        self.leave(prefix, member).await
    }

    async fn checkpoint(&self, name: &str) -> Result<Option<String>, StoreError> {
        let rows = self.driver().query(sql::CHECKPOINT, values![name]).await?;
        rows.first().map(|row| row.text(0)).transpose()
    }

    async fn save_checkpoint(
        &self,
        name: &str,
        value: &str,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        self.driver()
            .execute(sql::SAVE_CHECKPOINT, values![name, value, now_ms])
            .await
            .map(|_| ())
    }

    async fn clear_checkpoint(&self, name: &str) -> Result<(), StoreError> {
        self.driver()
            .execute(sql::CLEAR_CHECKPOINT, values![name])
            .await
            .map(|_| ())
    }

    async fn flow_failures(&self, since_ms: i64) -> Result<Vec<(String, u64)>, StoreError> {
        self.counts_by_flow(sql::FLOW_FAILURES, since_ms).await
    }

    async fn flow_retrying(&self, since_ms: i64) -> Result<Vec<(String, u64)>, StoreError> {
        self.counts_by_flow(sql::FLOW_RETRYING, since_ms).await
    }
}

impl<D: Driver> SqlStore<D> {
    /// `(flow, count)` rows of a statement taking one time bound.
    async fn counts_by_flow(
        &self,
        query: &str,
        since_ms: i64,
    ) -> Result<Vec<(String, u64)>, StoreError> {
        let rows = self.driver.query(query, values![since_ms]).await?;
        rows.iter()
            .map(|row| Ok((row.text(0)?, u64::try_from(row.int(1)?).map_err(corrupt)?)))
            .collect()
    }
}
