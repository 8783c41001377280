//! The queue and store a synced test runs on. `RabbitPostgres` gives each test broker objects
//! under a name prefix of its own and a PostgreSQL schema of its own, and removes both when the
//! test ends, passed or failed.

use lapin::options::{ExchangeDeleteOptions, QueueDeleteOptions};
use lapin::{Channel, Connection, ConnectionProperties};
use std::time::Duration;
use tandem::Config;
use tandem::config::{QueueBackend, QueueConfig, Secret};
use tandem::queue::rabbitmq::Topology;

/// Which queue and store a test's tandem runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// The embedded queue and SQLite, in the test's temporary directory.
    Embedded,
    /// RabbitMQ (`TANDEM_TEST_AMQP_URL`) and PostgreSQL (`TANDEM_TEST_POSTGRES_URL`), the
    /// production backends.
    RabbitPostgres,
}

/// Work queues per test on RabbitMQ (see `Backing::configure`).
const SHARDS: u16 = 4;

fn amqp_url() -> String {
    std::env::var("TANDEM_TEST_AMQP_URL")
        .unwrap_or_else(|_| "amqp://guest:guest@127.0.0.1:5672/%2f".into())
}

fn postgres_url() -> String {
    std::env::var("TANDEM_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

/// What a test's tandem holds outside its temporary directory: removed when dropped.
pub struct Backing {
    backend: Backend,
    /// `tandem_e2e_<12 hex digits>`: the prefix of the broker objects, the schema, and the
    /// application name of the app's PostgreSQL sessions.
    name: String,
    /// The shard count the app was configured with (it names the work queues).
    shards: u16,
}

impl Backing {
    /// Creates the test's schema (RabbitPostgres); the app declares its broker objects itself.
    pub async fn new(backend: Backend) -> Backing {
        let name = format!(
            "tandem_e2e_{}",
            &uuid::Uuid::new_v4().simple().to_string()[..12]
        );
        if backend == Backend::RabbitPostgres {
            let url = postgres_url();
            let mut admin = <sqlx::PgConnection as sqlx::Connection>::connect(&url)
                .await
                .unwrap_or_else(|e| panic!("PostgreSQL at {url} is required: {e}"));
            sqlx::query(&format!("CREATE SCHEMA {name}"))
                .execute(&mut admin)
                .await
                .unwrap();
        }
        Backing {
            backend,
            name,
            shards: 0,
        }
    }

    /// Points `config` at the backend; its keys win over anything set before.
    pub fn configure(&mut self, config: &mut Config) {
        if self.backend == Backend::Embedded {
            return;
        }
        config.queue.backend = QueueBackend::Rabbitmq;
        config.queue.amqp_url = Some(Secret::from(amqp_url()));
        config.queue.prefix = self.name.clone();
        // Each quorum queue keeps about three file handles open in the broker, and a broker
        // with the common limit of 1024 descriptors stops accepting connections past roughly
        // 900: at the default 64 shards (81 queues with the retry tiers and dead letters) a
        // few tests at once are enough. Fewer shards, each with a larger prefetch, keep what
        // one instance may hold unacknowledged (shards × prefetch) at the default, which is
        // what bounds how many inventory updates one coalescing window gathers.
        let defaults = QueueConfig::default();
        config.queue.shards = SHARDS;
        config.queue.prefetch = defaults.shards * defaults.prefetch / SHARDS;
        self.shards = SHARDS;
        // libpq-style parameters: the tables go into the test's schema, and the sessions carry
        // a name that cleanup can find them by.
        let url = postgres_url();
        let separator = if url.contains('?') { '&' } else { '?' };
        config.store.url = Secret::from(format!(
            "{url}{separator}options=-c%20search_path%3D{name}&application_name={name}",
            name = self.name
        ));
    }

    /// What `configure` sets, as `TANDEM_<SECTION>__<KEY>` overrides for a `tandem` binary,
    /// with `shards` work queues (RabbitPostgres only): several binaries started with them
    /// share one store and one set of broker objects.
    pub fn binary_env(&mut self, shards: u16) -> Vec<(String, String)> {
        assert_eq!(
            self.backend,
            Backend::RabbitPostgres,
            "binaries share RabbitMQ and PostgreSQL"
        );
        let mut config = Config::default();
        self.configure(&mut config);
        self.shards = shards;
        let defaults = QueueConfig::default();
        [
            ("QUEUE__BACKEND", "rabbitmq".to_owned()),
            ("QUEUE__AMQP_URL", amqp_url()),
            ("QUEUE__PREFIX", self.name.clone()),
            ("QUEUE__SHARDS", shards.to_string()),
            (
                "QUEUE__PREFETCH",
                (defaults.shards * defaults.prefetch / shards).to_string(),
            ),
            ("STORE__URL", config.store.url.expose().to_owned()),
        ]
        .into_iter()
        .map(|(key, value)| (format!("TANDEM_{key}"), value))
        .collect()
    }

    /// Fails the test unless the store's tables landed in the test's own schema.
    pub async fn assert_isolated(&self) {
        if self.backend == Backend::Embedded {
            return;
        }
        let mut admin = <sqlx::PgConnection as sqlx::Connection>::connect(&postgres_url())
            .await
            .unwrap();
        let (tables,): (i64,) = sqlx::query_as(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = $1",
        )
        .bind(&self.name)
        .fetch_one(&mut admin)
        .await
        .unwrap();
        assert!(tables > 0, "no store table in schema {}", self.name);
    }
}

impl Drop for Backing {
    /// Runs on a runtime of its own, on another thread: the test's runtime may be unwinding.
    /// The test's runtime (tokio's default, a current-thread one) is blocked meanwhile, so the
    /// app cannot reconnect and declare its objects again.
    fn drop(&mut self) {
        if self.backend == Backend::Embedded {
            return;
        }
        let name = self.name.clone();
        // Only the names matter here: the retry tiers are the defaults, as in the app.
        let topology = Topology::new(&name, self.shards, 1, &[]);
        let _ = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async {
                drop_schema(&name).await;
                delete_objects(&topology).await;
            });
        })
        .join();
    }
}

