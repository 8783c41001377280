//! The typed configuration tree: one TOML file plus `TANDEM_<SECTION>__<KEY>` overrides.

mod alerts;
mod reconcile;

pub use reconcile::{OnDifference, ReconcileConfig};
#[cfg(test)]
mod example;
pub mod init;
mod load;
mod pubsub;
mod secret;
pub mod startup;
mod text;
mod validate;

pub use load::{ConfigError, load, load_str};
pub use pubsub::PubSubConfig;
pub use secret::{Secret, SecretList};

use serde::Deserialize;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

/// Everything tandem reads at start. Every field has a default so that an empty file is valid
/// for trying things out; `validate` rejects combinations that cannot work.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    pub server: ServerConfig,
    pub queue: QueueConfig,
    pub store: StoreConfig,
    pub salesforce: SalesforceConfig,
    pub netsuite: NetsuiteConfig,
    pub sync: SyncConfig,
    pub alerts: AlertsConfig,
    pub reconcile: ReconcileConfig,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServerConfig {
    /// Address the HTTP server binds (webhooks and health; also metrics and the admin API
    /// unless `admin_listen` is set). Default `127.0.0.1:8080`.
    pub listen: SocketAddr,
    /// A second, internal address for `/metrics`, the ops API and the health checks.
    /// Set: those routes leave `listen`, which then serves only webhooks and health, so it
    /// can face the internet. Unset (default): everything is served on `listen`.
    pub admin_listen: Option<SocketAddr>,
    /// Bearer token for `/api/v1` and `/ops`. Unset: the admin API is disabled.
    pub admin_token: Option<Secret>,
    /// Largest request body accepted; larger ones get 413 before more is read. Default 4 MiB.
    #[serde(deserialize_with = "text::number")]
    pub max_body_bytes: usize,
    /// Largest Outbound Message body accepted (the endpoint has no signature, so it gets a
    /// smaller limit). Default 1 MiB: 100 notifications of about 10 KB each.
    #[serde(deserialize_with = "text::number")]
    pub outbound_message_max_body_bytes: usize,
    /// Request body bytes held in memory at once, across every request being read; past it,
    /// 503 with `Retry-After`. Default 64 MiB.
    #[serde(deserialize_with = "text::number")]
    pub max_buffered_body_bytes: usize,
    /// `text` (default) or `json` log lines.
    pub log_format: LogFormat,
    /// Log filter in `tracing` syntax (`info`, `tandem=debug`). `RUST_LOG` wins when set.
    pub log_level: String,
    /// How long shutdown waits for in-flight requests and workers. Default `30s`.
    #[serde(with = "humantime_serde")]
    pub shutdown_grace: Duration,
    /// A connection must send a complete request header within this time, counted from when
    /// the server starts waiting for it; this also ends an idle keep-alive connection. Default `10s`.
    #[serde(with = "humantime_serde")]
    pub header_read_timeout: Duration,
    /// A request body must arrive whole within this time after its header; past it the request
    /// gets 408 and the connection is closed. Default `30s`.
    #[serde(with = "humantime_serde")]
    pub body_read_timeout: Duration,
    /// Connections served at once; past it (and a few quick slots) new ones are closed at once.
    /// Default 512.
    #[serde(deserialize_with = "text::number")]
    pub max_connections: usize,
    /// Requests handled at once; past it webhooks get 503 `overloaded` with `Retry-After`
    /// (`/healthz` and `/readyz` are exempt). Default 256.
    #[serde(deserialize_with = "text::number")]
    pub max_in_flight: usize,
    /// When ready work waits longer than this for a CPU (the cores are saturated) while at
    /// least 8 requests are being handled, webhook requests get 503 `overloaded` with
    /// `Retry-After` at once, before their body is read, so the requests already admitted
    /// finish quickly. Default `25ms`.
    #[serde(with = "humantime_serde")]
    pub max_scheduling_delay: Duration,
    /// On shutdown, a connection without a request being handled (or whose request body makes
    /// no progress) for this long is closed instead of waiting for `shutdown_grace`. Default `1s`.
    #[serde(with = "humantime_serde")]
    pub shutdown_stall_timeout: Duration,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            admin_listen: None,
            admin_token: None,
            max_body_bytes: 4 * 1024 * 1024,
            outbound_message_max_body_bytes: 1024 * 1024,
            max_buffered_body_bytes: 64 * 1024 * 1024,
            log_format: LogFormat::Text,
            log_level: "info".into(),
            shutdown_grace: Duration::from_secs(30),
            header_read_timeout: Duration::from_secs(10),
            body_read_timeout: Duration::from_secs(30),
            max_connections: 512,
            max_in_flight: 256,
            max_scheduling_delay: Duration::from_millis(25),
            shutdown_stall_timeout: Duration::from_secs(1),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum QueueBackend {
    Embedded,
    Rabbitmq,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct QueueConfig {
    /// `embedded` (default: a SQLite file, no server) or `rabbitmq`.
    pub backend: QueueBackend,
    /// Broker URL for the `rabbitmq` backend, e.g. `amqp://user:pass@host:5672/%2f`.
    pub amqp_url: Option<Secret>,
    /// Name prefix of every RabbitMQ exchange and queue tandem declares (`{prefix}.events`,
    /// `{prefix}.work.{n}`…); instances that share work share it. Default `tandem`.
    pub prefix: String,
    /// Number of ordering shards (records are hashed onto them). Default 64.
    #[serde(deserialize_with = "text::number")]
    pub shards: u16,
    /// Deliveries a worker may hold unacknowledged. Default 32.
    #[serde(deserialize_with = "text::number")]
    pub prefetch: u16,
    /// The embedded queue's SQLite file. Default `tandem-queue.db`.
    pub path: PathBuf,
    /// A delivery not acknowledged within this time is handed out again. Default `5m`.
    #[serde(with = "humantime_serde")]
    pub visibility_timeout: Duration,
    /// Deliveries after which an event goes to dead letters even if no worker decided so. Default 20.
    #[serde(deserialize_with = "text::number")]
    pub max_deliveries: u32,
    /// How long delivery ids (webhook-id, notification Id) are remembered to drop redeliveries.
    /// Default `48h` (Salesforce redelivers Outbound Messages for 24 hours).
    #[serde(with = "humantime_serde")]
    pub dedupe_retention: Duration,
    /// Webhook requests that may wait for the queue to make their events durable (the broker's
    /// confirms, or the embedded queue's next commit); past it, 503 `queue_busy` at once.
    /// Default 128.
    #[serde(deserialize_with = "text::number")]
    pub max_pending: usize,
}

impl Default for QueueConfig {
    fn default() -> Self {
        Self {
            backend: QueueBackend::Embedded,
            amqp_url: None,
            prefix: "tandem".into(),
            shards: 64,
            prefetch: 32,
            path: PathBuf::from("tandem-queue.db"),
            visibility_timeout: Duration::from_secs(300),
            max_deliveries: 20,
            dedupe_retention: Duration::from_secs(48 * 3600),
            max_pending: 128,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StoreConfig {
    /// `sqlite://relative.db`, `sqlite:///absolute/path.db` or `postgres://…`. Default `sqlite://tandem.db`.
    /// A PostgreSQL URL may name the schema the libpq way: `?options=-c%20search_path%3D<schema>`.
    pub url: Secret,
}

impl Default for StoreConfig {
    fn default() -> Self {
        Self {
            url: Secret::from("sqlite://tandem.db"),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SalesforceAuth {
    ClientCredentials,
    JwtBearer,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SalesforceConfig {
    /// The org's My Domain URL, e.g. `https://acme.my.salesforce.com`.
    pub instance_url: Option<String>,
    /// OAuth token endpoint. Default: `<instance_url>/services/oauth2/token`.
    pub token_url: Option<String>,
    /// REST API version, e.g. `67.0` (paths get `v67.0`).
    pub api_version: String,
    /// `client_credentials` (default) or `jwt_bearer`.
    pub auth: SalesforceAuth,
    pub client_id: Option<String>,
    pub client_secret: Option<Secret>,
    /// The integration user's username (JWT bearer `sub`).
    pub username: Option<String>,
    /// PEM RSA key that signs JWT bearer assertions.
    pub private_key_path: Option<PathBuf>,
    /// Outbound Messages whose OrganizationId differs are refused (403). Unset: they are all refused.
    pub organization_id: Option<String>,
    /// When set, Outbound Messages must carry `?token=<this>`.
    pub outbound_message_token: Option<Secret>,
    /// Standard Webhooks secrets (`whsec_…`) for `/webhooks/salesforce/events`; several allow rotation.
    pub webhook_secrets: SecretList,
    /// The integration user's id: its changes are tandem's own and never sync back.
    pub integration_user_id: Option<String>,
    /// `[salesforce.pubsub]`: Change Data Capture events through the Pub/Sub API.
    pub pubsub: PubSubConfig,
}

impl Default for SalesforceConfig {
    fn default() -> Self {
        Self {
            instance_url: None,
            token_url: None,
            api_version: "67.0".into(),
            auth: SalesforceAuth::ClientCredentials,
            client_id: None,
            client_secret: None,
            username: None,
            private_key_path: None,
            organization_id: None,
            outbound_message_token: None,
            webhook_secrets: SecretList::default(),
            integration_user_id: None,
            pubsub: PubSubConfig::default(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NetsuiteAuth {
    Tba,
    Oauth2M2m,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NetsuiteConfig {
    /// Account id, e.g. `123456` or `123456_SB1` for a sandbox account (the OAuth realm).
    pub account_id: Option<String>,
    /// REST host root, e.g. `https://123456.suitetalk.api.netsuite.com`.
    pub base_url: Option<String>,
    /// `tba` (default; OAuth 1.0a token-based auth) or `oauth2_m2m`.
    pub auth: NetsuiteAuth,
    pub consumer_key: Option<String>,
    pub consumer_secret: Option<Secret>,
    pub token_id: Option<String>,
    pub token_secret: Option<Secret>,
    /// OAuth 2.0 M2M client id.
    pub client_id: Option<String>,
    /// OAuth 2.0 M2M certificate id (the JWT `kid`).
    pub certificate_id: Option<String>,
    /// PEM key (RSA for PS256 or EC P-256 for ES256) that signs M2M client assertions.
    pub private_key_path: Option<PathBuf>,
    /// Requests in flight at once against the account; NetSuite answers 429 past its limit. Default 10.
    #[serde(deserialize_with = "text::number")]
    pub concurrency: u16,
    /// Standard Webhooks secrets for `/webhooks/netsuite/events`.
    pub webhook_secrets: SecretList,
    /// The role tandem's integration uses: its changes are tandem's own and never sync back.
    pub integration_role: Option<String>,
}

impl Default for NetsuiteConfig {
    fn default() -> Self {
        Self {
            account_id: None,
            base_url: None,
            auth: NetsuiteAuth::Tba,
            consumer_key: None,
            consumer_secret: None,
            token_id: None,
            token_secret: None,
            client_id: None,
            certificate_id: None,
            private_key_path: None,
            concurrency: 10,
            webhook_secrets: SecretList::default(),
            integration_role: None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConflictPolicy {
    /// Park ambiguous matches as conflicts for review and create nothing (the default).
    Park,
    /// Make ambiguous matches dead letters with the code `AMBIGUOUS_MATCH` and create nothing,
    /// for teams that work from the dead-letter list.
    DeadLetter,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeletePolicy {
    /// Mark the other side inactive.
    MarkInactive,
    /// Do nothing on the other side.
    Ignore,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SyncConfig {
    /// Field mapping file. Default `mapping.toml`.
    pub mapping: PathBuf,
    /// Inventory updates for one item inside this window are coalesced (latest wins). Default `2s`.
    #[serde(with = "humantime_serde")]
    pub coalesce_window: Duration,
    /// Delays between attempts of a transient failure; after the last, the event is dead-lettered.
    #[serde(deserialize_with = "text::duration_list")]
    pub retry_schedule: Vec<Duration>,
    /// What an ambiguous match (two or more candidates) becomes: `park` (default; a conflict
    /// for review) or `dead_letter` (a dead letter with the code `AMBIGUOUS_MATCH`).
    pub conflict_policy: ConflictPolicy,
    /// What a delete at the source does to the other side. Default `mark_inactive`.
    pub delete_policy: DeletePolicy,
    /// Worker tasks taking events off the queue. Default 16.
    #[serde(deserialize_with = "text::number")]
    pub workers: u16,
}

impl Default for SyncConfig {
    fn default() -> Self {
        let minutes = |m: u64| Duration::from_secs(m * 60);
        Self {
            mapping: PathBuf::from("mapping.toml"),
            coalesce_window: Duration::from_secs(2),
            // Standard Webhooks' suggested schedule: spans 24 hours in 9 retries.
            retry_schedule: vec![
                Duration::from_secs(5),
                minutes(5),
                minutes(30),
                minutes(120),
                minutes(300),
                minutes(600),
                minutes(840),
                minutes(1200),
                minutes(1440),
            ],
            conflict_policy: ConflictPolicy::Park,
            delete_policy: DeletePolicy::MarkInactive,
            workers: 16,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AlertsConfig {
    /// Slack incoming-webhook URL for dead-letter and outage digests (the URL is the token).
    pub slack_webhook_url: Option<Secret>,
    /// Generic JSON webhook for the same digests, signed the Standard Webhooks way.
    pub webhook_url: Option<Secret>,
    /// The `whsec_…` secret the JSON webhook's digests are signed with; required with
    /// `webhook_url`.
    pub webhook_secret: Option<Secret>,
    /// SMTP server for e-mailed digests: `smtp://user:password@host:587`.
    pub smtp_url: Option<Secret>,
    /// `starttls` (required, the default) or `none` (plain text, for a local test server only).
    pub smtp_tls: SmtpTls,
    /// The e-mail sender address; required with `smtp_url`.
    pub email_from: Option<String>,
    /// The e-mail recipients; at least one with `smtp_url`.
    pub email_to: Vec<String>,
    /// The public base URL of the admin API, for links to dead letters; unset, no links.
    pub ops_url: Option<String>,
    /// At most one digest per channel per interval. Default `15m`.
    #[serde(with = "humantime_serde")]
    pub digest_interval: Duration,
    /// Salesforce API usage (percent of the 24-hour allowance) that raises an alert. Default 80.
    pub salesforce_usage_percent: u8,
    /// NetSuite 429 answers within one digest interval that raise an alert. Default 20.
    pub netsuite_throttles: u32,
    /// How long the queue may hold events without any being settled, or a flow may keep failing
    /// without writing anything, before an alert. Default `5m`.
    #[serde(with = "humantime_serde")]
    pub stall_after: Duration,
    /// How long one channel may take to take a digest before it counts as failed. Default `10s`.
    #[serde(with = "humantime_serde")]
    pub send_timeout: Duration,
}

impl AlertsConfig {
    /// Whether any channel is configured (the alert loop runs only then).
    pub fn any_channel(&self) -> bool {
        self.slack_webhook_url.is_some() || self.webhook_url.is_some() || self.smtp_url.is_some()
    }
}

impl Default for AlertsConfig {
    fn default() -> Self {
        Self {
            slack_webhook_url: None,
            webhook_url: None,
            webhook_secret: None,
            smtp_url: None,
            smtp_tls: SmtpTls::Starttls,
            email_from: None,
            email_to: Vec::new(),
            ops_url: None,
            digest_interval: Duration::from_secs(15 * 60),
            salesforce_usage_percent: 80,
            netsuite_throttles: 20,
            stall_after: Duration::from_secs(5 * 60),
            send_timeout: Duration::from_secs(10),
        }
    }
}

/// How alert e-mail reaches the SMTP server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SmtpTls {
    /// Upgrade the connection with STARTTLS before authenticating; refuse servers without it.
    Starttls,
    /// Plain text, credentials included: only for a local test server.
    None,
}
