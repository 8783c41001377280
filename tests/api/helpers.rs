//! Starting tandem for a test: the production start-up path with a temporary queue file and
//! port 0, plus signed-request builders.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use tandem::config::{Secret, SecretList};
use tandem::ingress::standard_webhooks::SigningKey;
use tandem::queue::Queue;
use tandem::{App, Config};
use tokio::sync::oneshot;

pub const ORG_ID: &str = "ABC90000000gNcmEAE";
pub const SALESFORCE_SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
pub const NETSUITE_SECRET: &str = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";
pub const OUTBOUND_FIXTURE: &str = include_str!("../fixtures/sf-outbound-message-notification.xml");
pub const ACK_FIXTURE: &str = include_str!("../fixtures/sf-outbound-message-ack.xml");

/// A running tandem with its own queue file; stops when dropped.
pub struct TestApp {
    pub address: SocketAddr,
    pub queue: Arc<dyn Queue>,
    pub store: Arc<dyn tandem::store::Store>,
    pub client: reqwest::Client,
    /// Keeps the queue file alive as long as the app.
    pub dir: Arc<tempfile::TempDir>,
    /// The config the app was started with (to start it again on the same files).
    pub config: Config,
    stop: Option<oneshot::Sender<()>>,
    server: Option<tokio::task::JoinHandle<()>>,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// The config every test starts from: both sources configured, a fresh queue file.
pub fn test_config(dir: &Path) -> Config {
    let mut config = Config::default();
    config.server.listen = "127.0.0.1:0".parse().unwrap();
    config.server.max_body_bytes = 256 * 1024;
    config.queue.path = dir.join("queue.db");
    config.store.url = Secret::from(format!("sqlite://{}", dir.join("store.db").display()));
    config.salesforce.organization_id = Some(ORG_ID.into());
    config.salesforce.webhook_secrets = SecretList::from(vec![SALESFORCE_SECRET]);
    config.netsuite.webhook_secrets = SecretList::from(vec![NETSUITE_SECRET]);
    config
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

pub async fn spawn_app_with(adjust: impl FnOnce(&mut Config)) -> TestApp {
    let dir = Arc::new(tempfile::tempdir().unwrap());
    let mut config = test_config(dir.path());
    adjust(&mut config);
    spawn_with_config(config, dir).await
}

pub async fn spawn_with_config(config: Config, dir: Arc<tempfile::TempDir>) -> TestApp {
    config.validate().expect("test config is valid");
    let restart_config = config.clone();
    let app = App::build(config).await.expect("app starts");
    let address = app.local_addr();
    let queue = app.queue();
    let store = app.store();
    let (stop, stopped) = oneshot::channel::<()>();
    let server = tokio::spawn(async move {
        app.run_until(async {
            let _ = stopped.await;
        })
        .await
        .unwrap();
    });
    TestApp {
        address,
        queue,
        store,
        client: reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()
            .unwrap(),
        dir,
        config: restart_config,
        stop: Some(stop),
        server: Some(server),
    }
}

impl TestApp {
    /// Stops the app gracefully and waits until it has.
    pub async fn stop(mut self) -> (Config, Arc<tempfile::TempDir>) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(server) = self.server.take() {
            server.await.unwrap();
        }
        (self.config.clone(), self.dir.clone())
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.address)
    }

    /// Posts a JSON body signed the Standard Webhooks way with `secret`, now.
    pub async fn post_signed(
        &self,
        path: &str,
        secret: &str,
        id: &str,
        body: &str,
    ) -> reqwest::Response {
        let timestamp = chrono::Utc::now().timestamp();
        self.post_signed_at(path, secret, id, timestamp, body).await
    }

    pub async fn post_signed_at(
        &self,
        path: &str,
        secret: &str,
        id: &str,
        timestamp: i64,
        body: &str,
    ) -> reqwest::Response {
        let signature = SigningKey::parse(secret)
            .unwrap()
            .sign(id, timestamp, body.as_bytes());
        self.client
            .post(self.url(path))
            .header("content-type", "application/json")
            .header("webhook-id", id)
            .header("webhook-timestamp", timestamp.to_string())
            .header("webhook-signature", signature)
            .body(body.to_owned())
            .send()
            .await
            .unwrap()
    }

    pub async fn post_outbound_message(&self, query: &str, body: String) -> reqwest::Response {
        self.client
            .post(self.url(&format!("/webhooks/salesforce/outbound-message{query}")))
            .header("content-type", "text/xml; charset=utf-8")
            .header("soapaction", "\"\"")
            .body(body)
            .send()
            .await
            .unwrap()
    }

    pub async fn queued(&self) -> u64 {
        self.queue.depth().await.unwrap().total
    }
}

/// A NetSuite-style change event body.
pub fn netsuite_event(record_id: &str, version: &str) -> String {
    format!(
        r#"{{"object":"customer","record_id":"{record_id}","change":"updated","version":"{version}","modified_by":"-5","origin":null,"fields":{{"companyname":"Acme Ltd","creditlimit":5000}}}}"#
    )
}

