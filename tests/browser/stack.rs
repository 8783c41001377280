//! The parts an operator's day needs, as users run them: `tandem sandbox` posting every record
//! change to tandem (the orgs' Outbound Messages and SuiteScript), and `tandem serve` with an
//! admin token, syncing against it; with the sandbox calls a test makes.

use crate::chrome::{free_port, poll};
use crate::helpers::{RunningBinary, sandbox_config_toml};
use crate::sandbox_binary::SandboxBinary;
use serde_json::{Value, json};
use std::time::Duration;

pub const ADMIN_TOKEN: &str = "ops-page-admin-token-3f9c1e";

pub struct Stack {
    pub tandem: RunningBinary,
    pub salesforce: String,
    pub netsuite: String,
    pub http: reqwest::Client,
    _sandbox: SandboxBinary,
    _dir: tempfile::TempDir,
}

impl Stack {
    /// tandem on a port chosen first, so that the sandbox can be told where to post changes.
    pub async fn start() -> Stack {
        Self::start_with("").await
    }

    /// As [`Stack::start`], with `sections` (TOML) added to tandem's config.
    pub async fn start_with(sections: &str) -> Stack {
        let port = free_port();
        let sandbox = start_sandbox(port).await;
        let (salesforce, netsuite) = (sandbox.salesforce.clone(), sandbox.netsuite.clone());
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("tandem.toml");
        let text = format!(
            "[server]\nlisten = \"127.0.0.1:{port}\"\nadmin_token = \"{ADMIN_TOKEN}\"\n\
             log_level = \"debug\"\n\n[sync]\nretry_schedule = [\"100ms\"]\nworkers = 4\n\n{sections}\n{}",
            sandbox_config_toml(dir.path(), &salesforce, &netsuite)
        );
        std::fs::write(&config, text).unwrap();
        let tandem = RunningBinary::start(&config, &[]).await;
        Stack {
            tandem,
            salesforce,
            netsuite,
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(30))
                .build()
                .unwrap(),
            _sandbox: sandbox,
            _dir: dir,
        }
    }

    /// Logs `browser` in through the form on `/ops/login` and waits for the overview.
    pub async fn log_in(&self, browser: &crate::chrome::Browser) {
        browser
            .find("#token")
            .await
            .send_keys(ADMIN_TOKEN)
            .await
            .unwrap();
        browser.click("#login").await;
        browser.wait_for_text("h1", "Overview").await;
    }

    pub fn url(&self, path: &str) -> String {
        self.tandem.url(path)
    }

    async fn sandbox_call(
        &self,
        method: reqwest::Method,
        url: String,
        body: Option<Value>,
    ) -> Value {
        let mut request = self.http.request(method, &url);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let answer = request.send().await.unwrap();
        assert!(answer.status().is_success(), "{url}: {}", answer.status());
        answer.json().await.unwrap_or(Value::Null)
    }

    /// Every NetSuite API call answers 503 until [`Stack::clear_netsuite_fault`].
    pub async fn break_netsuite(&self) {
        let url = format!("{}/_sandbox/faults", self.netsuite);
        let plan = json!({ "kind": "status", "status": 503 });
        self.sandbox_call(reqwest::Method::POST, url, Some(plan))
            .await;
    }

    pub async fn clear_netsuite_fault(&self) {
        let url = format!("{}/_sandbox/faults", self.netsuite);
        self.sandbox_call(reqwest::Method::DELETE, url, None).await;
    }

    /// A person creates a record in Salesforce's UI (echoed to tandem); its id.
    pub async fn create_in_salesforce(&self, object: &str, fields: Value) -> String {
        let url = format!("{}/_sandbox/records/{object}", self.salesforce);
        let record = self
            .sandbox_call(reqwest::Method::POST, url, Some(fields))
            .await;
        id_of(&record)
    }

    /// A person creates a record in NetSuite's UI (echoed to tandem); its id.
    pub async fn create_in_netsuite(&self, record_type: &str, fields: Value) -> String {
        let url = format!("{}/_sandbox/records/{record_type}", self.netsuite);
        let record = self
            .sandbox_call(reqwest::Method::POST, url, Some(fields))
            .await;
        id_of(&record)
    }

    pub async fn salesforce_record(&self, object: &str, id: &str) -> Value {
        let url = format!("{}/_sandbox/records/{object}/{id}", self.salesforce);
        self.sandbox_call(reqwest::Method::GET, url, None).await
    }

    pub async fn netsuite_record(&self, record_type: &str, id: &str) -> Value {
        let url = format!("{}/_sandbox/records/{record_type}/{id}", self.netsuite);
        self.sandbox_call(reqwest::Method::GET, url, None).await
    }

    pub async fn netsuite_records(&self, record_type: &str) -> Vec<Value> {
        let url = format!("{}/_sandbox/records/{record_type}", self.netsuite);
        let value = self.sandbox_call(reqwest::Method::GET, url, None).await;
        value
            .as_array()
            .cloned()
            .or_else(|| value["items"].as_array().cloned())
            .unwrap_or_default()
    }

    /// Waits until a NetSuite customer carries `external_id` (the Salesforce account's id).
    pub async fn customer_of_account(&self, account_id: &str) -> Value {
        poll(
            &format!("a NetSuite customer for account {account_id}"),
            || async {
                let customers = self.netsuite_records("customer").await;
                customers
                    .into_iter()
                    .find(|customer| field(customer, "externalId") == account_id)
            },
        )
        .await
    }
}

/// A record's field by name, in any case (`Id`, `id`, `externalId`).
pub fn field<'a>(record: &'a Value, name: &str) -> &'a Value {
    record
        .as_object()
        .and_then(|fields| {
            fields
                .iter()
                .find(|(key, _)| key.eq_ignore_ascii_case(name))
                .map(|(_, value)| value)
        })
        .unwrap_or(&Value::Null)
}

fn id_of(record: &Value) -> String {
    match field(record, "id") {
        Value::String(id) => id.clone(),
        Value::Number(id) => id.to_string(),
        other => panic!("a created record without an id: {other} in {record}"),
    }
}

/// `tandem sandbox` on free ports, posting both orgs' changes to tandem at `tandem_port`.
async fn start_sandbox(tandem_port: u16) -> SandboxBinary {
    let tandem = format!("http://127.0.0.1:{tandem_port}");
    SandboxBinary::start_with(&[
        "--echo-salesforce-url".to_owned(),
        format!("{tandem}/webhooks/salesforce/outbound-message"),
        "--echo-netsuite-url".to_owned(),
        format!("{tandem}/webhooks/netsuite/events"),
    ])
    .await
}
