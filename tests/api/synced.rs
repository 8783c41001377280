//! tandem wired to a running sandbox (both emulated APIs, echoes on), on the embedded queue and
//! SQLite or on RabbitMQ and PostgreSQL, and ways to wait for the sandbox to hold what a flow
//! should have written.

mod backend;

use crate::helpers::{TestApp, spawn_app_with};
pub use backend::{Backend, Backing};
use serde_json::Value;
use std::future::Future;
use std::time::Duration;
use tandem::Config;
use tandem::sandbox::{EchoConfig, Sandbox, SandboxConfig, SandboxCredentials};

/// Runs a flow, an `async fn(Backend)`, as two tests in a module named after it:
/// `<flow>::on_the_embedded_queue_and_sqlite` and `<flow>::on_rabbitmq_and_postgresql`.
macro_rules! on_both_backends {
    ($flow:ident) => {
        mod $flow {
            #[tokio::test]
            async fn on_the_embedded_queue_and_sqlite() {
                super::$flow($crate::synced::Backend::Embedded).await
            }

            #[tokio::test]
            async fn on_rabbitmq_and_postgresql() {
                super::$flow($crate::synced::Backend::RabbitPostgres).await
            }
        }
    };
}
pub(crate) use on_both_backends;

pub struct Synced {
    pub app: TestApp,
    pub sandbox: Sandbox,
    pub http: reqwest::Client,
    /// The test's broker objects and schema; last, so that they go after the app.
    pub backing: Backing,
}

/// Points a config at the sandbox with its default credentials, with short timings for tests.
pub fn configure_for(config: &mut Config, sandbox: &Sandbox) {
    tandem::sandbox::tandem_config::configure(config, sandbox, &SandboxCredentials::default());
    config.sync.coalesce_window = Duration::from_millis(300);
    config.sync.workers = 4;
}

/// tandem on `backend`, wired to a fresh sandbox.
pub async fn spawn_synced_on(backend: Backend) -> Synced {
    spawn_synced_with(backend, SandboxConfig::default(), |_| {}).await
}

/// `adjust` sees the config after the sandbox's settings and before the backend's.
pub async fn spawn_synced_with(
    backend: Backend,
    sandbox_config: SandboxConfig,
    adjust: impl FnOnce(&mut Config),
) -> Synced {
    let sandbox = Sandbox::start(sandbox_config)
        .await
        .expect("sandbox starts");
    let mut backing = Backing::new(backend).await;
    let app = spawn_app_with(|config| {
        configure_for(config, &sandbox);
        adjust(config);
        backing.configure(config);
    })
    .await;
    backing.assert_isolated().await;
    let synced = Synced {
        app,
        sandbox,
        http: reqwest::Client::new(),
        backing,
    };
    synced.resume_echoes();
    synced
}

/// The API calls a sandbox's counters record, token requests left out.
pub fn api_calls(counters: &Value) -> u64 {
    counters["operations"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(operation, _)| operation.as_str() != "token")
        .map(|(_, count)| count.as_u64().unwrap())
        .sum()
}

