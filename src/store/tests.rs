//! One contract, run against both backends: a real SQLite file and a real PostgreSQL server
//! (`TANDEM_TEST_POSTGRES_URL`, default `postgres://postgres@127.0.0.1:5432/test`; each test
//! gets its own schema).

use super::*;
use crate::domain::{ChangeEvent, ChangeKind, System};
use serde_json::json;
use sqlx::postgres::PgConnectOptions;
use std::str::FromStr;

pub(crate) fn postgres_url() -> String {
    std::env::var("TANDEM_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

/// A store in a fresh schema of the test database.
pub(crate) async fn fresh_postgres() -> PostgresStore {
    let url = postgres_url();
    let schema = format!("t_{}", uuid::Uuid::new_v4().simple());
    let mut admin = <sqlx::PgConnection as sqlx::Connection>::connect(&url)
        .await
        .unwrap_or_else(|e| panic!("PostgreSQL at {url} is required for store tests: {e}"));
    sqlx::query(&format!("CREATE SCHEMA {schema}"))
        .execute(&mut admin)
        .await
        .unwrap();
    let options = PgConnectOptions::from_str(&url)
        .unwrap()
        .options([("search_path", schema.as_str())]);
    PostgresStore::connect_with(options).await.unwrap()
}

pub(super) async fn backends() -> Vec<(Box<dyn Store>, Option<tempfile::TempDir>)> {
    let dir = tempfile::tempdir().unwrap();
    let sqlite = SqliteStore::open(&dir.path().join("store.db"))
        .await
        .unwrap();
    vec![
        (Box::new(sqlite), Some(dir)),
        (Box::new(fresh_postgres().await), None),
    ]
}

pub(super) fn event(id: &str) -> ChangeEvent {
    ChangeEvent {
        id: id.into(),
        source: System::Salesforce,
        object: "Account".into(),
        record_id: "001000000000001AAA".into(),
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

pub(super) fn completion(event_id: &str, version: i64) -> Completion {
    let account = RecordRef::new(System::Salesforce, "Account", "001000000000001AAA");
    Completion {
        event_id: event_id.into(),
        processed: true,
        applied: Some((account.clone(), version)),
        writes: vec![LedgerWrite {
            record: RecordRef::new(System::Netsuite, "customer", "647"),
            fields_hash: format!("hash-{version}"),
            field_names: vec!["companyname".into(), "url".into()],
        }],
        links: vec![Link {
            kind: LinkKind::AccountCustomer,
            salesforce_id: "001000000000001AAA".into(),
            netsuite_id: "647".into(),
        }],
        history: HistoryEntry {
            record_key: account.key(),
            event_id: event_id.into(),
            action: "upserted".into(),
            detail: "netsuite customer 647".into(),
            at_ms: version,
        },
        latency_ms: Some(5),
    }
}

#[tokio::test]
async fn a_completion_records_processing_version_hash_link_and_history_together() {
    for (store, _dir) in backends().await {
        let name = store.backend();
        assert!(!store.was_processed("e1").await.unwrap(), "{name}");
        store.complete(completion("e1", 1000)).await.unwrap();
        assert!(store.was_processed("e1").await.unwrap(), "{name}");
        let account = RecordRef::new(System::Salesforce, "Account", "001000000000001AAA");
        assert_eq!(
            store.applied_version(&account).await.unwrap(),
            Some(1000),
            "{name}"
        );
        let customer = RecordRef::new(System::Netsuite, "customer", "647");
        let written = store.written(&customer).await.unwrap().unwrap();
        assert_eq!(written.fields_hash, "hash-1000", "{name}");
        assert_eq!(written.field_names, ["companyname", "url"], "{name}");
        assert_eq!(
            store
                .linked(
                    LinkKind::AccountCustomer,
                    LinkSide::Salesforce,
                    "001000000000001AAA"
                )
                .await
                .unwrap()
                .as_deref(),
            Some("647"),
            "{name}"
        );
        assert_eq!(
            store
                .linked(LinkKind::AccountCustomer, LinkSide::Netsuite, "647")
                .await
                .unwrap()
                .as_deref(),
            Some("001000000000001AAA"),
            "{name}"
        );
        assert_eq!(
            store
                .linked(LinkKind::Contact, LinkSide::Netsuite, "647")
                .await
                .unwrap(),
            None,
            "{name}"
        );
        let history = store.history(&account.key(), 10).await.unwrap();
        assert_eq!(history.len(), 1, "{name}");
        assert_eq!(store.recent_history(10).await.unwrap(), history, "{name}");
        assert_eq!(history[0].detail, "netsuite customer 647", "{name}");
    }
}

#[tokio::test]
async fn an_older_version_never_replaces_a_newer_one() {
    for (store, _dir) in backends().await {
        store.complete(completion("new", 2000)).await.unwrap();
        store.complete(completion("old", 1000)).await.unwrap();
        let account = RecordRef::new(System::Salesforce, "Account", "001000000000001AAA");
        assert_eq!(
            store.applied_version(&account).await.unwrap(),
            Some(2000),
            "{}",
            store.backend()
        );
        // Completing the same event twice records nothing the second time.
        let again = store.complete(completion("new", 2000)).await;
        assert!(
            matches!(again, Err(StoreError::AlreadyProcessed(_))),
            "{again:?}"
        );
        assert_eq!(store.history(&account.key(), 10).await.unwrap().len(), 2);
    }
}

#[tokio::test]
async fn a_refused_completion_rolls_back_and_the_next_one_commits() {
    for (store, _dir) in backends().await {
        store.complete(completion("first", 1)).await.unwrap();
        assert!(matches!(
            store.complete(completion("first", 2)).await,
            Err(StoreError::AlreadyProcessed(_))
        ));
        store.complete(completion("second", 3)).await.unwrap();
        let account = RecordRef::new(System::Salesforce, "Account", "001000000000001AAA");
        assert_eq!(
            store.applied_version(&account).await.unwrap(),
            Some(3),
            "{}",
            store.backend()
        );
        let history = store.history(&account.key(), 10).await.unwrap();
        assert_eq!(history.len(), 2, "{}", store.backend());
    }
}

#[tokio::test]
async fn an_unprocessed_completion_keeps_the_event_replayable() {
    for (store, _dir) in backends().await {
        let mut parked = completion("parked", 5);
        parked.processed = false;
        store.complete(parked).await.unwrap();
        assert!(
            !store.was_processed("parked").await.unwrap(),
            "{}",
            store.backend()
        );
    }
}

#[tokio::test]
async fn relinking_a_record_replaces_its_old_pairing() {
    for (store, _dir) in backends().await {
        store.complete(completion("a", 1)).await.unwrap();
        let mut relinked = completion("b", 2);
        relinked.links[0].netsuite_id = "648".into();
        store.complete(relinked).await.unwrap();
        let name = store.backend();
        assert_eq!(
            store
                .linked(LinkKind::AccountCustomer, LinkSide::Netsuite, "647")
                .await
                .unwrap(),
            None,
            "{name}"
        );
        assert_eq!(
            store
                .linked(
                    LinkKind::AccountCustomer,
                    LinkSide::Salesforce,
                    "001000000000001AAA"
                )
                .await
                .unwrap()
                .as_deref(),
            Some("648"),
            "{name}"
        );
    }
}

#[tokio::test]
async fn conflicts_and_dead_letters_keep_the_event_and_the_reason() {
    for (store, _dir) in backends().await {
        let name = store.backend();
        let id = store
            .park_conflict(NewConflict {
                event: event("c1"),
                reason: "2 customers match acme.com".into(),
                candidates: json!([{"id": "1"}, {"id": "2"}]),
                subject: None,
            })
            .await
            .unwrap()
            .id;
        let conflicts = store.conflicts(None, 10).await.unwrap();
        assert_eq!(conflicts[0].id, id, "{name}");
        assert_eq!(conflicts[0].event.id, "c1", "{name}");
        assert_eq!(conflicts[0].candidates[1]["id"], "2", "{name}");

        let letter = store
            .add_dead_letter(NewDeadLetter {
                event: event("d1"),
                reason: "netsuite 400 INVALID_CONTENT: Invalid Field Value".into(),
                error_code: Some("INVALID_CONTENT".into()),
                attempts: 3,
            })
            .await
            .unwrap();
        let open = store
            .dead_letters(Some(DeadLetterStatus::Open), 10)
            .await
            .unwrap();
        assert_eq!(open.len(), 1, "{name}");
        assert_eq!(
            open[0].error_code.as_deref(),
            Some("INVALID_CONTENT"),
            "{name}"
        );
        assert_eq!(open[0].attempts, 3, "{name}");
        let (open, replayed) = (DeadLetterStatus::Open, DeadLetterStatus::Replayed);
        assert!(
            store
                .move_dead_letter(letter, open, replayed)
                .await
                .unwrap()
        );
        assert!(
            !store
                .move_dead_letter(letter, open, replayed)
                .await
                .unwrap(),
            "{name}: a letter moves from open once"
        );
        assert!(matches!(
            store.move_dead_letter(424242, open, replayed).await,
            Err(StoreError::NotFound(_))
        ));
        assert!(
            store
                .dead_letters(Some(DeadLetterStatus::Open), 10)
                .await
                .unwrap()
                .is_empty(),
            "{name}"
        );
        assert_eq!(
            store.dead_letter(letter).await.unwrap().status,
            DeadLetterStatus::Replayed,
            "{name}"
        );
        assert!(
            matches!(
                store.dead_letter(letter + 100).await,
                Err(StoreError::NotFound(_))
            ),
            "{name}"
        );
        assert_eq!(
            store.dead_letters(None, 10).await.unwrap().len(),
            1,
            "{name}"
        );
    }
}

#[tokio::test]
async fn old_processed_ids_are_pruned_and_recent_ones_kept() {
    for (store, _dir) in backends().await {
        store.complete(completion("kept", 1)).await.unwrap();
        let pruned = store
            .prune_processed(chrono::Utc::now().timestamp_millis() - 60_000)
            .await
            .unwrap();
        assert_eq!(pruned, 0, "{}", store.backend());
        assert!(store.was_processed("kept").await.unwrap());
        let pruned = store
            .prune_processed(chrono::Utc::now().timestamp_millis() + 1)
            .await
            .unwrap();
        assert_eq!(pruned, 1, "{}", store.backend());
    }
}

#[tokio::test]
async fn opening_twice_runs_migrations_once() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.db");
    SqliteStore::open(&path)
        .await
        .unwrap()
        .complete(completion("x", 1))
        .await
        .unwrap();
    let reopened = SqliteStore::open(&path).await.unwrap();
    assert!(reopened.was_processed("x").await.unwrap());
    assert!(matches!(
        open("mysql://x").await,
        Err(StoreError::Unavailable(_))
    ));
}

/// tandem.example.toml documents this libpq form for keeping the tables in a schema of their own.
#[tokio::test]
async fn a_postgres_url_naming_a_search_path_keeps_the_tables_in_that_schema() {
    let url = postgres_url();
    let schema = format!("t_{}", uuid::Uuid::new_v4().simple());
    let mut admin = <sqlx::PgConnection as sqlx::Connection>::connect(&url)
        .await
        .unwrap();
    sqlx::query(&format!("CREATE SCHEMA {schema}"))
        .execute(&mut admin)
        .await
        .unwrap();
    let separator = if url.contains('?') { '&' } else { '?' };
    let store = open(&format!(
        "{url}{separator}options=-c%20search_path%3D{schema}"
    ))
    .await
    .unwrap();
    store.complete(completion("in-schema", 1)).await.unwrap();

    let (rows,): (i64,) =
        sqlx::query_as(&format!("SELECT count(*) FROM {schema}.processed_events"))
            .fetch_one(&mut admin)
            .await
            .unwrap();
    assert_eq!(rows, 1);
    sqlx::query(&format!("DROP SCHEMA {schema} CASCADE"))
        .execute(&mut admin)
        .await
        .unwrap();
}

#[tokio::test]
async fn a_claim_is_exclusive_until_released_or_lapsed_and_a_lapsed_one_is_in_doubt() {
    for (store, _dir) in backends().await {
        let claim = |owner: &str, event: &str, until_ms: i64| RecordClaim {
            record_key: "netsuite:customer:42".into(),
            owner: owner.into(),
            event_id: event.into(),
            until_ms,
        };
        let claimed = ClaimOutcome::Claimed { in_doubt: false };
        assert_eq!(
            store
                .claim_record(&claim("a", "e1", 1_000), 0)
                .await
                .unwrap(),
            claimed
        );
        // The holder renews; another owner waits for it.
        assert_eq!(
            store
                .claim_record(&claim("a", "e1", 2_000), 500)
                .await
                .unwrap(),
            claimed
        );
        assert_eq!(
            store
                .claim_record(&claim("b", "e1", 3_000), 1_500)
                .await
                .unwrap(),
            ClaimOutcome::Held {
                owner: "a".into(),
                until_ms: 2_000
            }
        );
        // Released: the next owner takes it at once, nothing in doubt.
        store
            .release_record("netsuite:customer:42", "a", "e1")
            .await
            .unwrap();
        assert_eq!(
            store
                .claim_record(&claim("b", "e2", 3_000), 1_600)
                .await
                .unwrap(),
            claimed
        );
        // Releasing someone else's claim, or the claim for another event, does nothing.
        store
            .release_record("netsuite:customer:42", "a", "e1")
            .await
            .unwrap();
        store
            .release_record("netsuite:customer:42", "b", "e1")
            .await
            .unwrap();
        assert!(matches!(
            store
                .claim_record(&claim("c", "e2", 9_000), 2_000)
                .await
                .unwrap(),
            ClaimOutcome::Held { .. }
        ));
        // `b` lapses while holding e2: taking e2 over is in doubt, taking e3 is not.
        assert_eq!(
            store
                .claim_record(&claim("c", "e2", 9_000), 3_001)
                .await
                .unwrap(),
            ClaimOutcome::Claimed { in_doubt: true }
        );
        assert_eq!(
            store
                .claim_record(&claim("d", "e3", 12_000), 9_001)
                .await
                .unwrap(),
            claimed
        );
    }
}
