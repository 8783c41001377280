//! Several real `tandem` binaries on one broker prefix and one PostgreSQL store share the work
//! queues' shards: each consumes its share, a new instance takes half within seconds, and the
//! shards of an instance killed with `kill -9` go to the survivor, every event applied once.

use crate::helpers::{RunningBinary, sandbox_config_toml};
use crate::shared_netsuite_limit::notification_fields;
use crate::synced::{Backend, Backing, field, find};
use serde_json::{Value, json};
use std::collections::{HashMap, HashSet};
use std::time::Duration;
use tandem::sandbox::echo::outbound_message;
use tandem::sandbox::{Sandbox, SandboxConfig, SandboxCredentials};
use tokio::time::Instant;

const SHARDS: u16 = 8;
/// Accounts synced while both instances run, then again while one of them is killed. (Each
/// account's sync takes longer the more customers the sandbox holds: a few hundred take
/// minutes on a small machine.)
const ACCOUNTS: usize = 60;
/// Rebalancing is meant to take at most 5 s; the assertions leave room for a loaded machine.
const REBALANCE_LIMIT: Duration = Duration::from_secs(8);

/// A sandbox, the test's broker objects and schema, and the environment that points tandem
/// binaries at them.
struct Cluster {
    sandbox: Sandbox,
    http: reqwest::Client,
    env: Vec<(String, String)>,
    store_url: String,
    dirs: Vec<tempfile::TempDir>,
    /// Last, so that the broker objects and schema go after the binaries.
    _backing: Backing,
}

impl Cluster {
    async fn new() -> Cluster {
        let sandbox = Sandbox::start(SandboxConfig {
            // Slow enough that events are still being applied when an instance is killed.
            latency: Duration::from_millis(5),
            ..SandboxConfig::default()
        })
        .await
        .expect("sandbox starts");
        let mut backing = Backing::new(Backend::RabbitPostgres).await;
        let env = backing.binary_env(SHARDS);
        let store_url = env
            .iter()
            .find(|(key, _)| key == "TANDEM_STORE__URL")
            .map(|(_, url)| url.clone())
            .expect("a store url");
        Cluster {
            sandbox,
            http: reqwest::Client::new(),
            env,
            store_url,
            dirs: Vec::new(),
            _backing: backing,
        }
    }

    /// A `tandem serve` binary on the cluster's broker prefix and store.
    async fn start(&mut self) -> RunningBinary {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tandem.toml");
        let text = format!(
            "[server]\nlisten = \"127.0.0.1:0\"\nshutdown_grace = \"20s\"\n\n[sync]\nworkers = 4\n\n{}",
            sandbox_config_toml(
                dir.path(),
                &self.sandbox.salesforce_url,
                &self.sandbox.netsuite_url
            )
        );
        std::fs::write(&path, text).unwrap();
        let env: Vec<(&str, &str)> = self
            .env
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let binary = RunningBinary::start(&path, &env).await;
        self.dirs.push(dir);
        binary
    }

    /// Creates accounts in Salesforce; their ids and Outbound Messages.
    async fn new_accounts(&self, tag: &str, count: usize) -> Vec<(String, String)> {
        let org = SandboxCredentials::default().salesforce_org_id;
        let url = format!("{}/_sandbox/records/Account", self.sandbox.salesforce_url);
        let mut accounts = Vec::new();
        for n in 0..count {
            let body = json!({ "Name": format!("Shard Balance {tag} {n} Ltd") });
            let response = self.http.post(&url).json(&body).send().await.unwrap();
            assert!(response.status().is_success(), "{}", response.status());
            let created: Value = response.json().await.unwrap();
            let id = field(&created, "Id").as_str().unwrap().to_owned();
            let message = outbound_message(&org, "Account", &notification_fields(&created));
            accounts.push((id, message));
        }
        accounts
    }

