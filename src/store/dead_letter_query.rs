//! Dead letters by filter, in SQL: the conditions of a [`DeadLetterFilter`], keyset paging
//! newest first (`id < cursor`), counts, and the one-time fill of the columns filtered on for
//! letters written before they existed.

use super::driver::{Driver, Value, values};
use super::sql::DEAD_LETTER_COLUMNS;
use super::{DeadLetterFilter, StoreError};
use crate::domain::{ChangeEvent, Envelope};

/// Letters filled in per statement when old rows get their filter columns.
const BACKFILL_AT_ONCE: i64 = 500;

/// The `WHERE` clause of `filter` (with `before_id`, the keyset cursor) and its values from `?1`.
fn conditions(filter: &DeadLetterFilter, before_id: Option<i64>) -> (String, Vec<Value>) {
    let mut clauses = Vec::new();
    let mut params: Vec<Value> = Vec::new();
    let mut add = |clause: &str, value: Value| {
        params.push(value);
        clauses.push(clause.replace('#', &format!("?{}", params.len())));
    };
    if let Some(flow) = &filter.flow {
        add("flow = #", flow.into());
    }
    if let Some(code) = &filter.error_code {
        add("error_code = #", code.into());
    }
    if let Some(record) = &filter.record {
        // A record key has the form `source:object:id`; a bare id matches on either system.
        let column = if record.contains(':') {
            "record_key = #"
        } else {
            "record_id = #"
        };
        add(column, record.into());
    }
    if let Some(before) = filter.failed_before_ms {
        add("failed_at < #", before.into());
    }
    if let Some(after) = filter.failed_after_ms {
        add("failed_at >= #", after.into());
    }
    if let Some(status) = filter.status {
        add("status = #", status.as_str().into());
    }
    if let Some(id) = before_id {
        add("id < #", id.into());
    }
    if clauses.is_empty() {
        return (String::new(), params);
    }
    (format!("WHERE {}", clauses.join(" AND ")), params)
}

/// One page of matching letters, newest first, older than `before_id` when given.
pub fn page(filter: &DeadLetterFilter, before_id: Option<i64>, limit: i64) -> (String, Vec<Value>) {
    let (condition, mut params) = conditions(filter, before_id);
    params.push(limit.into());
    let statement = format!(
        "SELECT {DEAD_LETTER_COLUMNS} FROM dead_letters {condition} ORDER BY id DESC LIMIT ?{}",
        params.len()
    );
    (statement, params)
}

/// How many letters match.
pub fn count(filter: &DeadLetterFilter) -> (String, Vec<Value>) {
    let (condition, params) = conditions(filter, None);
    (
        format!("SELECT COUNT(*) FROM dead_letters {condition}"),
        params,
    )
}

/// The flow column of an event: its flow's name, `''` when tandem syncs nothing for it.
pub fn flow_column(event: &ChangeEvent) -> String {
    // The flow is the sync layer's decision; the store only keeps it to filter on.
    crate::sync::flows::flow_of(event)
        .map(|flow| flow.as_str().to_owned())
        .unwrap_or_default()
}

/// Fills `flow` and `record_id` of letters stored before those columns existed.
pub async fn backfill(driver: &dyn Driver) -> Result<(), StoreError> {
    loop {
        let rows = driver
            .query(
                "SELECT id, event FROM dead_letters WHERE flow IS NULL LIMIT ?1",
                values![BACKFILL_AT_ONCE],
            )
            .await?;
        if rows.is_empty() {
            return Ok(());
        }
        let mut tx = driver.begin().await?;
        for row in &rows {
            let event = Envelope::decode(row.text(1)?.as_bytes())
                .map_err(|error| StoreError::Corrupt(error.to_string()))?;
            tx.execute(
                "UPDATE dead_letters SET flow = ?2, record_id = ?3 WHERE id = ?1",
                values![row.int(0)?, flow_column(&event), &event.record_id],
            )
            .await?;
        }
        tx.commit().await?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::DeadLetterStatus;

    #[test]
    fn no_filter_is_no_condition_and_every_filter_is_one_numbered_condition() {
        let (statement, params) = page(&DeadLetterFilter::default(), None, 50);
        assert!(statement.ends_with("FROM dead_letters  ORDER BY id DESC LIMIT ?1"));
        assert_eq!(params, values![50i64]);
        let filter = DeadLetterFilter {
            flow: Some("account_to_customer".into()),
            error_code: Some("INVALID_FIELD".into()),
            record: Some("salesforce:account:001".into()),
            failed_before_ms: Some(20),
            failed_after_ms: Some(10),
            status: Some(DeadLetterStatus::Open),
        };
        let (statement, params) = page(&filter, Some(7), 5);
        assert!(statement.contains(
            "WHERE flow = ?1 AND error_code = ?2 AND record_key = ?3 AND failed_at < ?4 \
             AND failed_at >= ?5 AND status = ?6 AND id < ?7 ORDER BY id DESC LIMIT ?8"
        ));
        assert_eq!(params.len(), 8);
    }

    #[test]
    fn a_bare_record_id_matches_the_record_id_column() {
        let filter = DeadLetterFilter {
            record: Some("647".into()),
            ..Default::default()
        };
        let (statement, params) = count(&filter);
        assert_eq!(
            statement,
            "SELECT COUNT(*) FROM dead_letters WHERE record_id = ?1"
        );
        assert_eq!(params, values!["647"]);
    }
}
