//! The ops page with 100,000 dead letters in the store: every page a listing or a filter needs
//! answers quickly, because the store filters and pages (the real binary, a real SQLite file).

use crate::helpers::{RunningBinary, write_config};
use chrono::Utc;
use reqwest::StatusCode;
use serde_json::json;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tandem::domain::{ChangeEvent, ChangeKind, System};
use tandem::store::NewDeadLetter;

const LETTERS: usize = 100_000;
const TOKEN: &str = "scale-admin-token-5b7e90";
/// Generous for a debug build on a shared machine; each page takes milliseconds.
const FAST: Duration = Duration::from_secs(2);

fn letter(index: usize) -> NewDeadLetter {
    let (source, object, code) = if index.is_multiple_of(2) {
        (System::Salesforce, "Account", "INVALID_FIELD")
    } else {
        (System::Netsuite, "customer", "UNEXPECTED_ERROR")
    };
    NewDeadLetter {
        event: ChangeEvent {
            id: format!("scale-event-{index}"),
            source,
            object: object.into(),
            record_id: format!("rec{index}"),
            change: ChangeKind::Updated,
            version: Some(Utc::now()),
            modified_by: None,
            origin: None,
            execution_context: None,
            role: None,
            fields: json!({ "Name": format!("Company {index}") })
                .as_object()
                .unwrap()
                .clone(),
            received_at: Utc::now(),
            attempt: 1,
        },
        reason: format!("refused record {index}"),
        error_code: Some(code.into()),
        attempts: 3,
    }
}

#[tokio::test]
async fn the_dead_letter_pages_stay_fast_with_100000_letters() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path());
    let url = format!("sqlite://{}", dir.path().join("store.db").display());
    let store = tandem::store::open(&url).await.unwrap();
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    for _ in 0..32 {
        let (store, next) = (store.clone(), next.clone());
        tasks.spawn(async move {
            loop {
                let index = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if index >= LETTERS {
                    return;
                }
                store.add_dead_letter(letter(index)).await.unwrap();
            }
        });
    }
    tasks.join_all().await;
    println!("{LETTERS} dead letters stored in {:?}", started.elapsed());
    drop(store);

    let tandem = RunningBinary::start(&config, &[("TANDEM_SERVER__ADMIN_TOKEN", TOKEN)]).await;
    let http = reqwest::Client::new();
    for path in [
        "/ops",
        "/ops/dead-letters",
        "/ops/dead-letters?cursor=50000",
        "/ops/dead-letters?flow=account_to_customer&error_code=INVALID_FIELD",
        "/ops/dead-letters?error_code=UNEXPECTED_ERROR&older_than=1s&status=any",
        "/ops/dead-letters?record=rec77777",
        "/ops/dead-letters/4242",
        "/ops/records?system=netsuite&id=rec77777",
    ] {
        let started = Instant::now();
        let answer = http
            .get(tandem.url(path))
            .bearer_auth(TOKEN)
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), StatusCode::OK, "{path}");
        let page = answer.text().await.unwrap();
        let took = started.elapsed();
        println!("GET {path}: {took:?}, {} bytes", page.len());
        assert!(took < FAST, "GET {path} took {took:?}");
        if path.starts_with("/ops/dead-letters?") {
            let rows = page.matches("<tr data-id=").count();
            assert!((1..=50).contains(&rows), "{path}: {rows} rows");
        }
    }
    let record = http
        .get(tandem.url("/ops/dead-letters?record=rec77777"))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(record.contains("1 match"), "one letter of that record");
}
