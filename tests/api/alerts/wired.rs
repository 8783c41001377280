//! The real `tandem serve` binary wired to a sandbox (both emulated APIs, each change echoed
//! to tandem as the orgs send it) and to the three alert channels, whose URLs and secrets it
//! is given by environment, as in production.

use super::*;
use crate::helpers::{RunningBinary, sandbox_config_toml};
use tandem::sandbox::{EchoConfig, Sandbox};

/// The timings a test gives tandem.
pub struct Timings {
    pub digest_interval: Duration,
    pub stall_after: Duration,
    pub retry_schedule: Vec<Duration>,
}

pub struct Wired {
    pub tandem: RunningBinary,
    pub sandbox: Sandbox,
    pub channels: Channels,
    pub http: reqwest::Client,
    _dir: tempfile::TempDir,
}

impl Wired {
    pub async fn start(timings: &Timings) -> Wired {
        let channels = Channels::start(Mode::Accept, Mode::Accept).await;
        let sandbox = Sandbox::start(SandboxConfig::default()).await.unwrap();
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("tandem.toml");
        std::fs::write(&config, config_text(dir.path(), &sandbox, timings)).unwrap();
        let smtp_url = format!("smtp://alerts:{SMTP_PASSWORD}@{}", channels.smtp.address);
        let tandem = RunningBinary::start(
            &config,
            &[
                ("TANDEM_ALERTS__SLACK_WEBHOOK_URL", &channels.slack.url()),
                ("TANDEM_ALERTS__WEBHOOK_URL", &channels.webhook.url()),
                ("TANDEM_ALERTS__WEBHOOK_SECRET", WEBHOOK_SECRET),
                ("TANDEM_ALERTS__SMTP_URL", &smtp_url),
            ],
        )
        .await;
        sandbox.set_echo_targets(EchoConfig {
            netsuite_events_url: Some(tandem.url("/webhooks/netsuite/events")),
            salesforce_outbound_url: Some(tandem.url("/webhooks/salesforce/outbound-message")),
        });
        Wired {
            tandem,
            sandbox,
            channels,
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(30))
                .build()
                .unwrap(),
            _dir: dir,
        }
    }

    /// A person creates a record in the Salesforce UI; its id.
    pub async fn create_in_salesforce(&self, object: &str, fields: Value) -> String {
        let url = format!("{}/_sandbox/records/{object}", self.sandbox.salesforce_url);
        let created = self.send(self.http.post(url).json(&fields)).await;
        field(&created, "Id").as_str().expect("an id").to_owned()
    }

    /// A person creates a record in the NetSuite UI; its internal id.
    pub async fn create_in_netsuite(&self, record_type: &str, fields: Value) -> String {
        let url = format!(
            "{}/_sandbox/records/{record_type}",
            self.sandbox.netsuite_url
        );
        let created = self.send(self.http.post(url).json(&fields)).await;
        match field(&created, "id") {
            Value::String(id) => id.clone(),
            other => other.to_string(),
        }
    }

    /// A person edits a record in the Salesforce UI.
    pub async fn edit_in_salesforce(&self, object: &str, id: &str, fields: Value) {
        let url = format!(
            "{}/_sandbox/records/{object}/{id}",
            self.sandbox.salesforce_url
        );
        self.send(self.http.patch(url).json(&fields)).await;
    }

    /// Every record of a type as the emulator at `base` holds it.
    pub async fn records(&self, base: &str, object: &str) -> Vec<Value> {
        let url = format!("{base}/_sandbox/records/{object}");
        let value = self.send(self.http.get(url)).await;
        value
            .as_array()
            .cloned()
            .or_else(|| value["records"].as_array().cloned())
            .or_else(|| value["items"].as_array().cloned())
            .unwrap_or_default()
    }

    /// Every API call to the emulator at `base` answers with this fault until it is cleared.
    pub async fn fail(&self, base: &str, plan: Value) {
        let url = format!("{base}/_sandbox/faults");
        self.send(self.http.post(url).json(&plan)).await;
    }

    pub async fn heal(&self, base: &str) {
        let url = format!("{base}/_sandbox/faults");
        self.send(self.http.delete(url)).await;
    }

    /// The webhook digests received so far, each checked against its signature.
    pub fn webhook_digests(&self) -> Vec<Value> {
        verified_digests(&self.channels.webhook.accepted())
    }

    /// The sum of every series of a counter in tandem's `/metrics` that has all these labels
    /// (`outcome="retry"`).
    pub async fn counter_sum(&self, name: &str, labels: &[&str]) -> f64 {
        let text = self.tandem.metrics(&self.http).await;
        text.lines()
            .filter(|line| line.starts_with(&format!("{name}{{")))
            .filter(|line| labels.iter().all(|label| line.contains(label)))
            .filter_map(|line| line.rsplit(' ').next()?.parse::<f64>().ok())
            .sum()
    }

    async fn send(&self, request: reqwest::RequestBuilder) -> Value {
        let response = request.send().await.unwrap();
        let url = response.url().to_string();
        let status = response.status();
        let text = response.text().await.unwrap();
        assert!(status.is_success(), "{url}: {status} {text}");
        serde_json::from_str(&text).unwrap_or(Value::Null)
    }
}

fn config_text(dir: &std::path::Path, sandbox: &Sandbox, timings: &Timings) -> String {
    let schedule: Vec<String> = timings
        .retry_schedule
        .iter()
        .map(|delay| format!("\"{}\"", humantime::format_duration(*delay)))
        .collect();
    format!(
        r#"[server]
listen = "127.0.0.1:0"

{sandbox}
[sync]
retry_schedule = [{schedule}]
coalesce_window = "300ms"

[alerts]
smtp_tls = "none"
email_from = "tandem@example.com"
email_to = ["integrations@example.com"]
ops_url = "{OPS_URL}"
digest_interval = "{interval}"
stall_after = "{stall_after}"
send_timeout = "2s"
"#,
        sandbox = sandbox_config_toml(dir, &sandbox.salesforce_url, &sandbox.netsuite_url),
        schedule = schedule.join(", "),
        interval = humantime::format_duration(timings.digest_interval),
        stall_after = humantime::format_duration(timings.stall_after),
    )
}

/// Polls `check` every 100 ms until it yields `Some`, for up to `within`.
pub async fn within<T, F, Fut>(what: &str, within: Duration, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + within;
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out after {within:?} waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
