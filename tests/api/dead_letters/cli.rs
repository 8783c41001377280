//! `tandem dlq` as operators run it: the real binary on the config's store and embedded queue.

use crate::helpers::{binary_path, write_config};
use chrono::Utc;
use serde_json::{Value, json};
use std::path::Path;
use std::time::Duration;
use tandem::domain::{ChangeEvent, ChangeKind, System};
use tandem::queue::Queue;
use tandem::queue::embedded::{EmbeddedQueue, EmbeddedSettings};
use tandem::store::{DeadLetterStatus, NewDeadLetter, Store};

/// What one run of the binary left: its exit status, stdout and stderr.
struct Run {
    success: bool,
    stdout: String,
    stderr: String,
}

async fn dlq(config: &Path, args: &[&str]) -> Run {
    let output = tokio::process::Command::new(binary_path())
        .arg("dlq")
        .args(args)
        .arg("--config")
        .arg(config)
        .env_remove("RUST_LOG")
        .kill_on_drop(true)
        .output();
    let output = tokio::time::timeout(Duration::from_secs(60), output)
        .await
        .expect("tandem dlq finishes within 60 s")
        .unwrap();
    Run {
        success: output.status.success(),
        stdout: String::from_utf8(output.stdout).unwrap(),
        stderr: String::from_utf8(output.stderr).unwrap(),
    }
}

fn customer_event(id: &str, record_id: &str) -> ChangeEvent {
    let fields = json!({ "companyname": "Acme Ltd", "creditlimit": 5000 });
    ChangeEvent {
        id: id.into(),
        source: System::Netsuite,
        object: "customer".into(),
        record_id: record_id.into(),
        change: ChangeKind::Updated,
        version: Some(Utc::now()),
        modified_by: Some("-5".into()),
        origin: None,
        execution_context: None,
        role: None,
        fields: fields.as_object().unwrap().clone(),
        received_at: Utc::now(),
        attempt: 3,
    }
}

async fn add_letter(store: &dyn Store, event: ChangeEvent) -> i64 {
    store
        .add_dead_letter(NewDeadLetter {
            event,
            reason: "netsuite 503: Service Unavailable".into(),
            error_code: None,
            attempts: 3,
        })
        .await
        .unwrap()
}

#[tokio::test]
async fn tandem_dlq_lists_shows_replays_and_discards_and_refuses_unknown_or_closed_letters() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path());
    let store_url = format!("sqlite://{}", dir.path().join("store.db").display());
    let store = tandem::store::open(&store_url).await.unwrap();
    let first = add_letter(store.as_ref(), customer_event("msg_cli_first", "5512")).await;
    let second = add_letter(store.as_ref(), customer_event("msg_cli_second", "5513")).await;

    let listed = dlq(&config, &["list"]).await;
    assert!(listed.success, "{}", listed.stderr);
    let lines: Vec<&str> = listed.stdout.lines().collect();
    assert_eq!(
        lines.len(),
        3,
        "a header and two letters: {}",
        listed.stdout
    );
    assert!(lines[0].starts_with("ID"), "{}", lines[0]);
    assert!(
        lines[2].starts_with(&format!("{first} "))
            && lines[2].contains("open")
            && lines[2].contains("netsuite:customer:5512")
            && lines[2].contains("msg_cli_first"),
        "oldest last: {}",
        listed.stdout
    );

    let shown = dlq(&config, &["show", &first.to_string()]).await;
    assert!(shown.success, "{}", shown.stderr);
    let shown: Value = serde_json::from_str(&shown.stdout).expect("show prints JSON");
    assert_eq!(shown["id"], first);
    assert_eq!(shown["status"], "open");
    assert_eq!(shown["event"]["id"], "msg_cli_first");
    assert_eq!(shown["event"]["fields"]["companyname"], "Acme Ltd");

    let replayed = dlq(&config, &["replay", &first.to_string()]).await;
    assert!(replayed.success, "{}", replayed.stderr);
    assert_eq!(
        replayed.stdout,
        format!(
            "dead letter {first} replayed: event msg_cli_first of netsuite:customer:5512 is queued again\n"
        )
    );
    assert_eq!(
        store.dead_letter(first).await.unwrap().status,
        DeadLetterStatus::Replayed
    );
    // The event is back on the queue file, as a first attempt.
    let queue = EmbeddedQueue::open(EmbeddedSettings {
        path: dir.path().join("queue.db"),
        shards: 4,
        visibility_timeout: Duration::from_secs(60),
        max_deliveries: 10,
        dedupe_retention: Duration::from_secs(3600),
    })
    .await
    .unwrap();
    let leases = queue.receive(10, Duration::from_secs(5)).await.unwrap();
    let queued: Vec<(&str, u32)> = leases
        .iter()
        .map(|lease| (lease.event.id.as_str(), lease.event.attempt))
        .collect();
    assert_eq!(queued, [("msg_cli_first", 1)]);

    let again = dlq(&config, &["replay", &first.to_string()]).await;
    assert!(!again.success, "a replayed letter is not replayed twice");
    assert_eq!(
        again.stderr,
        format!(
            "tandem dlq: dead letter {first} is replayed; only open dead letters can be replayed or discarded\n"
        )
    );
    let unknown = dlq(&config, &["replay", "424242"]).await;
    assert!(!unknown.success);
    assert_eq!(unknown.stderr, "tandem dlq: no dead letter 424242\n");
    assert!(unknown.stdout.is_empty(), "{}", unknown.stdout);

    let discarded = dlq(&config, &["discard", &second.to_string()]).await;
    assert!(discarded.success, "{}", discarded.stderr);
    assert_eq!(
        discarded.stdout,
        format!("dead letter {second} discarded\n")
    );
    let open = dlq(&config, &["list", "--status", "open"]).await;
    assert!(open.success, "{}", open.stderr);
    assert_eq!(open.stdout, "no dead letters\n");
    let leases = queue.receive(10, Duration::from_millis(200)).await.unwrap();
    assert!(leases.is_empty(), "a discard queues nothing");
}

