//! Flows from the operator's side: a paused flow keeps queueing its events and applies none of
//! them until resumed, then applies them in order; `tandem flows` pauses and resumes too.

use crate::dead_letters::{ADMIN_TOKEN, ops};
use crate::helpers::{binary_path, write_config};
use crate::synced::*;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tandem::config::Secret;
use tandem::sandbox::SandboxConfig;

const FLOW: &str = "account_to_customer";

fn flow<'a>(listed: &'a Value, name: &str) -> &'a Value {
    listed["flows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|flow| flow["flow"] == name)
        .unwrap_or_else(|| panic!("{name} is not listed: {listed}"))
}

#[tokio::test]
async fn a_paused_flow_holds_its_events_until_resumed_then_applies_them_in_order() {
    let synced = spawn_synced_with(Backend::Embedded, SandboxConfig::default(), |config| {
        config.server.admin_token = Some(Secret::from(ADMIN_TOKEN));
    })
    .await;
    let (status, paused) = ops(
        &synced.app,
        Method::POST,
        &format!("/api/v1/flows/{FLOW}/pause"),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{paused}");
    assert_eq!(paused["paused"], true);
    let (_, listed) = ops(&synced.app, Method::GET, "/api/v1/flows").await;
    assert_eq!(flow(&listed, FLOW)["paused"], true);
    assert_eq!(flow(&listed, "customer_to_account")["paused"], false);

    let account_id = synced.salesforce_id("Account", "Name", "Globex GmbH").await;
    for phone in ["+49 30 5550 101", "+49 30 5550 102"] {
        synced
            .edit_in_salesforce("Account", &account_id, json!({ "Phone": phone }))
            .await;
    }
    // The worker took the first event, found the flow paused and put it back for later.
    eventually("the account's event postponed", || async {
        let depth = synced.app.queue.depth().await.unwrap();
        (depth.delayed >= 1).then_some(())
    })
    .await;
    let customers = synced.netsuite_records("customer").await;
    assert!(
        find(&customers, "externalId", &account_id).is_none(),
        "nothing is written while the flow is paused"
    );
    let account_key = format!("salesforce:account:{account_id}");
    assert!(
        synced.history(&account_key).await.is_empty(),
        "nothing was applied"
    );
    assert!(
        synced.app.queued().await >= 1,
        "the events are still queued"
    );

    let (status, resumed) = ops(
        &synced.app,
        Method::POST,
        &format!("/api/v1/flows/{FLOW}/resume"),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{resumed}");
    assert_eq!(resumed["paused"], false);
    let customer = eventually("the customer with the last phone", || async {
        let customers = synced.netsuite_records("customer").await;
        find(&customers, "externalId", &account_id)
            .filter(|customer| field(customer, "phone") == "+49 30 5550 102")
            .cloned()
    })
    .await;
    assert_eq!(field(&customer, "companyName"), "Globex GmbH");
    synced.settled().await;
    let (_, listed) = ops(&synced.app, Method::GET, "/api/v1/flows").await;
    let written = &flow(&listed, FLOW)["last_hour"]["written"];
    assert!(written.as_u64().is_some_and(|n| n >= 1), "{listed}");
    let (status, unknown) = ops(&synced.app, Method::POST, "/api/v1/flows/accounts/pause").await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{unknown}");
}

#[tokio::test]
async fn tandem_flows_pauses_lists_and_resumes_a_flow_in_the_store() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path());
    let run = |args: Vec<&'static str>| {
        let config = config.clone();
        async move {
            let output = tokio::process::Command::new(binary_path())
                .arg("flows")
                .args(args)
                .arg("--config")
                .arg(&config)
                .kill_on_drop(true)
                .output()
                .await
                .unwrap();
            assert!(
                output.status.success(),
                "{}",
                String::from_utf8_lossy(&output.stderr)
            );
            String::from_utf8(output.stdout).unwrap()
        }
    };
    let paused = run(vec!["pause", FLOW]).await;
    assert!(
        paused.lines().nth(1).unwrap().contains("paused"),
        "{paused}"
    );
    let listed: Value = serde_json::from_str(&run(vec!["list", "--output", "json"]).await).unwrap();
    assert_eq!(flow(&listed, FLOW)["paused"], true);
    assert_eq!(listed["flows"].as_array().unwrap().len(), 8);
    let resumed = run(vec!["resume", FLOW]).await;
    assert!(
        resumed.lines().nth(1).unwrap().contains("running"),
        "{resumed}"
    );
    let table = run(vec![]).await;
    assert_eq!(
        table.lines().count(),
        9,
        "a header and a line a flow: {table}"
    );
}
