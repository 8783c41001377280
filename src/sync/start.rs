//! Starting the sync engine from config: clients, mapping, workers, the inventory coalescer
//! and housekeeping. Off (ingress only) until both systems are configured.

use super::account_slots::{LEASE_LIFETIME, StoreSlots};
use super::claims::Claims;
use super::coalesce::InventoryCoalescer;
use super::context::SyncContext;
use super::flows::Flows;
use super::loop_guard::Identity;
use super::retry::RetryPolicy;
use super::settle::Settler;
use super::worker::Worker;
use crate::config::{Config, QueueBackend};
use crate::connectors::{NetsuiteClient, SalesforceClient};
use crate::queue::Queue;
use crate::store::Store;
use std::sync::Arc;
use std::time::Duration;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

/// How long processed event ids are kept at least: Salesforce redelivers for 24 hours. Never
/// less than `queue.dedupe_retention`, since a redelivery the queue does not recognise (the
/// RabbitMQ backend remembers ids in memory only) is stopped here.
const PROCESSED_RETENTION: Duration = Duration::from_secs(48 * 3600);
/// How long a record claim outlives its holder: what a record waits after a worker died while
/// applying one of its events. Renewed every third of it while the event is applied.
const CLAIM_LIFETIME: Duration = Duration::from_secs(10);

/// Whether workers run, and why not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SyncStatus {
    Running { workers: usize },
    Off { reason: String },
}

pub async fn start(
    config: &Config,
    queue: Arc<dyn Queue>,
    store: Arc<dyn Store>,
    stop: CancellationToken,
    tracker: &TaskTracker,
) -> anyhow::Result<SyncStatus> {
    if config.salesforce.instance_url.is_none() || config.netsuite.base_url.is_none() {
        return Ok(SyncStatus::Off {
            reason: "salesforce.instance_url and netsuite.base_url are not both set".into(),
        });
    }
    let salesforce =
        SalesforceClient::from_config(&config.salesforce).map_err(|e| anyhow::anyhow!("{e}"))?;
    let netsuite =
        NetsuiteClient::from_config(&config.netsuite).map_err(|e| anyhow::anyhow!("{e}"))?;
    // Several instances share a PostgreSQL store, and NetSuite counts their requests together.
    if store.backend() == "postgres" {
        let slots = StoreSlots::new(store.clone(), config.netsuite.concurrency, LEASE_LIFETIME);
        netsuite.share_account_slots(Arc::new(slots));
    }
    let mapping = crate::config::startup::load_mapping(&config.sync.mapping)
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let ctx = SyncContext {
        store: store.clone(),
        salesforce,
        netsuite,
        mapping: Arc::new(mapping),
        identity: Identity::from_config(config),
        delete_policy: config.sync.delete_policy,
        currencies: Default::default(),
    };
    let settler = Settler {
        queue: queue.clone(),
        store: store.clone(),
        policy: RetryPolicy::new(config.sync.retry_schedule.clone()),
        conflicts: config.sync.conflict_policy,
    };
    let coalescer = InventoryCoalescer::start(
        ctx.clone(),
        settler.clone(),
        config.sync.coalesce_window,
        stop.clone(),
        tracker,
    );
    if config.reconcile.enabled {
        tracker.spawn(crate::reconcile::schedule(
            ctx.clone(),
            queue.clone(),
            config.reconcile.clone(),
            stop.clone(),
        ));
    }
    let workers = usize::from(config.sync.workers);
    let worker = Arc::new(Worker {
        settler,
        flows: Arc::new(Flows { ctx }),
        takers: vec![coalescer],
        // Only a shared broker hands one record to two instances; the embedded queue's own
        // per-record leases serialise its single process.
        claims: (config.queue.backend == QueueBackend::Rabbitmq)
            .then(|| Claims::new(store.clone(), CLAIM_LIFETIME)),
    });
    worker.spawn(workers, stop.clone(), tracker);
    tracker.spawn(prune_processed(
        store,
        PROCESSED_RETENTION.max(config.queue.dedupe_retention),
        stop,
    ));
    Ok(SyncStatus::Running { workers })
}

async fn prune_processed(store: Arc<dyn Store>, retention: Duration, stop: CancellationToken) {
    loop {
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = tokio::time::sleep(Duration::from_secs(3600)) => {}
        }
        let before = chrono::Utc::now().timestamp_millis() - retention.as_millis() as i64;
        match store.prune_processed(before).await {
            Ok(count) => tracing::debug!(count, "forgot old processed event ids"),
            Err(error) => tracing::warn!(%error, "could not prune processed event ids"),
        }
    }
}