/// An Outbound Message with `count` Account notifications (ids derived from `seed`).
pub fn outbound_message(org: &str, seed: &str, count: usize) -> String {
    let notifications: String = (0..count)
        .map(|i| {
            format!(
                r#"<Notification><Id>04l{seed}{i:0>10}</Id><sObject xsi:type="sf:Account" xmlns:sf="urn:sobject.enterprise.soap.sforce.com"><sf:Id>001{seed}{i:0>10}</sf:Id><sf:Name>Account {i} &amp; Sons — Zürich</sf:Name></sObject></Notification>"#
            )
        })
        .collect();
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body><notifications xmlns="http://soap.sforce.com/2005/09/outbound"><OrganizationId>{org}</OrganizationId><ActionId>04k000000000001AAA</ActionId><SessionId xsi:nil="true"/><EnterpriseUrl>https://x.my.salesforce.com/services/Soap/c/67.0</EnterpriseUrl><PartnerUrl>https://x.my.salesforce.com/services/Soap/u/67.0</PartnerUrl>{notifications}</notifications></soapenv:Body></soapenv:Envelope>"#
    )
}

pub fn binary_path() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_tandem"))
}

/// The real `tandem` binary, with its JSON log lines readable as signals.
pub struct RunningBinary {
    pub child: tokio::process::Child,
    pub address: SocketAddr,
    lines: tokio::sync::mpsc::UnboundedReceiver<serde_json::Value>,
    /// Every line the process wrote, read or not.
    every_line: Arc<std::sync::Mutex<Vec<serde_json::Value>>>,
}

impl RunningBinary {
    /// Starts `tandem serve --config <path>` and waits until it logs its listening address.
    pub async fn start(config_path: &Path, extra_env: &[(&str, &str)]) -> RunningBinary {
        use tokio::io::AsyncBufReadExt;
        let mut command = tokio::process::Command::new(binary_path());
        command
            .arg("serve")
            .arg("--config")
            .arg(config_path)
            .env("TANDEM_SERVER__LOG_FORMAT", "json")
            .env_remove("RUST_LOG")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .kill_on_drop(true);
        for (key, value) in extra_env {
            command.env(key, value);
        }
        let mut child = command.spawn().expect("tandem binary starts");
        let stderr = child.stderr.take().unwrap();
        let (send, mut lines) = tokio::sync::mpsc::unbounded_channel();
        let every_line = Arc::new(std::sync::Mutex::new(Vec::new()));
        let kept = every_line.clone();
        tokio::spawn(async move {
            let mut reader = tokio::io::BufReader::new(stderr).lines();
            while let Ok(Some(line)) = reader.next_line().await {
                let value: serde_json::Value = serde_json::from_str(&line)
                    .unwrap_or_else(|_| serde_json::json!({ "message": line }));
                kept.lock().unwrap().push(value.clone());
                if send.send(value).is_err() {
                    break;
                }
            }
        });
        let listening = wait_for_line(&mut lines, "tandem is listening").await;
        let address = listening["address"]
            .as_str()
            .expect("listening line has an address")
            .parse()
            .unwrap();
        RunningBinary {
            child,
            address,
            lines,
            every_line,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.address)
    }

    /// The Prometheus text the binary serves at `/metrics`.
    pub async fn metrics(&self, client: &reqwest::Client) -> String {
        let response = client.get(self.url("/metrics")).send().await.unwrap();
        response.text().await.unwrap()
    }

    /// The admin listener's address (`server.admin_listen`), from its start-up log line.
    pub async fn admin_address(&mut self) -> SocketAddr {
        let line = self.wait_for_log("admin routes").await;
        line["address"]
            .as_str()
            .expect("the admin line has an address")
            .parse()
            .unwrap()
    }

    /// Waits (up to 30 s) for a log line whose message contains `text`.
    pub async fn wait_for_log(&mut self, text: &str) -> serde_json::Value {
        wait_for_line(&mut self.lines, text).await
    }
}

async fn wait_for_line(
    lines: &mut tokio::sync::mpsc::UnboundedReceiver<serde_json::Value>,
    text: &str,
) -> serde_json::Value {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let line = tokio::time::timeout_at(deadline, lines.recv())
            .await
            .unwrap_or_else(|_| panic!("no log line containing {text:?} within 30 s"))
            .unwrap_or_else(|| panic!("tandem exited before logging {text:?}"));
        let message = line["message"].as_str().unwrap_or_default();
        if message.contains(text) {
            return line;
        }
    }
}

/// Writes a config file for the binary: port 0, queue and store under `dir`.
pub fn write_config(dir: &Path) -> PathBuf {
    let path = dir.join("tandem.toml");
    let text = format!(
        r#"[server]
listen = "127.0.0.1:0"
shutdown_grace = "20s"

[queue]
path = "{queue}"

[store]
url = "sqlite://{store}"

[salesforce]
organization_id = "{ORG_ID}"
webhook_secrets = ["{SALESFORCE_SECRET}"]

[netsuite]
webhook_secrets = ["{NETSUITE_SECRET}"]
"#,
        queue = dir.join("queue.db").display(),
        store = dir.join("store.db").display(),
    );
    std::fs::write(&path, text).unwrap();
    path
}

