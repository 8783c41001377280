//! Conflicts on any database: parking (or joining the record's open conflict), listing,
//! resolving with the operator's link or create decision, and the flows' latency percentiles.

use super::driver::{Driver, Row, values};
use super::sql_store::{corrupt, decode_event, encode_event, first, now_ms, row_limit};
use super::*;

const COLUMNS: &str = "id, event, reason, candidates, created_at, subject_kind, subject_side, subject_id, resolution, resolved_at,
     (SELECT COUNT(*) FROM conflict_events e WHERE e.conflict_id = conflicts.id)";
const INSERT: &str = "INSERT INTO conflicts (event_id, record_key, event, reason, candidates, created_at, subject_kind, subject_side, subject_id)
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) RETURNING id";
const OPEN_OF_RECORD: &str = "SELECT id, event_id FROM conflicts
     WHERE record_key = ?1 AND resolution IS NULL ORDER BY id LIMIT 1";
const ATTACH: &str = "INSERT INTO conflict_events (conflict_id, event_id, event, attached_at)
     VALUES (?1, ?2, ?3, ?4) ON CONFLICT (conflict_id, event_id) DO NOTHING";
const EVENTS: &str =
    "SELECT event FROM conflict_events WHERE conflict_id = ?1 ORDER BY attached_at, event_id";
const RESOLVE: &str =
    "UPDATE conflicts SET resolution = ?2, resolved_at = ?3 WHERE id = ?1 AND resolution IS NULL";
const REOPEN: &str = "UPDATE conflicts SET resolution = NULL, resolved_at = NULL WHERE id = ?1";
const DECIDE: &str =
    "INSERT INTO match_decisions (kind, side, record_id, decision, decided_at) VALUES (?1, ?2, ?3, ?4, ?5)
     ON CONFLICT (kind, side, record_id) DO UPDATE
     SET decision = excluded.decision, decided_at = excluded.decided_at";
const DECISION: &str =
    "SELECT decision FROM match_decisions WHERE kind = ?1 AND side = ?2 AND record_id = ?3";

/// In `COLUMNS`' order.
fn conflict_from(row: &Row) -> Result<Conflict, StoreError> {
    let subject = match (
        row.optional_text(5)?,
        row.optional_text(6)?,
        row.optional_text(7)?,
    ) {
        (Some(kind), Some(side), Some(id)) => Some(ConflictSubject {
            kind: LinkKind::parse(&kind).ok_or_else(|| corrupt(format!("link kind {kind:?}")))?,
            side: LinkSide::parse(&side).ok_or_else(|| corrupt(format!("link side {side:?}")))?,
            id,
        }),
        _ => None,
    };
    Ok(Conflict {
        id: row.int(0)?,
        event: decode_event(&row.text(1)?)?,
        reason: row.text(2)?,
        candidates: serde_json::from_str(&row.text(3)?).map_err(corrupt)?,
        created_at_ms: row.int(4)?,
        subject,
        resolution: row.optional_text(8)?,
        resolved_at_ms: row.optional_int(9)?,
        attached: u64::try_from(row.int(10)?).map_err(corrupt)?,
    })
}

impl<D: Driver> SqlStore<D> {
    pub(super) async fn park(&self, conflict: NewConflict) -> Result<Parked, StoreError> {
        let event = &conflict.event;
        let mut tx = self.driver().begin().await?;
        let open = tx
            .query(OPEN_OF_RECORD, values![event.record_key()])
            .await?;
        if let Some(row) = open.first() {
            let id = row.int(0)?;
            if row.text(1)? != event.id {
                let attached = values![id, &event.id, encode_event(event), now_ms()];
                tx.execute(ATTACH, attached).await?;
            }
            tx.commit().await?;
            return Ok(Parked { id, attached: true });
        }
        let subject = conflict.subject.as_ref();
        let parked = values![
            &event.id,
            event.record_key(),
            encode_event(event),
            conflict.reason,
            conflict.candidates.to_string(),
            now_ms(),
            subject.map(|s| s.kind.as_str().to_owned()),
            subject.map(|s| s.side.as_str().to_owned()),
            subject.map(|s| s.id.clone())
        ];
        let rows = tx.query(INSERT, parked).await?;
        let id =
            first(rows, |row| row.int(0))?.ok_or_else(|| corrupt("no conflict id returned"))?;
        tx.commit().await?;
        Ok(Parked {
            id,
            attached: false,
        })
    }

