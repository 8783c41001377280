//! `tandem conflicts` on the store a config names: the open ones in a table, a resolution
//! without its kind refused with a message naming the choices, and `--ignore` finishing the
//! parked event.

use crate::helpers::{binary_path, write_config};
use serde_json::json;
use tandem::store::{ConflictStatus, ConflictSubject, LinkKind, LinkSide, NewConflict};

async fn tandem(args: &[&str], config: &std::path::Path) -> std::process::Output {
    tokio::process::Command::new(binary_path())
        .args(args)
        .arg("--config")
        .arg(config)
        .kill_on_drop(true)
        .output()
        .await
        .unwrap()
}

#[tokio::test]
async fn tandem_conflicts_lists_and_resolves_on_the_configured_store() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path());
    let store_url = format!("sqlite://{}", dir.path().join("store.db").display());
    let store = tandem::store::open(&store_url).await.unwrap();
    let account = "001Sbx0000000009AAA";
    let id = store
        .park_conflict(NewConflict {
            event: super::account_event("e_cli_conflict"),
            reason: format!("several NetSuite customers match account {account}"),
            candidates: json!({ "matched_by": "domain", "ids": ["647", "648"] }),
            subject: Some(ConflictSubject::new(
                LinkKind::AccountCustomer,
                LinkSide::Salesforce,
                account,
            )),
        })
        .await
        .unwrap()
        .id;

    let listed = tandem(&["conflicts", "list"], &config).await;
    assert!(
        listed.status.success(),
        "{}",
        String::from_utf8_lossy(&listed.stderr)
    );
    let table = String::from_utf8(listed.stdout).unwrap();
    let row = table.lines().nth(1).unwrap_or_default();
    assert!(row.starts_with(&id.to_string()), "{table}");
    assert!(row.contains("open") && row.contains("647,648"), "{table}");

    let unsaid = tandem(&["conflicts", "resolve", &id.to_string()], &config).await;
    assert!(!unsaid.status.success());
    let stderr = String::from_utf8_lossy(&unsaid.stderr);
    assert!(
        stderr.contains("--link") && stderr.contains("--ignore"),
        "{stderr}"
    );

    let ignored = tandem(
        &[
            "conflicts",
            "resolve",
            &id.to_string(),
            "--ignore",
            "--output",
            "json",
        ],
        &config,
    )
    .await;
    assert!(
        ignored.status.success(),
        "{}",
        String::from_utf8_lossy(&ignored.stderr)
    );
    let resolved: serde_json::Value = serde_json::from_slice(&ignored.stdout).unwrap();
    assert_eq!(resolved["action"], "ignore");
    assert_eq!(resolved["replayed"], json!(["e_cli_conflict"]));
    assert!(
        store
            .conflicts(Some(ConflictStatus::Open), 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(store.was_processed("e_cli_conflict").await.unwrap());
}