/// Signs and posts a JSON body to any base URL.
pub async fn post_signed_to(
    client: &reqwest::Client,
    url: &str,
    secret: &str,
    id: &str,
    body: &str,
) -> Result<reqwest::Response, reqwest::Error> {
    let timestamp = chrono::Utc::now().timestamp();
    signed_request(client, url, secret, id, timestamp, body)
        .send()
        .await
}

fn signed_request(
    client: &reqwest::Client,
    url: &str,
    secret: &str,
    id: &str,
    timestamp: i64,
    body: &str,
) -> reqwest::RequestBuilder {
    let signature = SigningKey::parse(secret)
        .unwrap()
        .sign(id, timestamp, body.as_bytes());
    client
        .post(url)
        .header("content-type", "application/json")
        .header("webhook-id", id)
        .header("webhook-timestamp", timestamp.to_string())
        .header("webhook-signature", signature)
        .body(body.to_owned())
}

impl RunningBinary {
    /// Every line the process wrote so far, including those waited for or drained.
    pub fn every_log_line(&self) -> Vec<serde_json::Value> {
        self.every_line.lock().unwrap().clone()
    }

    /// Every log line received so far (and until the process's stderr closes).
    pub async fn drain_logs(&mut self) -> Vec<serde_json::Value> {
        let mut all = Vec::new();
        while let Ok(Some(line)) =
            tokio::time::timeout(Duration::from_secs(10), self.lines.recv()).await
        {
            all.push(line);
        }
        all
    }
}

/// The webhook ids of every event in the embedded queue file under `dir` (the binary's
/// `queue.db`), taking each event off the queue. Event ids are `netsuite:<webhook-id>#<index>`.
pub async fn queued_webhook_ids(dir: &Path) -> std::collections::HashSet<String> {
    use tandem::queue::embedded::{EmbeddedQueue, EmbeddedSettings};
    let queue = EmbeddedQueue::open(EmbeddedSettings {
        path: dir.join("queue.db"),
        shards: 64,
        visibility_timeout: Duration::from_secs(60),
        max_deliveries: 20,
        dedupe_retention: Duration::from_secs(3600),
    })
    .await
    .unwrap();
    let mut queued = std::collections::HashSet::new();
    loop {
        let leases = queue.receive(1000, Duration::ZERO).await.unwrap();
        if leases.is_empty() {
            return queued;
        }
        for lease in leases {
            let id = lease.event.id.trim_start_matches("netsuite:");
            queued.insert(id.trim_end_matches("#0").to_owned());
            queue.ack(lease.token).await.unwrap();
        }
    }
}

/// Writes `tandem.toml` in `dir` for `tandem serve` on a free port against the sandbox at these
/// URLs, with `sections` (TOML) added; returns its path.
pub fn write_sandbox_config(
    dir: &Path,
    salesforce_url: &str,
    netsuite_url: &str,
    sections: &str,
) -> PathBuf {
    let path = dir.join("tandem.toml");
    let text = format!(
        "[server]\nlisten = \"127.0.0.1:0\"\n\n{sections}\n{}",
        sandbox_config_toml(dir, salesforce_url, netsuite_url)
    );
    std::fs::write(&path, text).unwrap();
    path
}

/// The queue, store and both systems' sections of a config that talks to a sandbox at these
/// URLs with its default credentials (what `tandem::sandbox::tandem_config::configure` sets,
/// as TOML); queue and store files under `dir`.
pub fn sandbox_config_toml(
    dir: &Path,
    salesforce_url: impl std::fmt::Display,
    netsuite_url: impl std::fmt::Display,
) -> String {
    let c = tandem::sandbox::SandboxCredentials::default();
    format!(
        r#"[queue]
path = "{queue}"

[store]
url = "sqlite://{store}"

[salesforce]
instance_url = "{salesforce_url}"
client_id = "{client_id}"
client_secret = "{client_secret}"
organization_id = "{org_id}"
integration_user_id = "{user}"

[netsuite]
account_id = "{account}"
base_url = "{netsuite_url}"
consumer_key = "{consumer_key}"
consumer_secret = "{consumer_secret}"
token_id = "{token_id}"
token_secret = "{token_secret}"
integration_role = "{role}"
webhook_secrets = ["{webhook_secret}"]
"#,
        queue = dir.join("queue.db").display(),
        store = dir.join("store.db").display(),
        client_id = c.salesforce_client_id,
        client_secret = c.salesforce_client_secret,
        org_id = c.salesforce_org_id,
        user = c.salesforce_integration_user_id,
        account = c.netsuite_account_id,
        consumer_key = c.netsuite_consumer_key,
        consumer_secret = c.netsuite_consumer_secret,
        token_id = c.netsuite_token_id,
        token_secret = c.netsuite_token_secret,
        role = c.netsuite_integration_role,
        webhook_secret = c.netsuite_webhook_secret,
    )
}