/// Ends the app's sessions (a transaction the frozen app left open would hold its locks), then
/// drops the schema with everything in it. Best effort: a failure is reported, not raised.
async fn drop_schema(name: &str) {
    let result: Result<(), sqlx::Error> = async {
        let mut admin = <sqlx::PgConnection as sqlx::Connection>::connect(&postgres_url()).await?;
        sqlx::query(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
             WHERE application_name = $1 AND pid <> pg_backend_pid()",
        )
        .bind(name)
        .execute(&mut admin)
        .await?;
        sqlx::query("SET lock_timeout = '10s'")
            .execute(&mut admin)
            .await?;
        sqlx::query(&format!("DROP SCHEMA IF EXISTS {name} CASCADE"))
            .execute(&mut admin)
            .await?;
        Ok(())
    }
    .await;
    if let Err(error) = result {
        eprintln!("could not drop the test schema {name}: {error}");
    }
}

/// Deletes the test's queues and exchanges (whether or not they hold messages or consumers).
/// Best effort: a failure is reported, not raised.
async fn delete_objects(topology: &Topology) {
    let properties =
        ConnectionProperties::default().with_connection_name("tandem-e2e-cleanup".into());
    let url = amqp_url();
    let connect = Connection::connect(&url, properties);
    let connection = match tokio::time::timeout(Duration::from_secs(5), connect).await {
        Ok(Ok(connection)) => connection,
        Ok(Err(error)) => return eprintln!("cleanup cannot reach RabbitMQ: {error}"),
        Err(_) => return eprintln!("cleanup cannot reach RabbitMQ within 5 s"),
    };
    let mut queues = topology.work_queues();
    queues.extend(topology.retry_queues());
    queues.push(topology.dead_letter_queue());
    let mut channel = None;
    for queue in queues {
        // A failed delete closes its channel: the next one opens another.
        let deleted = match open(&connection, &mut channel).await {
            Ok(channel) => channel
                .queue_delete(queue.as_str().into(), QueueDeleteOptions::default())
                .await
                .map(drop),
            Err(error) => Err(error),
        };
        if let Err(error) = deleted {
            eprintln!("could not delete queue {queue}: {error}");
            channel = None;
        }
    }
    for exchange in topology.exchanges() {
        let deleted = match open(&connection, &mut channel).await {
            Ok(channel) => {
                channel
                    .exchange_delete(exchange.as_str().into(), ExchangeDeleteOptions::default())
                    .await
            }
            Err(error) => Err(error),
        };
        if let Err(error) = deleted {
            eprintln!("could not delete exchange {exchange}: {error}");
            channel = None;
        }
    }
    let _ = connection.close(200, "done".into()).await;
}

async fn open<'c>(
    connection: &Connection,
    channel: &'c mut Option<Channel>,
) -> Result<&'c Channel, lapin::Error> {
    if channel.is_none() {
        *channel = Some(connection.create_channel().await?);
    }
    Ok(channel.as_ref().expect("just opened"))
}
