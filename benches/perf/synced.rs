//! tandem syncing with the sandbox, and the way `worker` and `e2e` load it: customers created
//! in the emulated NetSuite, their events queued while the workers are off (tandem started
//! without the sandbox), then tandem restarted with the sandbox to drain them.

use crate::closed_loop::send_count;
use crate::metrics_scrape::{processed, settled};
use crate::proc_stats::CpuWindow;
use crate::requests::{MakeRequest, SECRET, Target, customer_event, signed};
use crate::sandbox_process::Sandbox;
use crate::tandem_process::{Backend, Spec, Tandem};
use crate::{Bench, topology_cleanup};
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tandem::ingress::standard_webhooks::SigningKey;

/// How long a drain may take before the bench gives up on it.
const DRAIN_DEADLINE: Duration = Duration::from_secs(300);

pub struct Synced {
    pub backend: Backend,
    pub sandbox: Sandbox,
    /// Running with the sandbox (workers on), once a drain has run.
    pub tandem: Option<Tandem>,
    dir: tempfile::TempDir,
    prefix: String,
    amqp: String,
    /// NetSuite customer ids, and the Salesforce Account each is linked to once created.
    pub customers: Vec<String>,
    pub accounts: HashMap<String, String>,
    /// Delivery ids already used.
    sent: u64,
    pub peak_rss_kib: u64,
}

/// What draining a pre-loaded queue took.
#[derive(Debug, Clone)]
pub struct Drain {
    pub events: u64,
    pub per_second: f64,
    pub tandem_us_per_event: f64,
    pub outcomes: BTreeMap<String, f64>,
}

impl Drain {
    pub fn to_json(&self) -> Value {
        json!({ "events": self.events, "per_second": self.per_second,
                "tandem_cpu_us_per_event": self.tandem_us_per_event, "outcomes": self.outcomes })
    }
}

/// A NetSuite customer event with `fields` for customer `id`.
pub fn event(id: &str, change: &str, fields: Value) -> String {
    let Value::Object(fields) = fields else {
        unreachable!("fields are a JSON object")
    };
    customer_event(id, change, fields)
}

/// The fields of a customer's creation: a unique name, a credit limit.
pub fn created(index: usize) -> Value {
    json!({ "companyname": format!("Benchco{index} Ltd"), "creditlimit": 1000 })
}

/// An update tandem must write: a credit limit never sent before for this customer.
pub fn credit_limit(limit: u64) -> Value {
    json!({ "creditlimit": limit })
}

impl Synced {
    /// A sandbox with `count` customers, and tandem's files (no tandem running yet).
    pub async fn new(bench: &mut Bench, backend: Backend, count: usize) -> Synced {
        let sandbox = Sandbox::start().await;
        let customers = sandbox.create_customers(count).await;
        Synced {
            backend,
            sandbox,
            tandem: None,
            dir: tempfile::tempdir().expect("a temporary directory"),
            prefix: bench.prefix(),
            amqp: bench.amqp.clone(),
            customers,
            accounts: HashMap::new(),
            sent: 0,
            peak_rss_kib: 0,
        }
    }

    async fn start(&self, with_sandbox: bool) -> Tandem {
        let urls = self.sandbox.urls();
        let spec = Spec {
            backend: self.backend,
            amqp_url: &self.amqp,
            prefix: &self.prefix,
            dir: self.dir.path(),
            sandbox: with_sandbox.then_some(&urls),
        };
        Tandem::start(&spec).await
    }

    async fn stop(&mut self) {
        if let Some(tandem) = self.tandem.take() {
            self.peak_rss_kib = self.peak_rss_kib.max(tandem.stop().await);
        }
    }

    /// Signed requests for these bodies, each with a delivery id of its own.
    pub fn maker(&mut self, base_url: &str, bodies: Arc<Vec<String>>) -> MakeRequest {
        let url = Target::new(base_url, "/webhooks/netsuite/events");
        let key = SigningKey::parse(SECRET).expect("the bench secret");
        let first = self.sent;
        self.sent += bodies.len() as u64;
        Arc::new(move |n| {
            let body = bodies[(n as usize) % bodies.len()].clone();
            signed(&key, &url, &format!("synced_{}", first + n), body)
        })
    }

    /// Queues `bodies` with the workers off, then restarts tandem with them on and waits until
    /// tandem's metrics count them all settled.
    pub async fn preload_and_drain(&mut self, bodies: Vec<String>) -> Drain {
        self.stop().await;
        let loader = self.start(false).await;
        let count = bodies.len() as u64;
        let make = self.maker(&loader.base_url, Arc::new(bodies));
        let address = loader
            .base_url
            .trim_start_matches("http://")
            .parse()
            .expect("an address");
        let loaded = send_count(address, make, count, 16).await;
        assert_eq!(
            loaded.ok.len() as u64,
            count,
            "pre-load: {}",
            loaded.errors()
        );
        self.peak_rss_kib = self.peak_rss_kib.max(loader.stop().await);

        let tandem = self.start(true).await;
        let http = reqwest::Client::new();
        let cpu = CpuWindow::start(Some(tandem.pid()));
        let at_start = settled(&processed(&http, &tandem.base_url).await);
        let deadline = Instant::now() + DRAIN_DEADLINE;
        let outcomes = loop {
            let outcomes = processed(&http, &tandem.base_url).await;
            if settled(&outcomes) >= count as f64 {
                break outcomes;
            }
            assert!(
                Instant::now() < deadline,
                "drain not done in {DRAIN_DEADLINE:?}: {outcomes:?}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        };
        let used = cpu.finish();
        self.tandem = Some(tandem);
        let drained = count as f64 - at_start;
        Drain {
            events: count,
            per_second: drained / used.seconds,
            tandem_us_per_event: used.tandem * 1e6 / drained.max(1.0),
            outcomes,
        }
    }

    /// Creates an Account for every customer (the create flow), and remembers the links.
    pub async fn link_all(&mut self) -> Drain {
        let bodies = (0..self.customers.len())
            .map(|i| event(&self.customers[i], "created", created(i)))
            .collect();
        let drain = self.preload_and_drain(bodies).await;
        self.accounts = self.sandbox.accounts_by_customer().await;
        drain
    }

    /// Stops tandem and deletes what it declared on the broker.
    pub async fn finish(mut self) -> u64 {
        self.stop().await;
        if self.backend == Backend::Rabbitmq {
            topology_cleanup::delete(&self.amqp, &self.prefix).await;
        }
        self.peak_rss_kib
    }
}
