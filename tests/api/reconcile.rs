//! Scheduled reconciliation against the real sandbox and the real `tandem serve`: a credit limit
//! changed in NetSuite with no event sent (as after an import with scripts off) is repaired in
//! Salesforce by the next run, the repair is counted once, and the runs after it find nothing.

use crate::helpers::{RunningBinary, write_sandbox_config};
use crate::sandbox_binary::SandboxBinary;
use serde_json::{Value, json};
use std::time::Duration;
use tandem::sandbox::seed_links::{ACME_ACCOUNT_ID, ACME_CUSTOMER};

fn repaired(metrics: &str) -> u64 {
    metrics
        .lines()
        .find(|line| {
            line.starts_with("tandem_reconcile_differences_total{")
                && line.contains("flow=\"customer_to_account\"")
                && line.contains("action=\"repaired\"")
        })
        .and_then(|line| line.rsplit(' ').next())
        .and_then(|value| value.parse::<f64>().ok())
        .map_or(0, |value| value as u64)
}

async fn account(http: &reqwest::Client, sandbox: &SandboxBinary) -> Value {
    http.get(format!(
        "{}/_sandbox/records/Account/{ACME_ACCOUNT_ID}",
        sandbox.salesforce
    ))
    .send()
    .await
    .unwrap()
    .json()
    .await
    .unwrap()
}

/// The sandbox and `tandem serve` reconciling `customer_to_account` every few hundred
/// milliseconds with `on_difference`, once its first run (of an empty window: the seeds are not
/// the tests') is done.
async fn start(
    on_difference: &str,
) -> (
    SandboxBinary,
    RunningBinary,
    tempfile::TempDir,
    std::path::PathBuf,
) {
    let sandbox = SandboxBinary::start(&[]).await;
    let dir = tempfile::tempdir().unwrap();
    let config = write_sandbox_config(
        dir.path(),
        &sandbox.salesforce,
        &sandbox.netsuite,
        &format!(
            "[reconcile]\nenabled = true\ninterval = \"300ms\"\nsettle_time = \"0s\"\n\
             overlap = \"0s\"\nfirst_window = \"0s\"\non_difference = \"{on_difference}\"\n\
             flows = [\"customer_to_account\"]"
        ),
    );
    let mut serve = RunningBinary::start(&config, &[]).await;
    serve.wait_for_log("reconciliation run done").await;
    (sandbox, serve, dir, config)
}

/// A person changes Acme's credit limit in NetSuite; no script sends an event.
async fn change_credit_limit(http: &reqwest::Client, sandbox: &SandboxBinary, limit: f64) {
    let changed = http
        .patch(format!(
            "{}/_sandbox/records/customer/{ACME_CUSTOMER}",
            sandbox.netsuite
        ))
        .json(&json!({ "creditLimit": limit }))
        .send()
        .await
        .unwrap();
    assert!(changed.status().is_success(), "{}", changed.status());
}

#[tokio::test]
async fn a_netsuite_change_no_event_announced_is_repaired_by_the_next_run_and_counted_once() {
    let (sandbox, mut serve, _dir, _config) = start("repair").await;
    let http = reqwest::Client::new();
    let before = repaired(&serve.metrics(&http).await);
    let (_, mark) =
        crate::sandbox_binary::requests_after(&http, &sandbox.salesforce, Some(0)).await;

    change_credit_limit(&http, &sandbox, 123456.0).await;

    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let limit = account(&http, &sandbox).await["Credit_Limit__c"].as_f64();
        if limit == Some(123456.0) {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the account's credit limit is still {limit:?} after 30 s"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Two more runs: the repaired pair agrees now, so nothing more is counted or written.
    serve.wait_for_log("reconciliation run done").await;
    serve.wait_for_log("reconciliation run done").await;
    let after = repaired(&serve.metrics(&http).await);
    assert_eq!(after - before, 1, "one repair counted");
    let (writes, _) =
        crate::sandbox_binary::requests_after(&http, &sandbox.salesforce, Some(mark)).await;
    let account_writes: Vec<_> = writes
        .iter()
        .filter(|r| !r.starts_with("GET ") && r.contains("/Account"))
        .collect();
    assert_eq!(
        account_writes.len(),
        1,
        "one write to the account: {account_writes:?}"
    );
}

/// With `on_difference = "review"`, the difference waits as a conflict naming the fields, and
/// nothing is written until an operator resolves it with the linked record.
#[tokio::test]
async fn in_review_mode_a_difference_waits_as_a_conflict_until_an_operator_applies_it() {
    let (sandbox, _serve, _dir, config) = start("review").await;
    let http = reqwest::Client::new();
    change_credit_limit(&http, &sandbox, 654321.0).await;

    let tandem = |args: Vec<String>| {
        let config = config.clone();
        async move {
            let output = tokio::process::Command::new(crate::helpers::binary_path())
                .args(&args)
                .arg("--config")
                .arg(&config)
                .env_remove("RUST_LOG")
                .output()
                .await
                .unwrap();
            assert!(output.status.success(), "{output:?}");
            String::from_utf8(output.stdout).unwrap()
        }
    };
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    let conflict = loop {
        let listed: Value = serde_json::from_str(
            &tandem(vec![
                "conflicts".into(),
                "list".into(),
                "--output".into(),
                "json".into(),
            ])
            .await,
        )
        .unwrap();
        if let Some(conflict) = listed["conflicts"].as_array().and_then(|c| c.first()) {
            break conflict.clone();
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "no conflict parked within 30 s"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let reason = conflict["reason"].as_str().unwrap();
    assert!(reason.contains("Credit_Limit__c"), "{reason}");
    assert_ne!(
        account(&http, &sandbox).await["Credit_Limit__c"].as_f64(),
        Some(654321.0),
        "nothing written before review"
    );
    let id = conflict["id"].to_string();
    tandem(vec![
        "conflicts".into(),
        "resolve".into(),
        id,
        "--link".into(),
        ACME_ACCOUNT_ID.into(),
    ])
    .await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while account(&http, &sandbox).await["Credit_Limit__c"].as_f64() != Some(654321.0) {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the resolved repair was not written within 30 s"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
