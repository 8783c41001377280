//! The load: signed NetSuite customer events, each with a version and a credit limit that name
//! it, and relayed Salesforce account changes, each with a version and an annual revenue that
//! name it, posted by concurrent senders that behave like NetSuite's retrying SuiteScript and a
//! retrying relay — a 503 or a dropped connection is retried with the same webhook-id until it
//! is accepted.

use crate::world::Account;
use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::json;
use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tandem::ingress::standard_webhooks::SigningKey;
use tokio::sync::watch;
use tokio::time::Instant;

/// Where an event comes from, and so its endpoint, its secret and the flow it takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Source {
    /// A NetSuite customer update (SuiteScript) → the Salesforce account's credit limit.
    Netsuite,
    /// A Salesforce account change (signed JSON relay) → the NetSuite customer's ARR.
    Salesforce,
}

impl Source {
    pub fn name(self) -> &'static str {
        match self {
            Source::Netsuite => "netsuite",
            Source::Salesforce => "salesforce",
        }
    }

    pub fn path(self) -> &'static str {
        match self {
            Source::Netsuite => "/webhooks/netsuite/events",
            Source::Salesforce => "/webhooks/salesforce/events",
        }
    }
}

/// The Standard Webhooks secrets of both endpoints.
#[derive(Debug, Clone)]
pub struct Secrets {
    pub netsuite: String,
    pub salesforce: String,
}

impl Secrets {
    fn key(&self, source: Source) -> SigningKey {
        let secret = match source {
            Source::Netsuite => &self.netsuite,
            Source::Salesforce => &self.salesforce,
        };
        SigningKey::parse(secret).expect("the webhook secret parses")
    }
}

/// One event of the plan. `n` (from 1, unique across sources) is its version offset and the
/// value it writes (a credit limit, or an annual revenue), so the downstream value says which
/// event wrote it.
#[derive(Debug, Clone)]
pub struct Planned {
    pub n: u64,
    pub source: Source,
    /// Index into the scenario's accounts (`World::accounts`, or `World::relayed` for a
    /// Salesforce event).
    pub record: usize,
    pub webhook_id: String,
    pub body: String,
}

impl Planned {
    /// The id tandem gives the event (`<source>:<webhook-id>#<index>`).
    pub fn event_id(&self) -> String {
        format!("{}:{}#0", self.source.name(), self.webhook_id)
    }
}

