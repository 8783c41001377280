//! What the ops API reads and changes, on both backends: dead letters by filter (each filter,
//! keyset paging, counts, edits, the fill of old rows, and a 100,000-letter store answering a
//! filtered page from its indexes), failed attempts, paused flows, a record's history by id,
//! and one conflict by id.

use super::driver::{Driver, Value};
use super::tests::{backends, fresh_postgres};
use super::*;
use crate::domain::{ChangeEvent, ChangeKind, Envelope, System};
use std::time::Instant;

fn event(id: &str, source: System, object: &str, record_id: &str) -> ChangeEvent {
    ChangeEvent {
        id: id.into(),
        source,
        object: object.into(),
        record_id: record_id.into(),
        change: ChangeKind::Updated,
        version: None,
        modified_by: None,
        origin: None,
        execution_context: None,
        role: None,
        fields: serde_json::Map::new(),
        received_at: chrono::Utc::now(),
        attempt: 1,
    }
}

fn letter(event: ChangeEvent, code: Option<&str>) -> NewDeadLetter {
    NewDeadLetter {
        event,
        reason: "refused".into(),
        error_code: code.map(str::to_owned),
        attempts: 2,
    }
}

fn ids(letters: &[StoredDeadLetter]) -> Vec<i64> {
    letters.iter().map(|letter| letter.id).collect()
}

#[tokio::test]
async fn dead_letters_filter_by_flow_code_record_time_and_status_and_page_by_id() {
    for (store, _dir) in backends().await {
        let name = store.backend();
        let account = event("e1", System::Salesforce, "Account", "001A");
        let customer = event("e2", System::Netsuite, "customer", "647");
        let other_account = event("e3", System::Salesforce, "Account", "001B");
        let a = store
            .add_dead_letter(letter(account, Some("INVALID_FIELD")))
            .await
            .unwrap();
        let c = store.add_dead_letter(letter(customer, None)).await.unwrap();
        let b = store
            .add_dead_letter(letter(other_account, Some("INVALID_FIELD")))
            .await
            .unwrap();
        let page = |filter: DeadLetterFilter, cursor: Option<i64>, limit: usize| {
            let store = &store;
            async move {
                ids(&store
                    .dead_letter_page(&filter, cursor, limit)
                    .await
                    .unwrap())
            }
        };

        let flow = DeadLetterFilter {
            flow: Some("account_to_customer".into()),
            ..Default::default()
        };
        assert_eq!(page(flow.clone(), None, 10).await, [b, a], "{name}");
        assert_eq!(store.count_dead_letters(&flow).await.unwrap(), 2, "{name}");
        assert_eq!(page(flow.clone(), None, 1).await, [b], "{name}: first page");
        assert_eq!(page(flow, Some(b), 1).await, [a], "{name}: next page");
        let code = DeadLetterFilter {
            error_code: Some("INVALID_FIELD".into()),
            record: Some("001A".into()),
            ..Default::default()
        };
        assert_eq!(page(code, None, 10).await, [a], "{name}");
        let key = DeadLetterFilter {
            record: Some("netsuite:customer:647".into()),
            ..Default::default()
        };
        assert_eq!(page(key, None, 10).await, [c], "{name}");
        let now = chrono::Utc::now().timestamp_millis();
        let older = DeadLetterFilter {
            failed_before_ms: Some(now - 60_000),
            ..Default::default()
        };
        assert!(page(older, None, 10).await.is_empty(), "{name}");
        let newer = DeadLetterFilter {
            failed_after_ms: Some(now - 60_000),
            ..Default::default()
        };
        assert_eq!(page(newer, None, 10).await, [b, c, a], "{name}");

        let (open, discarded) = (DeadLetterStatus::Open, DeadLetterStatus::Discarded);
        assert!(store.move_dead_letter(c, open, discarded).await.unwrap());
        let still_open = DeadLetterFilter {
            status: Some(open),
            ..Default::default()
        };
        assert_eq!(page(still_open.clone(), None, 10).await, [b, a], "{name}");
        assert_eq!(store.count_dead_letters(&still_open).await.unwrap(), 2);
    }
}

#[tokio::test]
async fn an_edited_replay_is_kept_beside_the_event_as_received() {
    for (store, _dir) in backends().await {
        let name = store.backend();
        let received = event("e1", System::Salesforce, "Account", "001A");
        let id = store
            .add_dead_letter(letter(received.clone(), None))
            .await
            .unwrap();
        assert_eq!(store.dead_letter(id).await.unwrap().edited_event, None);
        let mut edited = received.clone();
        edited.fields.insert("Name".into(), "Acme".into());
        store.edit_dead_letter(id, &edited).await.unwrap();
        let kept = store.dead_letter(id).await.unwrap();
        assert_eq!(kept.event.fields, received.fields, "{name}");
        assert_eq!(kept.edited_event.unwrap().fields["Name"], "Acme", "{name}");
        assert!(matches!(
            store.edit_dead_letter(id + 100, &edited).await,
            Err(StoreError::NotFound(_))
        ));
    }
}

