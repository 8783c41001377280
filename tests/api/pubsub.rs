//! Change Data Capture through the Pub/Sub API end to end: the real `tandem sandbox` binary
//! serving the API with Outbound Messages off, the real `tandem serve` subscribed to it. A
//! Closed Won opportunity becomes exactly one sales order; changes made while tandem is killed
//! are each applied exactly once after it restarts, from its stored replay ids.

use crate::helpers::{RunningBinary, sandbox_config_toml};
use crate::sandbox_binary::SandboxBinary;
use serde_json::{Value, json};
use std::path::Path;
use std::time::Duration;
use tandem::domain::System;
use tandem::sandbox::seed_links::{
    ACME_ACCOUNT_ID, ACME_OPEN_OPPORTUNITY_ID, INITECH_ACCOUNT_ID, INITECH_CUSTOMER,
};
use tandem::store::Store;

const DEADLINE: Duration = Duration::from_secs(60);

/// Polls `check` every 100 ms until it gives a value, failing after [`DEADLINE`].
async fn until<T, F: Future<Output = Option<T>>>(what: &str, mut check: impl FnMut() -> F) -> T {
    let deadline = tokio::time::Instant::now() + DEADLINE;
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{what}: not within {DEADLINE:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn get(http: &reqwest::Client, url: String) -> Value {
    http.get(url).send().await.unwrap().json().await.unwrap()
}

async fn records(http: &reqwest::Client, base: &str, kind: &str) -> Vec<Value> {
    let value = get(http, format!("{base}/_sandbox/records/{kind}")).await;
    value
        .as_array()
        .cloned()
        .or_else(|| value["items"].as_array().cloned())
        .unwrap_or_default()
}

/// The sandbox, with its Pub/Sub API listening on a free port.
async fn sandbox_serving_pubsub() -> SandboxBinary {
    SandboxBinary::start_with(&[
        "--salesforce-pubsub-listen".to_owned(),
        "127.0.0.1:0".to_owned(),
    ])
    .await
}

/// Initech's NetSuite customer, once its website reads `url`.
async fn initech_customer_with_website(
    http: &reqwest::Client,
    sandbox: &SandboxBinary,
    url: &str,
) -> Option<Value> {
    let customers = records(http, &sandbox.netsuite, "customer").await;
    customers.into_iter().find(|c| {
        c["id"].to_string().trim_matches('"') == INITECH_CUSTOMER.to_string() && c["url"] == url
    })
}

/// A person edits a Salesforce record in the UI.
async fn edit(
    http: &reqwest::Client,
    sandbox: &SandboxBinary,
    object: &str,
    id: &str,
    fields: Value,
) {
    let response = http
        .patch(format!(
            "{}/_sandbox/records/{object}/{id}",
            sandbox.salesforce
        ))
        .json(&fields)
        .send()
        .await
        .unwrap();
    assert!(
        response.status().is_success(),
        "{}",
        response.text().await.unwrap()
    );
}

/// Waits until tandem's subscribers (one per topic) are open on the sandbox.
async fn subscribed(http: &reqwest::Client, sandbox: &SandboxBinary, topics: usize) {
    until("every topic subscribed", || async {
        let status = get(http, format!("{}/_sandbox/pubsub", sandbox.salesforce)).await;
        (status["subscriptions"] == topics).then_some(())
    })
    .await;
}

/// The sum of `tandem_pubsub_events_total` over objects, for one outcome.
async fn pubsub_events(http: &reqwest::Client, tandem: &RunningBinary, outcome: &str) -> f64 {
    let label = format!("outcome=\"{outcome}\"");
    tandem
        .metrics(http)
        .await
        .lines()
        .filter(|line| line.starts_with("tandem_pubsub_events_total{") && line.contains(&label))
        .filter_map(|line| line.rsplit(' ').next()?.parse::<f64>().ok())
        .sum()
}

/// How many writes tandem sent to one NetSuite customer.
async fn customer_writes(sandbox: &SandboxBinary, customer: u64) -> usize {
    let path = format!("/services/rest/record/v1/customer/{customer}");
    sandbox
        .requests()
        .await
        .iter()
        .filter(|line| {
            !line.starts_with("GET ") && line.split('?').next().unwrap_or_default().ends_with(&path)
        })
        .count()
}

/// A config subscribing to `topics`, or to the default ones (Account, Contact, Opportunity).
fn write_config(dir: &Path, sandbox: &SandboxBinary, topics: &[&str]) -> std::path::PathBuf {
    let pubsub = sandbox
        .salesforce_pubsub
        .as_deref()
        .expect("the banner names the Pub/Sub API");
    let topics = if topics.is_empty() {
        String::new()
    } else {
        format!("topics = {topics:?}\n")
    };
    let text = format!(
        "[server]\nlisten = \"127.0.0.1:0\"\n\n{}\n[salesforce.pubsub]\nenabled = true\nendpoint = \"{pubsub}\"\nbatch_size = 5\n{topics}",
        sandbox_config_toml(dir, &sandbox.salesforce, &sandbox.netsuite)
    );
    let path = dir.join("tandem.toml");
    std::fs::write(&path, text).unwrap();
    path
}

#[tokio::test]
async fn change_events_alone_drive_the_sync_and_a_killed_tandem_resumes_without_missing_or_repeating()
 {
    // No --echo-salesforce-url: the org sends no Outbound Messages, only change events.
    let sandbox = sandbox_serving_pubsub().await;
    let http = reqwest::Client::new();
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), &sandbox, &[]);
    let mut tandem = RunningBinary::start(&config, &[]).await;
    subscribed(&http, &sandbox, 3).await;

    // 1. A person moves the open opportunity to Closed Won: exactly one sales order.
    let orders_before = records(&http, &sandbox.netsuite, "salesOrder").await.len();
    edit(
        &http,
        &sandbox,
        "Opportunity",
        ACME_OPEN_OPPORTUNITY_ID,
        json!({ "StageName": "Closed Won" }),
    )
    .await;
    let opportunity = until(
        "the sales order written back to the opportunity",
        || async {
            let all = records(&http, &sandbox.salesforce, "Opportunity").await;
            all.into_iter().find(|o| {
                o["Id"] == ACME_OPEN_OPPORTUNITY_ID && !o["NetSuite_Sales_Order_Id__c"].is_null()
            })
        },
    )
    .await;
    let orders = records(&http, &sandbox.netsuite, "salesOrder").await;
    assert_eq!(orders.len(), orders_before + 1, "{orders:#?}");
    let order = orders
        .iter()
        .find(|o| o["externalId"] == ACME_OPEN_OPPORTUNITY_ID)
        .expect("the order carries the opportunity id");
    assert_eq!(
        order["id"].to_string().trim_matches('"'),
        opportunity["NetSuite_Sales_Order_Id__c"].as_str().unwrap()
    );

    // 2. tandem dies (kill -9); people keep editing (values that none of the records held).
    tandem.child.kill().await.unwrap();
    let initech_writes_before = customer_writes(&sandbox, INITECH_CUSTOMER).await;
    edit(
        &http,
        &sandbox,
        "Account",
        INITECH_ACCOUNT_ID,
        json!({ "Website": "https://www.initech.example" }),
    )
    .await;
    edit(
        &http,
        &sandbox,
        "Account",
        ACME_ACCOUNT_ID,
        json!({ "Phone": "+1 415 555 0111" }),
    )
    .await;
    edit(
        &http,
        &sandbox,
        "Account",
        INITECH_ACCOUNT_ID,
        json!({ "Phone": "+1 512 555 0199" }),
    )
    .await;

    // 3. It restarts from its stored replay ids: every change arrives, each applied once.
    let tandem = RunningBinary::start(&config, &[]).await;
    subscribed(&http, &sandbox, 3).await;
    until("Initech's customer holds both of its edits", || async {
        let customers = records(&http, &sandbox.netsuite, "customer").await;
        customers.into_iter().find(|c| {
            c["id"].to_string().trim_matches('"') == INITECH_CUSTOMER.to_string()
                && c["url"] == "https://www.initech.example"
                && c["phone"] == "+1 512 555 0199"
        })
    })
    .await;
    until("Acme's customer holds its new phone", || async {
        let customers = records(&http, &sandbox.netsuite, "customer").await;
        customers
            .into_iter()
            .find(|c| c["phone"] == "+1 415 555 0111")
    })
    .await;
    // NetSuite can show both Initech edits after the first event alone (it is completed with
    // the record as it is now): wait until tandem has settled all three events in its store.
    let store = tandem::store::SqliteStore::open(&dir.path().join("store.db"))
        .await
        .unwrap();
    until("the three edits settled in the store", || async {
        let settled = |history: Vec<tandem::store::HistoryEntry>| {
            let mut ids: Vec<_> = history
                .into_iter()
                .map(|entry| entry.event_id)
                .filter(|id| id.starts_with("salesforce:change:"))
                .collect();
            ids.sort();
            ids.dedup();
            ids.len()
        };
        let initech = store
            .history_of_id(System::Salesforce, INITECH_ACCOUNT_ID, 50)
            .await
            .unwrap();
        let acme = store
            .history_of_id(System::Salesforce, ACME_ACCOUNT_ID, 50)
            .await
            .unwrap();
        (settled(initech) >= 2 && settled(acme) >= 1).then_some(())
    })
    .await;
    drop(tandem); // kill-on-drop: the store is read below, as the next start would find it

    let orders_after = records(&http, &sandbox.netsuite, "salesOrder").await;
    assert_eq!(
        orders_after.len(),
        orders_before + 1,
        "no second sales order"
    );
    for topic in ["/data/AccountChangeEvent", "/data/OpportunityChangeEvent"] {
        assert!(
            store
                .checkpoint(&format!("pubsub:{topic}"))
                .await
                .unwrap()
                .is_some(),
            "{topic}"
        );
    }
    // Each of the three edits made while tandem was down is in the record's history once, as
    // a Pub/Sub event, and Initech's two edits were applied as at most two customer writes.
    let initech = store
        .history_of_id(System::Salesforce, INITECH_ACCOUNT_ID, 50)
        .await
        .unwrap();
    let from_pubsub: Vec<_> = initech
        .iter()
        .filter(|entry| entry.event_id.starts_with("salesforce:change:"))
        .collect();
    let mut ids: Vec<_> = from_pubsub
        .iter()
        .map(|entry| entry.event_id.clone())
        .collect();
    ids.sort();
    ids.dedup();
    assert_eq!(
        ids.len(),
        2,
        "two Initech edits, each recorded once: {initech:#?}"
    );
    assert_eq!(
        ids.len(),
        from_pubsub.len(),
        "no event recorded twice: {initech:#?}"
    );
    let acme = store
        .history_of_id(System::Salesforce, ACME_ACCOUNT_ID, 50)
        .await
        .unwrap();
    assert!(
        acme.iter()
            .any(|entry| entry.event_id.starts_with("salesforce:change:")),
        "{acme:#?}"
    );
    let initech_writes = customer_writes(&sandbox, INITECH_CUSTOMER).await - initech_writes_before;
    assert!(
        (1..=2).contains(&initech_writes),
        "Initech's customer written {initech_writes} times for two edits"
    );
}