/// Polls `check` until it yields `Some`, for up to 30 seconds.
pub async fn eventually<T, F, Fut>(what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

impl Synced {
    async fn get_json(&self, url: String) -> Value {
        let response = self.http.get(&url).send().await.unwrap();
        assert!(
            response.status().is_success(),
            "{url}: {}",
            response.status()
        );
        response.json().await.unwrap()
    }

    pub async fn salesforce_records(&self, object: &str) -> Vec<Value> {
        let value = self
            .get_json(format!(
                "{}/_sandbox/records/{object}",
                self.sandbox.salesforce_url
            ))
            .await;
        value
            .as_array()
            .cloned()
            .or_else(|| value["records"].as_array().cloned())
            .unwrap_or_default()
    }

    pub async fn netsuite_records(&self, record_type: &str) -> Vec<Value> {
        let value = self
            .get_json(format!(
                "{}/_sandbox/records/{record_type}",
                self.sandbox.netsuite_url
            ))
            .await;
        value
            .as_array()
            .cloned()
            .or_else(|| value["items"].as_array().cloned())
            .unwrap_or_default()
    }

    pub async fn salesforce_counters(&self) -> Value {
        self.get_json(format!("{}/_sandbox/counters", self.sandbox.salesforce_url))
            .await
    }

    pub async fn netsuite_counters(&self) -> Value {
        self.get_json(format!("{}/_sandbox/counters", self.sandbox.netsuite_url))
            .await
    }

    /// A human edit in the Salesforce UI (echoed to tandem as an Outbound Message).
    pub async fn edit_in_salesforce(&self, object: &str, id: &str, fields: Value) -> Value {
        let base = &self.sandbox.salesforce_url;
        self.send_json(
            self.http
                .patch(format!("{base}/_sandbox/records/{object}/{id}")),
            &fields,
        )
        .await
    }

    /// A human edit in the NetSuite UI (echoed to tandem as a signed event).
    pub async fn edit_in_netsuite(&self, record_type: &str, id: &str, fields: Value) -> Value {
        let base = &self.sandbox.netsuite_url;
        self.send_json(
            self.http
                .patch(format!("{base}/_sandbox/records/{record_type}/{id}")),
            &fields,
        )
        .await
    }

    /// The history tandem keeps for one record, newest first, as `action: detail` lines.
    pub async fn history(&self, record_key: &str) -> Vec<String> {
        self.app
            .store
            .history(record_key, 50)
            .await
            .unwrap()
            .into_iter()
            .map(|entry| format!("{}: {}", entry.action, entry.detail))
            .collect()
    }

    /// Waits until a record's history holds an entry whose action is `action`.
    pub async fn wait_for_history(&self, record_key: &str, action: &str) -> Vec<String> {
        let prefix = format!("{action}:");
        eventually(
            &format!("{action} in the history of {record_key}"),
            || async {
                let history = self.history(record_key).await;
                history
                    .iter()
                    .any(|line| line.starts_with(&prefix))
                    .then_some(history)
            },
        )
        .await
    }

    /// Waits until the history of `record_key` holds more than `seen` entries of `action`
    /// (count them first with [`Synced::history_count`]): an entry that a new event adds,
    /// not one an earlier event left.
    pub async fn wait_for_another(&self, record_key: &str, action: &str, seen: usize) {
        eventually(
            &format!("another {action} in the history of {record_key}"),
            || async { (self.history_count(record_key, action).await > seen).then_some(()) },
        )
        .await;
    }

    /// How many entries of `action` the history of `record_key` holds.
    pub async fn history_count(&self, record_key: &str, action: &str) -> usize {
        let prefix = format!("{action}:");
        let history = self.history(record_key).await;
        history
            .iter()
            .filter(|line| line.starts_with(&prefix))
            .count()
    }

    /// The id of the first Salesforce record whose `name` field equals `value`.
    pub async fn salesforce_id(&self, object: &str, name: &str, value: &str) -> String {
        let records = self.salesforce_records(object).await;
        let record = find(&records, name, value)
            .unwrap_or_else(|| panic!("no {object} with {name} = {value}"));
        field(record, "Id").as_str().unwrap().to_owned()
    }

    /// Waits until the queue reads empty twice in a row. Once is not enough: on RabbitMQ the
    /// depth adds up counts read one after another (work queues, retry tiers, then what the
    /// instance holds), so an event moving between them can be missed by one reading; and an
    /// echo of the last write may still be on its way from the sandbox.
    pub async fn settled(&self) {
        let empty_readings = std::cell::Cell::new(0);
        eventually("the queue to drain", || async {
            let empty = self.app.queue.depth().await.unwrap().total == 0;
            empty_readings.set(if empty { empty_readings.get() + 1 } else { 0 });
            (empty_readings.get() >= 2).then_some(())
        })
        .await;
    }
}

pub fn field<'a>(record: &'a Value, name: &str) -> &'a Value {
    record
        .as_object()
        .and_then(|fields| {
            fields
                .iter()
                .find(|(key, _)| key.eq_ignore_ascii_case(name))
                .map(|(_, v)| v)
        })
        .unwrap_or(&Value::Null)
}

pub fn find<'a>(records: &'a [Value], name: &str, value: &str) -> Option<&'a Value> {
    records
        .iter()
        .find(|record| field(record, name).as_str() == Some(value))
}

impl Synced {
    async fn post_json(&self, url: String, body: &Value) -> Value {
        self.send_json(self.http.post(url), body).await
    }