    pub(super) async fn list_conflicts(
        &self,
        status: Option<ConflictStatus>,
        limit: usize,
    ) -> Result<Vec<Conflict>, StoreError> {
        let condition = match status {
            Some(ConflictStatus::Open) => "WHERE resolution IS NULL",
            Some(ConflictStatus::Resolved) => "WHERE resolution IS NOT NULL",
            None => "",
        };
        let query =
            format!("SELECT {COLUMNS} FROM conflicts {condition} ORDER BY id DESC LIMIT ?1");
        let rows = self
            .driver()
            .query(&query, values![row_limit(limit)])
            .await?;
        rows.iter().map(conflict_from).collect()
    }

    pub(super) async fn one_conflict(&self, id: i64) -> Result<Conflict, StoreError> {
        let query = format!("SELECT {COLUMNS} FROM conflicts WHERE id = ?1");
        let rows = self.driver().query(&query, values![id]).await?;
        first(rows, conflict_from)?.ok_or_else(|| StoreError::NotFound(format!("conflict {id}")))
    }

    pub(super) async fn attached_events(&self, id: i64) -> Result<Vec<ChangeEvent>, StoreError> {
        let rows = self.driver().query(EVENTS, values![id]).await?;
        rows.iter().map(|row| decode_event(&row.text(0)?)).collect()
    }

    pub(super) async fn decide(
        &self,
        id: i64,
        decision: &ConflictDecision,
    ) -> Result<bool, StoreError> {
        let now = now_ms();
        let mut tx = self.driver().begin().await?;
        let resolved = tx
            .execute(RESOLVE, values![id, &decision.resolution, now])
            .await?;
        if resolved == 0 {
            return Ok(false);
        }
        if let Some((subject, matching)) = &decision.matching {
            let decided = values![
                subject.kind.as_str(),
                subject.side.as_str(),
                &subject.id,
                matching.as_text(),
                now
            ];
            tx.execute(DECIDE, decided).await?;
        }
        tx.commit().await?;
        Ok(true)
    }

    pub(super) async fn reopen(&self, id: i64) -> Result<(), StoreError> {
        self.driver().execute(REOPEN, values![id]).await.map(drop)
    }

    pub(super) async fn decision_for(
        &self,
        subject: &ConflictSubject,
    ) -> Result<Option<MatchDecision>, StoreError> {
        let asked = values![subject.kind.as_str(), subject.side.as_str(), &subject.id];
        let rows = self.driver().query(DECISION, asked).await?;
        first(rows, |row| {
            let text = row.text(0)?;
            MatchDecision::parse(&text).ok_or_else(|| corrupt(format!("match decision {text:?}")))
        })
    }

    pub(super) async fn latencies(&self, since_ms: i64) -> Result<Vec<FlowLatency>, StoreError> {
        let rows = self
            .driver()
            .query(sql::FLOW_LATENCIES, values![since_ms])
            .await?;
        let mut latencies: Vec<FlowLatency> = Vec::new();
        for row in &rows {
            let (flow, rank, total) = (row.text(0)?, row.int(1)?, row.int(2)?);
            let latency = u64::try_from(row.int(3)?.max(0)).unwrap_or_default();
            let index = match latencies.iter().position(|l| l.flow == flow) {
                Some(index) => index,
                None => {
                    latencies.push(FlowLatency {
                        flow,
                        p50_ms: 0,
                        p95_ms: 0,
                        events: u64::try_from(total).map_err(corrupt)?,
                    });
                    latencies.len() - 1
                }
            };
            let entry = &mut latencies[index];
            if rank == (total * 50 + 99) / 100 {
                entry.p50_ms = latency;
            }
            if rank == (total * 95 + 99) / 100 {
                entry.p95_ms = latency;
            }
        }
        Ok(latencies)
    }
}