#[tokio::test]
async fn a_stored_replay_id_the_org_no_longer_holds_resumes_from_the_earliest_retained_event() {
    let sandbox = sandbox_serving_pubsub().await;
    let http = reqwest::Client::new();
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), &sandbox, &[]);
    // A replay id past anything the bus issued: outside the retention window, to the API.
    let stale = tandem::pubsub::replay::to_hex(&tandem::pubsub::replay::encode(1_000_000));
    let topic = "pubsub:/data/AccountChangeEvent";
    {
        let store = tandem::store::SqliteStore::open(&dir.path().join("store.db"))
            .await
            .unwrap();
        store.save_checkpoint(topic, &stale, 0).await.unwrap();
    }
    // Retained before tandem starts: subscribing from LATEST would miss it.
    edit(
        &http,
        &sandbox,
        "Account",
        INITECH_ACCOUNT_ID,
        json!({ "Website": "https://www.initech.example" }),
    )
    .await;

    let tandem = RunningBinary::start(&config, &[]).await;
    until("Initech's customer holds the retained edit", || {
        initech_customer_with_website(&http, &sandbox, "https://www.initech.example")
    })
    .await;
    let store = tandem::store::SqliteStore::open(&dir.path().join("store.db"))
        .await
        .unwrap();
    until(
        "a checkpoint the org holds replaces the stale one",
        || async {
            let saved = store.checkpoint(topic).await.unwrap();
            saved.filter(|saved| *saved != stale)
        },
    )
    .await;
    drop(tandem);
}

