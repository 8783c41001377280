//! The test fixture: a queue on its own broker objects (a unique name prefix) with a store in a
//! temporary directory, helpers that wait with deadlines, and cleanup that runs even on panic.

use super::super::*;
pub use crate::queue::test_support::{delivery, event};
use crate::store::SqliteStore;
use lapin::options::{ExchangeDeleteOptions, QueueDeleteOptions};
use std::future::Future;

/// How long a test waits for something that should happen.
pub const WAIT: Duration = Duration::from_secs(10);
/// How long a test watches for something that must not happen.
pub const QUIET: Duration = Duration::from_millis(300);

pub fn amqp_url() -> String {
    std::env::var("TANDEM_TEST_AMQP_URL")
        .unwrap_or_else(|_| "amqp://guest:guest@127.0.0.1:5672/%2f".into())
}

/// A queue on its own objects, with a store in a temporary directory. Dropping it stops the
/// consumers, then deletes the objects.
pub struct Fixture {
    pub queue: RabbitQueue,
    pub store: Arc<dyn Store>,
    _dir: tempfile::TempDir,
    pub cleanup: Cleanup,
}

impl Fixture {
    pub async fn new(tweak: impl FnOnce(&mut RabbitSettings)) -> Fixture {
        Self::with_store(tweak, None).await
    }

    /// A fixture on `store` (a SQLite store in a temporary directory when `None`).
    pub async fn with_store(
        tweak: impl FnOnce(&mut RabbitSettings),
        store: Option<Arc<dyn Store>>,
    ) -> Fixture {
        let mut settings = RabbitSettings {
            prefix: format!("tandem-test-{}", uuid::Uuid::new_v4().simple()),
            shards: 2,
            prefetch: 8,
            max_deliveries: 5,
            visibility_timeout: Duration::from_secs(60),
            retry_tiers: vec![Duration::from_secs(1)],
            ..RabbitSettings::new(&amqp_url())
        };
        tweak(&mut settings);
        let cleanup = Cleanup {
            topology: Topology::new(
                &settings.prefix,
                settings.shards,
                settings.max_deliveries,
                &settings.retry_tiers,
            ),
            extra_queues: vec![],
        };
        let dir = tempfile::tempdir().unwrap();
        let store: Arc<dyn Store> = match store {
            Some(store) => store,
            None => Arc::new(
                SqliteStore::open(&dir.path().join("store.db"))
                    .await
                    .unwrap(),
            ),
        };
        let queue = RabbitQueue::connect(settings, store.clone()).await.unwrap();
        let fixture = Fixture {
            queue,
            store,
            _dir: dir,
            cleanup,
        };
        fixture.wait_until_ready().await;
        fixture
    }

    pub async fn wait_until_ready(&self) {
        let deadline = Instant::now() + WAIT;
        while let Err(error) = self.queue.check().await {
            assert!(Instant::now() < deadline, "not ready: {error}");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Receives until an event of `record` comes, acknowledging the others; no receive may
    /// hand out two events of the record at once.
    pub async fn next_of(&self, record: &str) -> Lease {
        let deadline = Instant::now() + WAIT;
        loop {
            let wait = deadline.saturating_duration_since(Instant::now());
            let leases = self.queue.receive(10, wait).await.unwrap();
            let (mut mine, others): (Vec<Lease>, Vec<Lease>) = leases
                .into_iter()
                .partition(|lease| lease.event.record_id == record);
            for other in others {
                self.queue.ack(other.token).await.unwrap();
            }
            assert!(mine.len() <= 1, "two events of record {record} at once");
            if let Some(lease) = mine.pop() {
                return lease;
            }
            assert!(
                Instant::now() < deadline,
                "no event of record {record} came"
            );
        }
    }

    /// The ids of the next `count` events handed out (sorted), acknowledging them.
    pub async fn handle(&self, count: usize) -> Vec<String> {
        let deadline = Instant::now() + WAIT;
        let mut ids = Vec::new();
        while ids.len() < count {
            assert!(Instant::now() < deadline, "only {ids:?} came");
            for lease in self.queue.receive(count, QUIET).await.unwrap() {
                ids.push(lease.event.id.clone());
                self.queue.ack(lease.token).await.unwrap();
            }
        }
        ids.sort();
        ids
    }

    /// Event ids handed out within `QUIET`, acknowledging them.
    pub async fn drain_quietly(&self) -> Vec<String> {
        let mut ids = Vec::new();
        for lease in self.queue.receive(100, QUIET).await.unwrap() {
            ids.push(lease.event.id.clone());
            self.queue.ack(lease.token).await.unwrap();
        }
        ids
    }

    /// Polls `probe` until it answers `Some`, failing the test after `WAIT`.
    pub async fn eventually<T, F: Future<Output = Option<T>>>(
        &self,
        mut probe: impl FnMut() -> F,
    ) -> T {
        let deadline = Instant::now() + WAIT;
        loop {
            if let Some(value) = probe().await {
                return value;
            }
            assert!(Instant::now() < deadline, "condition not reached in time");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// A channel of a separate connection, for arranging the broker around the queue.
    pub async fn admin(&self) -> (lapin::Connection, lapin::Channel) {
        let connection = connection::connect(&amqp_url(), "tandem-test")
            .await
            .unwrap();
        let channel = connection.create_channel().await.unwrap();
        (connection, channel)
    }
}

/// Deletes a test's objects when dropped (on its own runtime: the test's may be unwinding).
pub struct Cleanup {
    pub topology: Topology,
    pub extra_queues: Vec<String>,
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        let topology = self.topology.clone();
        let extra = std::mem::take(&mut self.extra_queues);
        let _ = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(delete_objects(topology, extra));
        })
        .join();
    }
}

async fn delete_objects(topology: Topology, extra: Vec<String>) {
    let Ok(connection) = connection::connect(&amqp_url(), "tandem-test-cleanup").await else {
        return;
    };
    let Ok(channel) = connection.create_channel().await else {
        return;
    };
    let mut queues = topology.work_queues();
    queues.extend(topology.retry_queues());
    queues.push(topology.dead_letter_queue());
    queues.extend(extra);
    for queue in queues {
        let _ = channel
            .queue_delete(queue.into(), QueueDeleteOptions::default())
            .await;
    }
    for exchange in topology.exchanges() {
        let _ = channel
            .exchange_delete(exchange.into(), ExchangeDeleteOptions::default())
            .await;
    }
    let _ = connection.close(200, "done".into()).await;
}
