//! What a scenario runs in: the broker guard, the sandbox holding one Salesforce account per
//! NetSuite customer the load touches, a fresh PostgreSQL schema, a unique queue prefix, and
//! tandem config files pointing at all of them. Dropping it starts the broker if stopped, then
//! deletes the prefix's broker objects (and the schema, when the test passed).

use crate::broker::{self, Broker};
use crate::instance::Instance;
use serde_json::{Value, json};
use sqlx::Connection;
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

fn postgres_url() -> String {
    std::env::var("TANDEM_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

/// A NetSuite customer and the Salesforce account it updates.
#[derive(Debug, Clone)]
pub struct Account {
    pub customer_id: String,
    pub account_id: String,
}

pub struct World {
    /// Dropped (restored) explicitly first in `Drop`.
    pub broker: Broker,
    pub sandbox: Sandbox,
    pub http: reqwest::Client,
    pub accounts: Vec<Account>,
    pub prefix: String,
    pub schema: String,
    pub store_url: String,
    dir: tempfile::TempDir,
    pub started: Instant,
}

impl World {
    /// `records` accounts; `latency` is the sandbox's service time per API call.
    pub async fn new(records: usize, latency: Duration) -> World {
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
            latency,
            ..SandboxConfig::default()
        })
        .await
        .expect("the sandbox starts");
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()
            .unwrap();
        let mut world = World {
            broker,
            sandbox,
            http,
            accounts: Vec::new(),
            prefix,
            schema,
            store_url,
            dir: tempfile::tempdir().unwrap(),
            started,
        };
        for index in 0..records {
            let customer_id = (9001 + index).to_string();
            let account_id = world.create_account(index, &customer_id).await;
            world.accounts.push(Account {
                customer_id,
                account_id,
            });
        }
        world
    }

    /// Someone creates the account in the Salesforce UI, already naming its customer.
    async fn create_account(&self, index: usize, customer_id: &str) -> String {
        let response = self
            .http
            .post(format!(
                "{}/_sandbox/records/Account",
                self.sandbox.salesforce_url
            ))
            .json(&json!({ "Name": format!("Resilience {index}"), "NetSuite_Id__c": customer_id }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 201, "{}", response.text().await.unwrap());
        let row: Value = response.json().await.unwrap();
        row["Id"].as_str().expect("the new account's Id").to_owned()
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

    /// The Standard Webhooks secret the NetSuite events are signed with.
    pub fn netsuite_secret(&self) -> String {
        SandboxCredentials::default().netsuite_webhook_secret
    }

    /// Writes `<name>.toml`: RabbitMQ with the scenario's prefix, the shared PostgreSQL schema,
    /// both APIs on the sandbox (so the workers run), JSON logs.
    pub fn write_config(&self, name: &str) -> PathBuf {
        let c = SandboxCredentials::default();
        let text = format!(
            r#"[server]
listen = "127.0.0.1:0"
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

[netsuite]
account_id = "{ns_account}"
base_url = "{ns}"
consumer_key = "{ck}"
consumer_secret = "{cs}"
token_id = "{ti}"
token_secret = "{ts}"
integration_role = "{role}"
webhook_secrets = ["{secret}"]

[sync]
workers = {WORKERS}
"#,
            amqp = broker::amqp_url(),
            prefix = self.prefix,
            store = self.store_url,
            sf = self.sandbox.salesforce_url,
            sf_client = c.salesforce_client_id,
            sf_secret = c.salesforce_client_secret,
            org = c.salesforce_org_id,
            sf_user = c.salesforce_integration_user_id,
            ns_account = c.netsuite_account_id,
            ns = self.sandbox.netsuite_url,
            ck = c.netsuite_consumer_key,
            cs = c.netsuite_consumer_secret,
            ti = c.netsuite_token_id,
            ts = c.netsuite_token_secret,
            role = c.netsuite_integration_role,
            secret = c.netsuite_webhook_secret,
        );
        let path = self.dir.path().join(format!("{name}.toml"));
        std::fs::write(&path, text).unwrap();
        path
    }

    /// Starts an instance on a config of its own and waits until it consumes.
    pub async fn start_instance(&self, name: &str) -> Instance {
        let instance = Instance::start(name, &self.write_config(name)).await;
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

    /// Successful API updates (`PATCH …/sobjects/Account/{id}`) the sandbox served, by account.
    pub async fn account_updates(&self) -> std::collections::HashMap<String, usize> {
        let log: Value = self
            .http
            .get(format!(
                "{}/_sandbox/requests?limit=10000",
                self.sandbox.salesforce_url
            ))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let mut updates = std::collections::HashMap::new();
        for request in log.as_array().expect("the request log is a list") {
            let path = request["path"].as_str().unwrap_or_default();
            let path = path.split('?').next().unwrap_or_default();
            let status = request["status"].as_u64().unwrap_or_default();
            if request["method"] == "PATCH"
                && (200..300).contains(&status)
                && let Some((_, id)) = path.rsplit_once("/sobjects/Account/")
            {
                *updates.entry(id.to_owned()).or_default() += 1;
            }
        }
        updates
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