    /// Whether NetSuite holds a customer for every account within `within`.
    async fn customers_for(&self, ids: &[String], within: Duration) -> bool {
        let deadline = Instant::now() + within;
        loop {
            let customers = self.customers().await;
            let missing = ids
                .iter()
                .filter(|id| find(&customers, "externalId", id).is_none())
                .count();
            if missing == 0 {
                return true;
            }
            if Instant::now() >= deadline {
                eprintln!("{missing} accounts have no customer");
                return false;
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    }

    async fn customers(&self) -> Vec<Value> {
        let url = format!("{}/_sandbox/records/customer", self.sandbox.netsuite_url);
        let value: Value = self
            .http
            .get(url)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        value
            .as_array()
            .cloned()
            .or_else(|| value["items"].as_array().cloned())
            .unwrap_or_default()
    }

    /// Every account has exactly one customer in NetSuite and exactly one finished event in
    /// the shared store's history.
    async fn assert_each_applied_once(&self, ids: &[String]) {
        let customers = self.customers().await;
        let mut per_account: HashMap<&str, usize> = HashMap::new();
        for customer in &customers {
            if let Some(id) = field(customer, "externalId").as_str() {
                *per_account.entry(id).or_default() += 1;
            }
        }
        let store = tandem::store::open(&self.store_url).await.unwrap();
        for id in ids {
            assert_eq!(per_account.get(id.as_str()), Some(&1), "customers of {id}");
            let history = store
                .history_of_id(tandem::domain::System::Salesforce, id, 10)
                .await
                .unwrap();
            assert_eq!(history.len(), 1, "history of {id}: {history:?}");
        }
    }
}

/// Posts each Outbound Message to `url`, insisting on 200.
async fn post_all(http: &reqwest::Client, url: String, accounts: &[(String, String)]) {
    for (_, message) in accounts {
        let response = http
            .post(&url)
            .header("content-type", "text/xml; charset=utf-8")
            .header("soapaction", "\"\"")
            .body(message.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());
    }
}

fn outbound_url(binary: &RunningBinary) -> String {
    binary.url("/webhooks/salesforce/outbound-message")
}

/// The `tandem_queue_shards_owned` gauge of a binary (`None` before it is set).
async fn owned(binary: &RunningBinary, http: &reqwest::Client) -> Option<u64> {
    let text = binary.metrics(http).await;
    text.lines()
        .find_map(|line| line.strip_prefix("tandem_queue_shards_owned "))
        .and_then(|value| value.trim().parse::<f64>().ok())
        .map(|value| value as u64)
}

/// Polls until the binaries own these many shards each; how long that took.
async fn wait_for_split(
    binaries: &[&RunningBinary],
    http: &reqwest::Client,
    want: &[u64],
) -> Duration {
    let started = Instant::now();
    loop {
        let mut now = Vec::new();
        for binary in binaries {
            now.push(owned(binary, http).await.unwrap_or(0));
        }
        if now == want {
            return started.elapsed();
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "shards owned {now:?}, want {want:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A binary's log lines above INFO, and those about shards.
fn warnings(binary: &RunningBinary) -> Vec<String> {
    binary
        .every_log_line()
        .iter()
        .filter(|l| {
            log_field(l, "level").is_some_and(|level| level != "INFO")
                || log_field(l, "message")
                    .is_some_and(|m| m.contains("shard") || m.contains("RabbitMQ"))
        })
        .map(Value::to_string)
        .collect()
}

/// A log line's field, wherever the JSON format put it.
fn log_field<'a>(line: &'a Value, name: &str) -> Option<&'a str> {
    line.get(name)
        .or_else(|| line.get("fields").and_then(|f| f.get(name)))
        .and_then(Value::as_str)
}

/// The Salesforce ids of the accounts a binary logged as applied.
fn applied_accounts(binary: &RunningBinary) -> Vec<String> {
    binary
        .every_log_line()
        .iter()
        .filter(|line| log_field(line, "message") == Some("applied event"))
        .filter(|line| log_field(line, "source_object") == Some("Account"))
        .filter_map(|line| log_field(line, "source_id").map(str::to_owned))
        .collect()
}

/// How many of `ids` each binary applied; fails if one was applied by both or twice.
fn shares(binaries: &[&RunningBinary], ids: &[String]) -> Vec<usize> {
    let wanted: HashSet<&str> = ids.iter().map(String::as_str).collect();
    let mut seen: HashSet<String> = HashSet::new();
    let mut counts = Vec::new();
    for binary in binaries {
        let mut count = 0;
        for id in applied_accounts(binary) {
            if wanted.contains(id.as_str()) {
                assert!(seen.insert(id.clone()), "{id} applied twice");
                count += 1;
            }
        }
        counts.push(count);
    }
    counts
}

// Several threads: the sandbox answers both binaries from this test's runtime.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_split_the_shards_and_the_survivor_of_a_kill_9_applies_everything_once() {
    let mut cluster = Cluster::new().await;
    let http = cluster.http.clone();
    let first = cluster.start().await;
    let mut second = cluster.start().await;
    wait_for_split(&[&first, &second], &http, &[4, 4]).await;

    // Both running: each applies the events of its own shards.
    let accounts = cluster.new_accounts("both", ACCOUNTS).await;
    let (half_a, half_b) = accounts.split_at(ACCOUNTS / 2);
    tokio::join!(
        post_all(&http, outbound_url(&first), half_a),
        post_all(&http, outbound_url(&second), half_b)
    );
    let ids: Vec<String> = accounts.iter().map(|(id, _)| id.clone()).collect();
    if !cluster.customers_for(&ids, Duration::from_secs(60)).await {
        panic!(
            "not every account was synced; applied {:?}; warnings: {:#?} {:#?}",
            (
                applied_accounts(&first).len(),
                applied_accounts(&second).len()
            ),
            warnings(&first),
            warnings(&second)
        );
    }
    let split = shares(&[&first, &second], &ids);
    println!("{ACCOUNTS} accounts on two instances: applied {split:?}");
    assert!(
        split.iter().all(|n| *n > 0),
        "each applied a share: {split:?}"
    );
    assert_eq!(split.iter().sum::<usize>(), ACCOUNTS, "{split:?}");
    cluster.assert_each_applied_once(&ids).await;

    // Kill -9 the first while the next batch flows; the second takes every shard over.
    let more = cluster.new_accounts("kill", ACCOUNTS).await;
    let more_ids: Vec<String> = more.iter().map(|(id, _)| id.clone()).collect();
    let posting = tokio::spawn({
        let (http, url, more) = (http.clone(), outbound_url(&second), more.clone());
        async move { post_all(&http, url, &more).await }
    });
    let mut first = first;
    let deadline = Instant::now() + Duration::from_secs(30);
    while shares(&[&first], &more_ids)[0] < 5 {
        assert!(
            Instant::now() < deadline,
            "the first instance applies none of the batch"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    first.child.kill().await.unwrap(); // SIGKILL: no shutdown, the membership row stays
    let killed = Instant::now();
    let before_kill = shares(&[&first], &more_ids)[0];
    wait_for_split(&[&second], &http, &[u64::from(SHARDS)]).await;
    let taken_over = killed.elapsed();
    posting.await.unwrap();
    if !cluster
        .customers_for(&more_ids, Duration::from_secs(90))
        .await
    {
        panic!(
            "not every account was synced; the survivor warned: {:#?}",
            warnings(&second)
        );
    }
    let split = shares(&[&first, &second], &more_ids);
    println!(
        "kill -9 once the first had applied {before_kill} of {ACCOUNTS}: the second owned all \
         {SHARDS} shards {} ms later; applied per instance {split:?}",
        taken_over.as_millis()
    );
    assert!(taken_over < REBALANCE_LIMIT, "took {taken_over:?}");
    assert!(split[1] > 0, "the survivor applied the rest: {split:?}");
    cluster.assert_each_applied_once(&more_ids).await;
    let _ = second.child.kill().await;
}

#[tokio::test]
async fn a_second_instance_takes_half_the_shards_within_seconds_and_all_return_when_it_stops() {
    let mut cluster = Cluster::new().await;
    let http = cluster.http.clone();
    let first = cluster.start().await;
    wait_for_split(&[&first], &http, &[u64::from(SHARDS)]).await;

    let mut second = cluster.start().await;
    let joined = wait_for_split(&[&first, &second], &http, &[4, 4]).await;
    println!(
        "a second instance owned half the shards {} ms after it listened",
        joined.as_millis()
    );
    assert!(joined < REBALANCE_LIMIT, "took {joined:?}");

    // A graceful stop deletes the membership row: no waiting for it to age out.
    let pid = second.child.id().unwrap();
    let status = std::process::Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let left = wait_for_split(&[&first], &http, &[u64::from(SHARDS)]).await;
    println!(
        "the first owned every shard again {} ms after the second was told to stop",
        left.as_millis()
    );
    assert!(left < REBALANCE_LIMIT, "took {left:?}");
    let exit = tokio::time::timeout(Duration::from_secs(30), second.child.wait())
        .await
        .expect("the second exits")
        .unwrap();
    assert!(exit.success(), "{exit:?}");
    let lines = second.every_log_line();
    assert!(
        lines
            .iter()
            .any(|l| log_field(l, "message") == Some("left the RabbitMQ consumers")),
        "the second deregistered"
    );
}