/// `n`'s version: later events of one record have later versions.
fn version(n: u64) -> String {
    let base: DateTime<Utc> = "2026-01-01T00:00:00Z".parse().unwrap();
    (base + chrono::Duration::milliseconds(n as i64)).to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// A person changed the customer in NetSuite: its credit limit becomes `n`.
pub fn customer_update(tag: &str, n: u64, record: usize, account: &Account) -> Planned {
    let body = json!({
        "object": "customer",
        "record_id": account.customer_id,
        "change": "updated",
        "version": version(n),
        "modified_by": "42",
        "role": "3",
        "fields": {
            "companyname": format!("Load {n}"),
            "externalid": account.account_id,
            "creditlimit": n,
        },
    });
    Planned {
        n,
        source: Source::Netsuite,
        record,
        webhook_id: format!("{tag}-{n:05}"),
        body: body.to_string(),
    }
}

/// A sales rep changed the account in Salesforce: its annual revenue becomes `n`.
pub fn account_update(tag: &str, n: u64, record: usize, pair: &Account) -> Planned {
    let body = json!({
        "object": "Account",
        "record_id": pair.account_id,
        "change": "updated",
        "version": version(n),
        "modified_by": "005000000000042AAA",
        "fields": {
            "Name": format!("Relayed {record}"),
            "AnnualRevenue": n,
            "NetSuite_Id__c": pair.customer_id,
        },
    });
    Planned {
        n,
        source: Source::Salesforce,
        record,
        webhook_id: format!("{tag}-sf-{n:05}"),
        body: body.to_string(),
    }
}

/// Consecutive events about one record: concurrent senders post them at once, so they reach
/// tandem out of order and the older ones must be skipped as stale, never applied late.
const RUN: usize = 4;

/// `count` NetSuite events over `accounts`, in runs of `RUN` per record; versions rise with `n`.
pub fn plan(tag: &str, accounts: &[Account], count: u64) -> Vec<Planned> {
    (1..=count)
        .map(|n| {
            let record = (n as usize - 1) / RUN % accounts.len();
            customer_update(tag, n, record, &accounts[record])
        })
        .collect()
}

/// `count` events alternating, a run of `RUN` at a time, between NetSuite customer updates
/// over `accounts` and relayed Salesforce account changes over `relayed`.
pub fn mixed_plan(
    tag: &str,
    accounts: &[Account],
    relayed: &[Account],
    count: u64,
) -> Vec<Planned> {
    (1..=count)
        .map(|n| {
            let run = (n as usize - 1) / RUN;
            let (flow, turn) = (run % 2, run / 2);
            if flow == 0 {
                let record = turn % accounts.len();
                customer_update(tag, n, record, &accounts[record])
            } else {
                let record = turn % relayed.len();
                account_update(tag, n, record, &relayed[record])
            }
        })
        .collect()
}

/// What the senders saw.
#[derive(Default)]
pub struct Tally {
    /// `n` of every event answered 2xx.
    pub accepted: Mutex<HashSet<u64>>,
    /// When each 2xx came, in order.
    pub accepted_at: Mutex<Vec<Instant>>,
    /// When each event was accepted, by `n`.
    pub accepted_when: Mutex<HashMap<u64, Instant>>,
    pub unavailable: AtomicU64,
    /// Connection refused, reset or timed out: the outcome is unknown, so the event is resent.
    pub unreachable: AtomicU64,
    /// Anything else (4xx, other 5xx, a 503 without the JSON error body): each fails the test.
    pub unexpected: Mutex<Vec<String>>,
    /// Slowest 503, in milliseconds.
    pub slowest_refusal_ms: AtomicU64,
    progress: Mutex<Option<watch::Sender<usize>>>,
}

impl Tally {
    pub fn new() -> (Arc<Tally>, watch::Receiver<usize>) {
        let (send, receive) = watch::channel(0);
        let tally = Tally {
            progress: Mutex::new(Some(send)),
            ..Tally::default()
        };
        (Arc::new(tally), receive)
    }

    pub fn accepted(&self) -> HashSet<u64> {
        self.accepted
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    fn accept(&self, n: u64) {
        let count = {
            let mut accepted = self.accepted.lock().unwrap_or_else(|p| p.into_inner());
            accepted.insert(n);
            accepted.len()
        };
        let now = Instant::now();
        self.accepted_at
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(now);
        self.accepted_when
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(n, now);
        if let Some(progress) = &*self.progress.lock().unwrap_or_else(|p| p.into_inner()) {
            progress.send_replace(count);
        }
    }

    /// The longest time without a 2xx between `from` and `to`, and where it began.
    pub fn longest_gap(&self, from: Instant, to: Instant) -> (Instant, Duration) {
        let times = self.accepted_at.lock().unwrap_or_else(|p| p.into_inner());
        let mut previous = from;
        let mut longest = (from, Duration::ZERO);
        for at in times.iter().copied().filter(|at| *at > from && *at < to) {
            if at - previous > longest.1 {
                longest = (previous, at - previous);
            }
            previous = at;
        }
        longest
    }

    fn unexpected(&self, what: String) {
        self.unexpected
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(what);
    }

    pub fn unexpected_answers(&self) -> Vec<String> {
        self.unexpected
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }
}

/// Waits until `count` events were accepted, failing after `within`.
pub async fn accepted_at_least(
    progress: &mut watch::Receiver<usize>,
    count: usize,
    within: Duration,
) {
    tokio::time::timeout(within, progress.wait_for(|n| *n >= count))
        .await
        .unwrap_or_else(|_| panic!("fewer than {count} events accepted within {within:?}"))
        .expect("the tally is alive");
}

/// Posts one event, signed now, the way NetSuite's SuiteScript does.
pub async fn post(
    client: &reqwest::Client,
    url: &str,
    key: &SigningKey,
    event: &Planned,
) -> reqwest::Result<reqwest::Response> {
    let timestamp = Utc::now().timestamp();
    let signature = key.sign(&event.webhook_id, timestamp, event.body.as_bytes());
    client
        .post(url)
        .header("content-type", "application/json")
        .header("webhook-id", &event.webhook_id)
        .header("webhook-timestamp", timestamp.to_string())
        .header("webhook-signature", signature)
        .body(event.body.clone())
        .send()
        .await
}

/// `burst` events of the plan every `every`: event `i` is not sent before `i / burst × every`
/// from the start. Bursts (a bulk edit, a data load) put several records' events in flight at
/// once, and a record's run of events reaches tandem out of order.
#[derive(Debug, Clone, Copy)]
pub struct Pace {
    pub burst: usize,
    pub every: Duration,
}

/// Where events go: each event starts at one target and moves to the next after a failure,
/// as a load balancer in front of several instances would.
pub struct Senders {
    /// Instances' base URLs (`http://host:port`); each event goes to its source's path.
    pub targets: Vec<String>,
    pub secrets: Secrets,
    pub concurrency: usize,
    /// No event is tried after this.
    pub deadline: Instant,
    /// A steady offered load for a run of fixed length; `None`: as fast as the senders go.
    pub pace: Option<Pace>,
}

impl Senders {
    /// Sends every planned event until accepted; returns when all were (or the deadline passed).
    pub async fn run(self, plan: Arc<Vec<Planned>>, tally: Arc<Tally>) {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(15))
            .build()
            .unwrap();
        let next = Arc::new(AtomicUsize::new(0));
        let started = Instant::now();
        let this = Arc::new(self);
        let mut tasks = Vec::new();
        for _ in 0..this.concurrency {
            let (this, plan, tally, next, client) = (
                this.clone(),
                plan.clone(),
                tally.clone(),
                next.clone(),
                client.clone(),
            );
            tasks.push(tokio::spawn(async move {
                loop {
                    let index = next.fetch_add(1, Ordering::SeqCst);
                    let Some(event) = plan.get(index) else { break };
                    if let Some(pace) = this.pace {
                        // The offered rate, not a synchronisation.
                        let due = pace.every * (index / pace.burst.max(1)) as u32;
                        tokio::time::sleep_until(started + due).await;
                    }
                    this.send_until_accepted(&client, event, &tally).await;
                }
            }));
        }
        for task in tasks {
            task.await.expect("a sender panicked");
        }
    }

    async fn send_until_accepted(&self, client: &reqwest::Client, event: &Planned, tally: &Tally) {
        let key = self.secrets.key(event.source);
        let mut backoff = Duration::from_millis(50);
        for attempt in 0usize.. {
            if Instant::now() >= self.deadline {
                tally.unexpected(format!("event {} never accepted", event.n));
                return;
            }
            let target = &self.targets[(event.n as usize + attempt) % self.targets.len()];
            let url = format!("{target}{}", event.source.path());
            let sent = Instant::now();
            let answer = post(client, &url, &key, event).await;
            match answer {
                Ok(response) if response.status().is_success() => {
                    tally.accept(event.n);
                    return;
                }
                Ok(response) if response.status() == 503 => {
                    let waited = sent.elapsed().as_millis() as u64;
                    tally.slowest_refusal_ms.fetch_max(waited, Ordering::SeqCst);
                    tally.unavailable.fetch_add(1, Ordering::SeqCst);
                    let body: serde_json::Value = response.json().await.unwrap_or_default();
                    if body["error"] != "queue_unavailable" {
                        tally.unexpected(format!("503 for event {} with body {body}", event.n));
                    }
                }
                Ok(response) => {
                    let status = response.status();
                    let text = response.text().await.unwrap_or_default();
                    tally.unexpected(format!("{status} for event {}: {text}", event.n));
                    return;
                }
                Err(_) => {
                    tally.unreachable.fetch_add(1, Ordering::SeqCst);
                }
            }
            // The sender's own retry pacing (NetSuite's would be longer), not a synchronisation.
            tokio::time::sleep(backoff).await;
            backoff = (backoff * 2).min(Duration::from_millis(400));
        }
    }
}