#[tokio::test]
async fn every_failed_attempt_is_kept_per_event_oldest_first() {
    for (store, _dir) in backends().await {
        let name = store.backend();
        for (n, code) in [(1, None), (2, Some("INVALID_FIELD"))] {
            let attempt = FailedAttempt {
                event_id: "e1".into(),
                attempt: n,
                error: format!("failure {n}"),
                error_code: code.map(str::to_owned),
                at_ms: 1000 + i64::from(n),
                flow: None,
            };
            store.record_attempt(&attempt).await.unwrap();
        }
        let kept = store.attempts("e1").await.unwrap();
        let numbers: Vec<u32> = kept.iter().map(|a| a.attempt).collect();
        assert_eq!(numbers, [1, 2], "{name}");
        assert_eq!(
            kept[1].error_code.as_deref(),
            Some("INVALID_FIELD"),
            "{name}"
        );
        assert_eq!(kept[0].error, "failure 1", "{name}");
        assert!(store.attempts("e2").await.unwrap().is_empty(), "{name}");
    }
}

#[tokio::test]
async fn a_paused_flow_stays_paused_until_resumed_and_open_letters_count_per_flow() {
    for (store, _dir) in backends().await {
        let name = store.backend();
        assert!(!store.flow_paused("account_to_customer").await.unwrap());
        assert!(
            store.pause_flow("account_to_customer").await.unwrap(),
            "{name}"
        );
        assert!(
            !store.pause_flow("account_to_customer").await.unwrap(),
            "{name}: once"
        );
        assert!(
            store.flow_paused("account_to_customer").await.unwrap(),
            "{name}"
        );
        assert!(
            !store.flow_paused("customer_to_account").await.unwrap(),
            "{name}"
        );
        let paused = store.paused_flows().await.unwrap();
        assert_eq!(paused.len(), 1, "{name}");
        assert_eq!(paused[0].0, "account_to_customer", "{name}");
        assert!(
            store.resume_flow("account_to_customer").await.unwrap(),
            "{name}"
        );
        assert!(
            !store.resume_flow("account_to_customer").await.unwrap(),
            "{name}"
        );
        assert!(
            !store.flow_paused("account_to_customer").await.unwrap(),
            "{name}"
        );

        let account = event("e1", System::Salesforce, "Account", "001A");
        let id = store.add_dead_letter(letter(account, None)).await.unwrap();
        store
            .add_dead_letter(letter(event("e2", System::Salesforce, "Widget", "1"), None))
            .await
            .unwrap();
        let mut counts = store.open_dead_letters_by_flow().await.unwrap();
        counts.sort();
        assert_eq!(
            counts,
            [(String::new(), 1), ("account_to_customer".into(), 1)],
            "{name}"
        );
        let (open, discarded) = (DeadLetterStatus::Open, DeadLetterStatus::Discarded);
        store.move_dead_letter(id, open, discarded).await.unwrap();
        assert_eq!(
            store.open_dead_letters_by_flow().await.unwrap().len(),
            1,
            "{name}"
        );
    }
}

#[tokio::test]
async fn a_records_history_is_found_by_its_id_and_its_events_writes_by_event_id() {
    for (store, _dir) in backends().await {
        let name = store.backend();
        let entry = |key: &str, event: &str| HistoryEntry {
            record_key: key.into(),
            event_id: event.into(),
            action: "written".into(),
            detail: "customer 647".into(),
            at_ms: 1000,
        };
        for (key, event, writes) in [
            ("salesforce:account:001A", "e1", true),
            ("salesforce:account:001B", "e2", false),
            ("netsuite:customer:001A", "e3", false),
        ] {
            let written = LedgerWrite {
                record: RecordRef::new(System::Netsuite, "customer", "647"),
                fields_hash: "h".into(),
                field_names: vec!["companyname".into(), "phone".into()],
            };
            store
                .complete(Completion {
                    event_id: event.into(),
                    processed: true,
                    applied: None,
                    writes: if writes { vec![written] } else { vec![] },
                    links: vec![],
                    history: entry(key, event),
                    latency_ms: None,
                })
                .await
                .unwrap();
        }
        let found = store
            .history_of_id(System::Salesforce, "001A", 10)
            .await
            .unwrap();
        assert_eq!(found, [entry("salesforce:account:001A", "e1")], "{name}");
        let writes = store
            .writes_of_events(&["e1".into(), "e2".into()])
            .await
            .unwrap();
        assert_eq!(writes.len(), 1, "{name}");
        assert_eq!(writes[0].record.key(), "netsuite:customer:647", "{name}");
        assert_eq!(writes[0].field_names, ["companyname", "phone"], "{name}");
        assert_eq!(writes[0].event_id, "e1", "{name}");
        assert!(store.writes_of_events(&[]).await.unwrap().is_empty());

        let outcomes = store.flow_outcomes(0).await.unwrap();
        let count = |flow: &str| {
            outcomes
                .iter()
                .find(|o| o.flow == flow && o.action == "written")
                .map(|o| o.count)
        };
        assert_eq!(count("account_to_customer"), Some(2), "{name}");
        assert_eq!(count("customer_to_account"), Some(1), "{name}");
        assert!(
            store.flow_outcomes(2000).await.unwrap().is_empty(),
            "{name}: by time"
        );
    }
}