    /// Sends `body`, insists on a 2xx, and returns the answer's JSON (null when empty).
    async fn send_json(&self, request: reqwest::RequestBuilder, body: &Value) -> Value {
        let response = request.json(body).send().await.unwrap();
        let url = response.url().to_string();
        assert!(
            response.status().is_success(),
            "{url}: {} {}",
            response.status(),
            response.text().await.unwrap()
        );
        response.json().await.unwrap_or(Value::Null)
    }

    /// One Salesforce record as the sandbox holds it.
    pub async fn salesforce_record(&self, object: &str, id: &str) -> Value {
        self.get_json(format!(
            "{}/_sandbox/records/{object}/{id}",
            self.sandbox.salesforce_url
        ))
        .await
    }

    /// One NetSuite record as the sandbox holds it (sublists expanded).
    pub async fn netsuite_record(&self, record_type: &str, id: &str) -> Value {
        self.get_json(format!(
            "{}/_sandbox/records/{record_type}/{id}",
            self.sandbox.netsuite_url
        ))
        .await
    }

    /// A person creates a record in the Salesforce UI (echoed to tandem as an Outbound Message).
    pub async fn create_in_salesforce(&self, object: &str, fields: Value) -> Value {
        self.post_json(
            format!("{}/_sandbox/records/{object}", self.sandbox.salesforce_url),
            &fields,
        )
        .await
    }

    /// A person creates a record in the NetSuite UI (echoed to tandem as a signed event).
    pub async fn create_in_netsuite(&self, record_type: &str, fields: Value) -> Value {
        self.post_json(
            format!(
                "{}/_sandbox/records/{record_type}",
                self.sandbox.netsuite_url
            ),
            &fields,
        )
        .await
    }

    /// Makes the emulated NetSuite misbehave (`{"kind":"status","status":503,"count":3}`…).
    pub async fn inject_netsuite_faults(&self, plan: Value) {
        self.post_json(
            format!("{}/_sandbox/faults", self.sandbox.netsuite_url),
            &plan,
        )
        .await;
    }

    pub async fn reset_salesforce_counters(&self) {
        self.post_json(
            format!("{}/_sandbox/reset-counters", self.sandbox.salesforce_url),
            &Value::Null,
        )
        .await;
    }

    /// Signs `body` as NetSuite's SuiteScript would and posts it to tandem's NetSuite webhook.
    pub async fn post_netsuite_events(&self, webhook_id: &str, body: &Value) {
        let secret = SandboxCredentials::default().netsuite_webhook_secret;
        let response = crate::helpers::post_signed_to(
            &self.http,
            &self.app.url("/webhooks/netsuite/events"),
            &secret,
            webhook_id,
            &body.to_string(),
        )
        .await
        .unwrap();
        assert_eq!(
            response.status(),
            reqwest::StatusCode::ACCEPTED,
            "{}",
            response.text().await.unwrap()
        );
    }

    /// The sandbox stops posting its changes to tandem (an org before tandem was set up).
    pub fn pause_echoes(&self) {
        self.sandbox.set_echo_targets(EchoConfig::default());
    }

    /// The sandbox posts its changes to tandem, as orgs configured for it do.
    pub fn resume_echoes(&self) {
        self.sandbox.set_echo_targets(EchoConfig {
            netsuite_events_url: Some(self.app.url("/webhooks/netsuite/events")),
            salesforce_outbound_url: Some(self.app.url("/webhooks/salesforce/outbound-message")),
        });
    }

    /// Posts `rounds` batches of `inventorylevel` events, one per item and round: item `i`
    /// reads `round * 1000 + i` in round `round`, each version newer than the last.
    pub async fn post_quantity_rounds(&self, items: &[String], rounds: usize) {
        let start = chrono::Utc::now();
        for round in 0..rounds {
            let events: Vec<Value> = items
                .iter()
                .enumerate()
                .map(|(i, item)| {
                    let step = (round * items.len() + i) as i64;
                    let version = start + chrono::Duration::milliseconds(step);
                    serde_json::json!({
                        "object": "inventorylevel",
                        "record_id": item,
                        "change": "updated",
                        "version": version.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
                        "fields": { "quantityavailable": round * 1000 + i },
                    })
                })
                .collect();
            let body = serde_json::json!({ "events": events });
            self.post_netsuite_events(&format!("msg_levels_{round}"), &body)
                .await;
        }
    }
}

/// The quantity item `i` ends at after [`Synced::post_quantity_rounds`].
pub fn last_quantity(rounds: usize, i: usize) -> f64 {
    ((rounds - 1) * 1000 + i) as f64
}