#[tokio::test]
async fn tandem_dlq_filters_lists_as_json_replays_all_with_progress_and_replays_an_edit() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path());
    let store_url = format!("sqlite://{}", dir.path().join("store.db").display());
    let store = tandem::store::open(&store_url).await.unwrap();
    let mut customers = Vec::new();
    for n in 0..3 {
        let event = customer_event(&format!("msg_cli_bulk_{n}"), &format!("60{n}"));
        customers.push(add_letter(store.as_ref(), event).await);
    }
    let mut account = customer_event("msg_cli_account", "001Sbx0000000002AAA");
    account.source = System::Salesforce;
    account.object = "Account".into();
    let account = add_letter(store.as_ref(), account).await;

    let listed = dlq(
        &config,
        &[
            "list",
            "--flow",
            "customer_to_account",
            "--limit",
            "2",
            "--output",
            "json",
        ],
    )
    .await;
    assert!(listed.success, "{}", listed.stderr);
    let listed: Value = serde_json::from_str(&listed.stdout).expect("--output json prints JSON");
    let ids: Vec<i64> = listed["dead_letters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|letter| letter["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, [customers[2], customers[1]]);
    assert_eq!(listed["next_cursor"], customers[1].to_string());
    let refused = dlq(&config, &["list", "--older-than", "soon"]).await;
    assert!(!refused.success);
    assert!(refused.stderr.contains("older_than:"), "{}", refused.stderr);

    let payload = dir.path().join("edited.json");
    std::fs::write(&payload, r#"{"companyName": "Acme Limited"}"#).unwrap();
    let edited = dlq(
        &config,
        &[
            "replay",
            &account.to_string(),
            "--payload-file",
            payload.to_str().unwrap(),
        ],
    )
    .await;
    assert!(edited.success, "{}", edited.stderr);
    assert!(
        edited
            .stdout
            .ends_with("is queued again with the edited payload\n"),
        "{}",
        edited.stdout
    );
    let kept = store.dead_letter(account).await.unwrap();
    assert_eq!(
        kept.edited_event.unwrap().fields["companyName"],
        "Acme Limited"
    );
    assert_eq!(kept.event.fields["companyname"], "Acme Ltd");

    let all = dlq(
        &config,
        &["replay", "--all", "--flow", "customer_to_account"],
    )
    .await;
    assert!(all.success, "{}", all.stderr);
    assert_eq!(all.stderr, "replayed 3/3\n");
    assert_eq!(all.stdout, "replayed 3 of 3 matching open dead letters\n");
    for id in customers {
        assert_eq!(
            store.dead_letter(id).await.unwrap().status,
            DeadLetterStatus::Replayed
        );
    }
    let none = dlq(&config, &["discard", "--all"]).await;
    assert!(none.success, "{}", none.stderr);
    assert_eq!(none.stdout, "discarded 0 of 0 matching open dead letters\n");
    let both = dlq(&config, &["discard", "7", "--flow", "customer_to_account"]).await;
    assert!(!both.success, "filter flags beside an id are refused");
}
