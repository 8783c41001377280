//! Scheduled reconciliation against the real sandbox and the real `tandem serve`: a credit limit
//! changed in NetSuite with no event sent (as after an import with scripts off) is repaired in
//! Salesforce by the next run, the repair is counted once, and the runs after it find nothing.

use crate::helpers::{RunningBinary, sandbox_config_toml};
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

#[tokio::test]
async fn a_netsuite_change_no_event_announced_is_repaired_by_the_next_run_and_counted_once() {
    let sandbox = SandboxBinary::start(&[]).await;
    let http = reqwest::Client::new();
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("tandem.toml");
    std::fs::write(
        &config,
        format!(
            "[server]\nlisten = \"127.0.0.1:0\"\n\n[reconcile]\nenabled = true\ninterval = \"500ms\"\nsettle_time = \"0s\"\noverlap = \"0s\"\nfirst_window = \"1h\"\nflows = [\"customer_to_account\"]\n\n{}",
            sandbox_config_toml(dir.path(), &sandbox.salesforce, &sandbox.netsuite)
        ),
    )
    .unwrap();
    let mut serve = RunningBinary::start(&config, &[]).await;
    // The first run covers the seeds; what it repairs there is not this test's change.
    serve.wait_for_log("reconciliation run done").await;
    let before = repaired(&serve.metrics(&http).await);
    let (_, mark) = crate::backfill::requests_after(&http, &sandbox.salesforce, 0).await;

    // A person changes the credit limit in NetSuite; no script sends an event.
    let changed = http
        .patch(format!(
            "{}/_sandbox/records/customer/{ACME_CUSTOMER}",
            sandbox.netsuite
        ))
        .json(&json!({ "creditLimit": 123456.0 }))
        .send()
        .await
        .unwrap();
    assert!(changed.status().is_success(), "{}", changed.status());

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
    let (writes, _) = crate::backfill::requests_after(&http, &sandbox.salesforce, mark).await;
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
