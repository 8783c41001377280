//! What a scenario runs in: the broker guard, the sandbox holding one Salesforce account per
//! NetSuite customer the load touches (and, for relayed Salesforce changes, one NetSuite
//! customer per account), a fresh PostgreSQL schema, a unique queue prefix, tandem config files
//! pointing at all of them, and the downstream's request logs read as they fill. Dropping it
//! starts the broker if stopped, then deletes the prefix's broker objects (and the schema, when
//! the test passed).

use crate::broker::{self, Broker};
use crate::downstream::Downstream;
use crate::instance::Instance;
use crate::load::Secrets;
use serde_json::{Value, json};
use sqlx::Connection;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;
use tandem::queue::rabbitmq::Topology;
use tandem::sandbox::{Sandbox, SandboxConfig, SandboxCredentials};
use tandem::store::PostgresStore;
use tokio::time::Instant;

/// Shards per instance: enough for 20 records to spread, few enough to declare quickly.
pub const SHARDS: u16 = 16;
/// Worker tasks per instance.
pub const WORKERS: u16 = 16;
/// The `queue.max_deliveries` written to the config (also names the delivery limit).
const MAX_DELIVERIES: u32 = 20;
/// The Standard Webhooks secret of the Salesforce relay (`salesforce.webhook_secrets`).
const SALESFORCE_RELAY_SECRET: &str = "whsec_cmVzaWxpZW5jZS1zYWxlc2ZvcmNlLXJlbGF5LTAx";

