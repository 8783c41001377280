//! The load: signed NetSuite customer events, each with a version and a credit limit that name
//! it, posted by concurrent senders that behave like NetSuite's retrying SuiteScript — a 503 or
//! a dropped connection is retried with the same webhook-id until it is accepted.

use crate::world::Account;
use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::json;
use std::collections::HashSet;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tandem::ingress::standard_webhooks::SigningKey;
use tokio::sync::watch;
use tokio::time::Instant;

/// One event of the plan. `n` (from 1) is its version offset and its credit limit, so the
/// downstream value says which event wrote it.
#[derive(Debug, Clone)]
pub struct Planned {
    pub n: u64,
    /// Index into the scenario's accounts.
    pub record: usize,
    pub webhook_id: String,
    pub body: String,
}

impl Planned {
    /// The id tandem gives the event (`<source>:<webhook-id>#<index>`).
    pub fn event_id(&self) -> String {
        format!("netsuite:{}#0", self.webhook_id)
    }
}

/// Consecutive events about one record: concurrent senders post them at once, so they reach
/// tandem out of order and the older ones must be skipped as stale, never applied late.
const RUN: usize = 4;

/// `count` events over `accounts`, in runs of `RUN` per record; versions rise with `n`.
pub fn plan(tag: &str, accounts: &[Account], count: u64) -> Vec<Planned> {
    let base: DateTime<Utc> = "2026-01-01T00:00:00Z".parse().unwrap();
    (1..=count)
        .map(|n| {
            let record = (n as usize - 1) / RUN % accounts.len();
            let account = &accounts[record];
            let version = (base + chrono::Duration::milliseconds(n as i64))
                .to_rfc3339_opts(SecondsFormat::Millis, true);
            let body = json!({
                "object": "customer",
                "record_id": account.customer_id,
                "change": "updated",
                "version": version,
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
                record,
                webhook_id: format!("{tag}-{n:05}"),
                body: body.to_string(),
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
        self.accepted_at
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(Instant::now());
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

/// Where events go: each event starts at one target and moves to the next after a failure,
/// as a load balancer in front of several instances would.
pub struct Senders {
    pub targets: Vec<String>,
    pub secret: String,
    pub concurrency: usize,
    /// No event is tried after this.
    pub deadline: Instant,
}

impl Senders {
    /// Sends every planned event until accepted; returns when all were (or the deadline passed).
    pub async fn run(self, plan: Arc<Vec<Planned>>, tally: Arc<Tally>) {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(15))
            .build()
            .unwrap();
        let next = Arc::new(AtomicUsize::new(0));
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
                    this.send_until_accepted(&client, event, &tally).await;
                }
            }));
        }
        for task in tasks {
            task.await.expect("a sender panicked");
        }
    }

    async fn send_until_accepted(&self, client: &reqwest::Client, event: &Planned, tally: &Tally) {
        let key = SigningKey::parse(&self.secret).expect("the webhook secret parses");
        let mut backoff = Duration::from_millis(50);
        for attempt in 0usize.. {
            if Instant::now() >= self.deadline {
                tally.unexpected(format!("event {} never accepted", event.n));
                return;
            }
            let target = &self.targets[(event.n as usize + attempt) % self.targets.len()];
            let sent = Instant::now();
            let answer = post(client, target, &key, event).await;
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
