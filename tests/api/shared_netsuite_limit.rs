//! NetSuite's concurrency limit belongs to the account: two tandem instances sharing one
//! PostgreSQL store and one broker stay within it together, and keep it busy.

use crate::helpers::{TestApp, spawn_app_with};
use crate::synced::*;
use serde_json::{Map, Value, json};
use std::time::{Duration, Instant};
use tandem::sandbox::echo::outbound_message;
use tandem::sandbox::{EchoConfig, SandboxConfig, SandboxCredentials};

const LIMIT: u16 = 4;
const LATENCY: Duration = Duration::from_millis(50);
/// Accounts per instance; each needs several NetSuite calls (matching, then the upsert).
const ACCOUNTS: usize = 24;
/// Each instance alone could fill the account's limit twice over.
const WORKERS: u16 = 8;

/// The account as Salesforce puts it in an Outbound Message (scalar fields only).
pub fn notification_fields(record: &Value) -> Map<String, Value> {
    record
        .as_object()
        .expect("an account is an object")
        .iter()
        .filter(|(name, value)| *name != "attributes" && !value.is_object() && !value.is_array())
        .map(|(name, value)| (name.clone(), value.clone()))
        .collect()
}

/// Creates `ACCOUNTS` accounts in Salesforce and returns their Outbound Messages.
async fn new_accounts(synced: &Synced, instance: &str) -> Vec<(String, String)> {
    let org = SandboxCredentials::default().salesforce_org_id;
    let mut messages = Vec::new();
    for n in 0..ACCOUNTS {
        let created = synced
            .create_in_salesforce(
                "Account",
                json!({ "Name": format!("Shared Limit {instance} {n} Ltd") }),
            )
            .await;
        let id = field(&created, "Id")
            .as_str()
            .expect("a created id")
            .to_owned();
        let fields = notification_fields(&created);
        messages.push((id, outbound_message(&org, "Account", &fields)));
    }
    messages
}

async fn post_all(app: &TestApp, messages: &[(String, String)]) {
    for (_, message) in messages {
        let response = app.post_outbound_message("", message.clone()).await;
        assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());
    }
}

#[tokio::test]
async fn two_instances_on_one_store_never_exceed_the_accounts_netsuite_limit_and_fill_it() {
    let sandbox_config = SandboxConfig {
        netsuite_concurrency: usize::from(LIMIT),
        latency: LATENCY,
        ..SandboxConfig::default()
    };
    let limits = |config: &mut tandem::Config| {
        config.netsuite.concurrency = LIMIT;
        config.sync.workers = WORKERS;
    };
    let synced = spawn_synced_with(Backend::RabbitPostgres, sandbox_config, limits).await;
    // The second instance: the same store and broker, under work queues of its own, so each
    // instance syncs exactly the accounts posted to it (on one prefix they would share the
    // shards; see shard_balance).
    let mut backing = Backing::new(Backend::RabbitPostgres).await;
    let second = spawn_app_with(|config| {
        configure_for(config, &synced.sandbox);
        limits(config);
        backing.configure(config);
        config.store.url = synced.app.config.store.url.clone();
    })
    .await;
    // Events are posted to each instance explicitly, not echoed to one of them.
    synced.sandbox.set_echo_targets(EchoConfig::default());
    let first_accounts = new_accounts(&synced, "first").await;
    let second_accounts = new_accounts(&synced, "second").await;
    let inspect = |path: &str| format!("{}/_sandbox/{path}", synced.sandbox.netsuite_url);
    let reset = synced.http.post(inspect("reset-counters")).send().await;
    assert!(reset.unwrap().status().is_success());

    let started = Instant::now();
    tokio::join!(
        post_all(&synced.app, &first_accounts),
        post_all(&second, &second_accounts)
    );
    // Each instance's accounts are on its own queues: only that instance can sync them.
    let all: Vec<String> = first_accounts
        .iter()
        .chain(&second_accounts)
        .map(|(id, _)| id.clone())
        .collect();
    eventually("a customer for every account of both instances", || async {
        let customers = synced.netsuite_records("customer").await;
        all.iter()
            .all(|id| find(&customers, "externalId", id).is_some())
            .then_some(())
    })
    .await;
    let wall = started.elapsed();

    let counters = synced.netsuite_counters().await;
    let log: Vec<Value> = synced
        .http
        .get(inspect("requests?limit=10000"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let refused = log.iter().filter(|r| r["status"] == 429).count();
    let busy_ms: u64 = log.iter().filter_map(|r| r["duration_ms"].as_u64()).sum();
    let peak = counters["peak_in_flight"].as_u64().unwrap();
    let utilisation = busy_ms as f64 / (wall.as_millis() as f64 * f64::from(LIMIT));
    println!(
        "NetSuite across two instances: {} calls in {} ms, peak {peak} of {LIMIT} in flight, \
         utilisation {utilisation:.2}, 429s {refused} (counted {})",
        log.len(),
        wall.as_millis(),
        counters["throttled"]
    );
    assert_eq!(refused, 0, "no request was refused for concurrency");
    assert_eq!(counters["throttled"], 0);
    assert!(peak <= u64::from(LIMIT), "peak {peak} exceeds {LIMIT}");
    assert_eq!(
        peak,
        u64::from(LIMIT),
        "the burst filled the account's limit"
    );
    assert!(
        log.len() >= all.len(),
        "at least one NetSuite call per account"
    );
    drop(second);
}