fn postgres_url() -> String {
    std::env::var("TANDEM_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

/// A NetSuite customer and the Salesforce account paired with it.
#[derive(Debug, Clone)]
pub struct Account {
    pub customer_id: String,
    pub account_id: String,
}

/// What a world holds and how its instances are configured.
#[derive(Debug, Clone)]
pub struct Setup {
    /// Accounts that NetSuite customer events update (their customers exist only by id).
    pub records: usize,
    /// Accounts whose relayed changes update their NetSuite customer (both exist).
    pub relayed: usize,
    /// The sandbox's service time per API call.
    pub latency: Duration,
    /// NetSuite's concurrency limit at the start, and `netsuite.concurrency`.
    pub netsuite_limit: usize,
    /// `sync.retry_schedule`; empty: tandem's default.
    pub retry_schedule: Vec<Duration>,
}

impl Default for Setup {
    fn default() -> Self {
        Setup {
            records: 20,
            relayed: 0,
            latency: Duration::ZERO,
            netsuite_limit: 10,
            retry_schedule: Vec::new(),
        }
    }
}

pub struct World {
    /// Dropped (restored) explicitly first in `Drop`.
    pub broker: Broker,
    pub sandbox: Sandbox,
    pub http: reqwest::Client,
    pub accounts: Vec<Account>,
    /// The pairs of `Setup::relayed`.
    pub relayed: Vec<Account>,
    pub downstream: Downstream,
    pub setup: Setup,
    pub prefix: String,
    pub schema: String,
    pub store_url: String,
    dir: tempfile::TempDir,
    pub started: Instant,
}

impl World {
    /// `records` accounts; `latency` is the sandbox's service time per API call.
    pub async fn new(records: usize, latency: Duration) -> World {
        World::with(Setup {
            records,
            latency,
            ..Setup::default()
        })
        .await
    }

    pub async fn with(setup: Setup) -> World {
        let started = Instant::now();
        let broker = Broker::running().await;
        let id = uuid::Uuid::new_v4().simple().to_string();
        let prefix = format!("tandem-res-{}", &id[..12]);
        let schema = format!("res_{}", &id[..12]);
        let base = postgres_url();
        let mut admin = sqlx::PgConnection::connect(&base)
            .await
            .unwrap_or_else(|e| panic!("PostgreSQL at {base} is required: {e}"));
        sqlx::query(&format!("CREATE SCHEMA {schema}"))
            .execute(&mut admin)
            .await
            .unwrap();
        let _ = admin.close().await;
        let separator = if base.contains('?') { '&' } else { '?' };
        let store_url = format!("{base}{separator}options=-c%20search_path%3D{schema}");
        let sandbox = Sandbox::start(SandboxConfig {
            latency: setup.latency,
            netsuite_concurrency: setup.netsuite_limit,
            ..SandboxConfig::default()
        })
        .await
        .expect("the sandbox starts");
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()
            .unwrap();
        let downstream =
            Downstream::start(http.clone(), &sandbox.salesforce_url, &sandbox.netsuite_url);
        let mut world = World {
            broker,
            sandbox,
            http,
            accounts: Vec::new(),
            relayed: Vec::new(),
            downstream,
            setup: setup.clone(),
            prefix,
            schema,
            store_url,
            dir: tempfile::tempdir().unwrap(),
            started,
        };
        for index in 0..setup.records {
            let customer_id = (9001 + index).to_string();
            let account =
                json!({ "Name": format!("Resilience {index}"), "NetSuite_Id__c": customer_id });
            let account_id = world
                .create(&world.sandbox.salesforce_url, "Account", &account)
                .await;
            world.accounts.push(Account {
                customer_id,
                account_id,
            });
        }
        for index in 0..setup.relayed {
            let name = format!("Relayed {index}");
            let account = json!({ "Name": name });
            let account_id = world
                .create(&world.sandbox.salesforce_url, "Account", &account)
                .await;
            let customer = json!({ "companyName": name, "subsidiary": { "id": "1" }, "externalId": account_id });
            let customer_id = world
                .create(&world.sandbox.netsuite_url, "customer", &customer)
                .await;
            world.relayed.push(Account {
                customer_id,
                account_id,
            });
        }
        world
    }

    /// Someone creates a record in the emulator's UI; its id.
    async fn create(&self, emulator: &str, object: &str, fields: &Value) -> String {
        let response = self
            .http
            .post(format!("{emulator}/_sandbox/records/{object}"))
            .json(fields)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 201, "{}", response.text().await.unwrap());
        let row: Value = response.json().await.unwrap();
        let id = row.get("Id").or_else(|| row.get("id"));
        match id {
            Some(Value::String(id)) => id.clone(),
            Some(Value::Number(id)) => id.to_string(),
            _ => panic!("the new {object} has no id: {row}"),
        }
    }

    /// The store of the scenario's schema, as the instances see it.
    pub async fn store(&self) -> PostgresStore {
        PostgresStore::connect(&self.store_url)
            .await
            .expect("the scenario's store opens")
    }

    pub fn topology(&self) -> Topology {
        Topology::new(&self.prefix, SHARDS, MAX_DELIVERIES, &[])
    }

    /// The Standard Webhooks secrets the events are signed with.
    pub fn secrets(&self) -> Secrets {
        Secrets {
            netsuite: SandboxCredentials::default().netsuite_webhook_secret,
            salesforce: SALESFORCE_RELAY_SECRET.to_owned(),
        }
    }

    /// Writes `<name>.toml`: RabbitMQ with the scenario's prefix, the shared PostgreSQL schema,
    /// both APIs on the sandbox (so the workers run), JSON logs; listening on port 0.
    pub fn write_config(&self, name: &str) -> PathBuf {
        self.write_config_at(name, SocketAddr::from(([127, 0, 0, 1], 0)))
    }

    /// `write_config`, listening on `listen`.
    pub fn write_config_at(&self, name: &str, listen: SocketAddr) -> PathBuf {
        let c = SandboxCredentials::default();
        let retry_schedule = if self.setup.retry_schedule.is_empty() {
            String::new()
        } else {
            let delays: Vec<String> = self
                .setup
                .retry_schedule
                .iter()
                .map(|delay| format!("\"{}ms\"", delay.as_millis()))
                .collect();
            format!("retry_schedule = [{}]\n", delays.join(", "))
        };
        let text = format!(
            r#"[server]
listen = "{listen}"
shutdown_grace = "5s"

[queue]
backend = "rabbitmq"
amqp_url = "{amqp}"
prefix = "{prefix}"
shards = {SHARDS}
max_deliveries = {MAX_DELIVERIES}

[store]
url = "{store}"

[salesforce]
instance_url = "{sf}"
client_id = "{sf_client}"
client_secret = "{sf_secret}"
organization_id = "{org}"
integration_user_id = "{sf_user}"
webhook_secrets = ["{sf_relay}"]

[netsuite]
account_id = "{ns_account}"
base_url = "{ns}"
consumer_key = "{ck}"
consumer_secret = "{cs}"
token_id = "{ti}"
token_secret = "{ts}"
integration_role = "{role}"
webhook_secrets = ["{secret}"]
concurrency = {ns_limit}

[sync]
workers = {WORKERS}
{retry_schedule}"#,
            amqp = broker::amqp_url(),
            prefix = self.prefix,
            store = self.store_url,
            sf = self.sandbox.salesforce_url,
            sf_client = c.salesforce_client_id,
            sf_secret = c.salesforce_client_secret,
            org = c.salesforce_org_id,
            sf_user = c.salesforce_integration_user_id,
            sf_relay = SALESFORCE_RELAY_SECRET,
            ns_account = c.netsuite_account_id,
            ns = self.sandbox.netsuite_url,
            ck = c.netsuite_consumer_key,
            cs = c.netsuite_consumer_secret,
            ti = c.netsuite_token_id,
            ts = c.netsuite_token_secret,
            role = c.netsuite_integration_role,
            secret = c.netsuite_webhook_secret,
            ns_limit = self.setup.netsuite_limit,
        );
        let path = self.dir.path().join(format!("{name}.toml"));
        std::fs::write(&path, text).unwrap();
        path
    }

    /// Starts an instance on a config of its own and waits until it consumes.
    pub async fn start_instance(&self, name: &str) -> Instance {
        self.start_instance_at(name, SocketAddr::from(([127, 0, 0, 1], 0)))
            .await
    }

    /// `start_instance` listening on `listen` (an instance restarted where it was).
    pub async fn start_instance_at(&self, name: &str, listen: SocketAddr) -> Instance {
        let instance = Instance::start(name, &self.write_config_at(name, listen)).await;
        instance
            .wait_for_log("consuming from RabbitMQ", Duration::from_secs(30))
            .await;
        instance
    }

    /// `Credit_Limit__c` of every account, by account id.
    pub async fn credit_limits(&self) -> Vec<Option<f64>> {
        let mut limits = Vec::new();
        for account in &self.accounts {
            let row: Value = self
                .http
                .get(format!(
                    "{}/_sandbox/records/Account/{}",
                    self.sandbox.salesforce_url, account.account_id
                ))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            limits.push(row["Credit_Limit__c"].as_f64());
        }
        limits
    }

    /// `custentity_arr` of every relayed account's customer, in `relayed` order.
    pub async fn customer_arr(&self) -> Vec<Option<f64>> {
        let mut values = Vec::new();
        for pair in &self.relayed {
            let row: Value = self
                .http
                .get(format!(
                    "{}/_sandbox/records/customer/{}",
                    self.sandbox.netsuite_url, pair.customer_id
                ))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            values.push(row["custentity_arr"].as_f64());
        }
        values
    }
}

impl Drop for World {
    fn drop(&mut self) {
        self.broker.restore();
        let topology = self.topology();
        let drop_schema = (!std::thread::panicking()).then(|| self.schema.clone());
        if drop_schema.is_none() {
            eprintln!(
                "kept PostgreSQL schema {} for inspection (prefix {})",
                self.schema, self.prefix
            );
        }
        // On a runtime of its own: the test's may be unwinding or busy.
        let _ = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async move {
                broker::delete_objects(&topology).await;
                if let Some(schema) = drop_schema
                    && let Ok(mut admin) = sqlx::PgConnection::connect(&postgres_url()).await
                {
                    let _ = sqlx::query(&format!("DROP SCHEMA {schema} CASCADE"))
                        .execute(&mut admin)
                        .await;
                }
            });
        })
        .join();
    }
}