/// The `UPDATE` of migration 8, which fills `history.record_id` for rows written before it.
fn history_backfill(ddl: &str) -> String {
    ddl.split(';')
        .find(|statement| statement.trim_start().starts_with("UPDATE"))
        .unwrap()
        .to_owned()
}

async fn backfills_history(driver: &dyn Driver, ddl: &str) {
    driver
        .execute(
            "INSERT INTO history (record_key, event_id, action, detail, at) VALUES (?1, 'e', 'written', '', 1)",
            vec![Value::from("netsuite:customer:647")],
        )
        .await
        .unwrap();
    driver
        .execute(&history_backfill(ddl), vec![])
        .await
        .unwrap();
    let rows = driver
        .query("SELECT record_id FROM history WHERE event_id = 'e'", vec![])
        .await
        .unwrap();
    assert_eq!(rows[0].text(0).unwrap(), "647");
}

#[tokio::test]
async fn migration_8_fills_the_record_id_of_older_history_on_both_backends() {
    let dir = tempfile::tempdir().unwrap();
    let sqlite = SqliteStore::open(&dir.path().join("store.db"))
        .await
        .unwrap();
    backfills_history(sqlite.driver(), migrations::V8_SQLITE).await;
    let postgres = fresh_postgres().await;
    backfills_history(postgres.driver(), migrations::V8_POSTGRES).await;
}

#[tokio::test]
async fn one_conflict_is_found_by_its_id() {
    for (store, _dir) in backends().await {
        let name = store.backend();
        let parked = NewConflict {
            event: event("c1", System::Salesforce, "Account", "001A"),
            reason: "2 customers match".into(),
            candidates: serde_json::json!([{ "id": "1" }, { "id": "2" }]),
            subject: None,
        };
        let id = store.park_conflict(parked).await.unwrap().id;
        let conflict = store.conflict(id).await.unwrap();
        assert_eq!(conflict.event.id, "c1", "{name}");
        assert_eq!(conflict.candidates[1]["id"], "2", "{name}");
        assert!(matches!(
            store.conflict(id + 1).await,
            Err(StoreError::NotFound(_))
        ));
    }
}

#[tokio::test]
async fn letters_stored_before_the_filter_columns_get_them_when_the_store_opens() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.db");
    let store = SqliteStore::open(&path).await.unwrap();
    let account = event("e1", System::Salesforce, "Account", "001A");
    let id = store.add_dead_letter(letter(account, None)).await.unwrap();
    store
        .driver()
        .execute(
            "UPDATE dead_letters SET flow = NULL, record_id = NULL",
            vec![],
        )
        .await
        .unwrap();
    let flow = DeadLetterFilter {
        flow: Some("account_to_customer".into()),
        record: Some("001A".into()),
        ..Default::default()
    };
    assert!(
        store
            .dead_letter_page(&flow, None, 10)
            .await
            .unwrap()
            .is_empty()
    );
    drop(store);
    let reopened = SqliteStore::open(&path).await.unwrap();
    let found = reopened.dead_letter_page(&flow, None, 10).await.unwrap();
    assert_eq!(ids(&found), [id]);
}

/// Letters written per statement when filling the big store.
const ROWS_PER_INSERT: usize = 500;
const BIG: usize = 100_000;
const FLOWS: [(&str, System, &str); 4] = [
    ("account_to_customer", System::Salesforce, "Account"),
    ("customer_to_account", System::Netsuite, "customer"),
    ("contact_to_contact", System::Salesforce, "Contact"),
    ("invoice_to_opportunity", System::Netsuite, "invoice"),
];
const CODES: [&str; 5] = [
    "INVALID_FIELD",
    "MALFORMED_ID",
    "RCRD_DSNT_EXIST",
    "UNKNOWN",
    "LOCKED",
];