#[tokio::test]
async fn a_change_carried_by_two_subscribed_channels_is_applied_once() {
    let sandbox = sandbox_serving_pubsub().await;
    let http = reqwest::Client::new();
    let dir = tempfile::tempdir().unwrap();
    let topics = ["/data/ChangeEvents", "/data/AccountChangeEvent"];
    let config = write_config(dir.path(), &sandbox, &topics);
    let tandem = RunningBinary::start(&config, &[]).await;
    subscribed(&http, &sandbox, topics.len()).await;
    let writes_before = customer_writes(&sandbox, INITECH_CUSTOMER).await;

    edit(
        &http,
        &sandbox,
        "Account",
        INITECH_ACCOUNT_ID,
        json!({ "Website": "https://www.initech.example" }),
    )
    .await;
    // Both channels deliver it: one delivery is queued, the other dropped as the same change.
    let (queued, duplicates) = until("both channels delivered the edit", || async {
        let queued = pubsub_events(&http, &tandem, "queued").await;
        let duplicates = pubsub_events(&http, &tandem, "duplicate").await;
        (queued + duplicates >= 2.0).then_some((queued, duplicates))
    })
    .await;
    assert_eq!((queued, duplicates), (1.0, 1.0), "one queued, one dropped");
    until("Initech's customer holds the edit", || {
        initech_customer_with_website(&http, &sandbox, "https://www.initech.example")
    })
    .await;
    let store = tandem::store::SqliteStore::open(&dir.path().join("store.db"))
        .await
        .unwrap();
    let history = until("the edit settled in the store", || async {
        let history = store
            .history_of_id(System::Salesforce, INITECH_ACCOUNT_ID, 50)
            .await
            .unwrap();
        history
            .iter()
            .any(|entry| entry.event_id.starts_with("salesforce:change:"))
            .then_some(history)
    })
    .await;
    drop(tandem);
    let applied: Vec<_> = history
        .iter()
        .filter(|entry| entry.event_id.starts_with("salesforce:"))
        .collect();
    assert_eq!(applied.len(), 1, "{history:#?}");
    assert_eq!(
        customer_writes(&sandbox, INITECH_CUSTOMER).await - writes_before,
        1,
        "one customer write for one edit"
    );
}