/// The letter `n` of the big store: (flow, error code, record id, failed at).
fn big_letter(n: usize, now: i64) -> (usize, &'static str, String, i64) {
    let flow = n % FLOWS.len();
    let code = CODES[(n / 4) % CODES.len()];
    let record = format!("r{}", n % 1000);
    // One a minute, the newest now.
    let minutes = i64::try_from(BIG - n).unwrap();
    (flow, code, record, now - minutes * 60_000)
}

async fn fill(driver: &dyn Driver, now: i64) {
    let mut tx = driver.begin().await.unwrap();
    for chunk in (0..BIG).collect::<Vec<_>>().chunks(ROWS_PER_INSERT) {
        let mut params = Vec::new();
        let mut rows = Vec::new();
        for &n in chunk {
            let (flow, code, record, at) = big_letter(n, now);
            let (flow_name, system, object) = FLOWS[flow];
            let event = event(&format!("big{n}"), system, object, &record);
            let text = String::from_utf8(Envelope::encode(&event)).unwrap();
            let base = params.len();
            let marks: Vec<String> = (1..=8).map(|i| format!("?{}", base + i)).collect();
            rows.push(format!("({}, 1, 'open')", marks.join(", ")));
            params.extend([
                Value::from(event.id.clone()),
                Value::from(event.record_key()),
                Value::from(text),
                Value::from("refused"),
                Value::from(code),
                Value::Int(at),
                Value::from(flow_name),
                Value::from(record),
            ]);
        }
        let statement = format!(
            "INSERT INTO dead_letters (event_id, record_key, event, reason, error_code, failed_at, flow, record_id, attempts, status) VALUES {}",
            rows.join(", ")
        );
        tx.execute(&statement, params).await.unwrap();
    }
    tx.commit().await.unwrap();
}

async fn a_filtered_page_of_a_big_store(store: &dyn Store, driver: &dyn Driver) {
    let now = chrono::Utc::now().timestamp_millis();
    let started = Instant::now();
    fill(driver, now).await;
    let filled = started.elapsed();
    let filter = DeadLetterFilter {
        flow: Some("customer_to_account".into()),
        error_code: Some("MALFORMED_ID".into()),
        failed_before_ms: Some(now - 3_600_000),
        status: Some(DeadLetterStatus::Open),
        ..Default::default()
    };
    // What the filter should give, newest first: the store's ids follow insertion order.
    let expected: Vec<usize> = (0..BIG)
        .rev()
        .filter(|&n| {
            let (flow, code, _, at) = big_letter(n, now);
            flow == 1 && code == "MALFORMED_ID" && at < now - 3_600_000
        })
        .collect();
    let started = Instant::now();
    let first = store.dead_letter_page(&filter, None, 50).await.unwrap();
    let first_took = started.elapsed();
    let cursor = first.last().map(|letter| letter.id);
    let started = Instant::now();
    let second = store.dead_letter_page(&filter, cursor, 50).await.unwrap();
    let second_took = started.elapsed();
    let started = Instant::now();
    let count = store.count_dead_letters(&filter).await.unwrap();
    let count_took = started.elapsed();
    let record = DeadLetterFilter {
        record: Some("r7".into()),
        ..Default::default()
    };
    let started = Instant::now();
    let by_record = store.dead_letter_page(&record, None, 1000).await.unwrap();
    let record_took = started.elapsed();
    println!(
        "{}: {BIG} letters filled in {filled:?}; filtered page 1 in {first_took:?}, page 2 in \
         {second_took:?}, count in {count_took:?}, by record in {record_took:?}",
        store.backend()
    );
    let event_ids = |letters: &[StoredDeadLetter]| -> Vec<String> {
        letters
            .iter()
            .map(|letter| letter.event.id.clone())
            .collect()
    };
    let wanted = |range: std::ops::Range<usize>| -> Vec<String> {
        expected[range].iter().map(|n| format!("big{n}")).collect()
    };
    assert_eq!(event_ids(&first), wanted(0..50));
    assert_eq!(event_ids(&second), wanted(50..100));
    assert_eq!(count, u64::try_from(expected.len()).unwrap());
    assert_eq!(by_record.len(), BIG / 1000);
    assert!(
        by_record
            .iter()
            .all(|letter| letter.event.record_id == "r7")
    );
}

#[tokio::test]
async fn a_filtered_page_of_100000_dead_letters_comes_from_the_indexes_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("store.db"))
        .await
        .unwrap();
    a_filtered_page_of_a_big_store(&store, store.driver()).await;
}

#[tokio::test]
async fn a_filtered_page_of_100000_dead_letters_comes_from_the_indexes_on_postgres() {
    let store = fresh_postgres().await;
    a_filtered_page_of_a_big_store(&store, store.driver()).await;
}
