//! Consuming: the shard queues this instance is assigned (see `membership`), each on a channel
//! of its own with manual acks and a prefetch from config, plus the dead-letter mirror; and the
//! supervisor that reconnects with a bounded, jittered backoff when the broker goes away.
//! Single-active-consumer stays on the queues as a safety net: a shard taken over while its
//! previous owner still consumes it waits as the non-active consumer until that one lets go.

use super::connection::{Backoff, connect, unavailable};
use super::dispatch::Dispatch;
use super::membership::Assignment;
use super::mirror;
use super::owned::{Opener, OwnedShards};
use super::topology::Topology;
use crate::queue::QueueError;
use crate::store::Store;
use lapin::options::QueueDeclareOptions;
use lapin::types::FieldTable;
use lapin::{Channel, Consumer};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use tokio::sync::Notify;
use tokio::time::{Instant, MissedTickBehavior};
use tokio_util::sync::CancellationToken;

const RECONNECT_MIN: Duration = Duration::from_millis(500);
const RECONNECT_MAX: Duration = Duration::from_secs(5);
/// A session that lasted this long was healthy: the next reconnect starts from the short delay.
const STABLE_AFTER: Duration = Duration::from_secs(60);
/// How often a session checks that its connection is still open (consumers usually notice a
/// drop sooner, through their delegate).
const HEALTH_EVERY: Duration = Duration::from_secs(1);
/// Every this many health ticks, the broker is asked whether each shard still lists a consumer.
const CONSUMERS_CHECK_EVERY: u32 = 5;
/// How often a shard being handed over looks whether its leases settled.
const DRAIN_POLL: Duration = Duration::from_millis(50);
/// The longest a shard being handed over waits for its leases (at most the visibility timeout).
const DRAIN_AT_MOST: Duration = Duration::from_secs(30);

pub(super) struct Consumers {
    pub url: String,
    pub topology: Arc<Topology>,
    pub prefetch: u16,
    pub dispatch: Arc<Dispatch>,
    pub store: Arc<dyn Store>,
    /// Whether every consumer is attached now (readiness).
    pub connected: Arc<AtomicBool>,
    /// The shards to consume, kept up to date by the membership.
    pub assignment: Assignment,
    pub visibility_timeout: Duration,
    /// Where the shards held now are reported.
    pub owned: super::owned::Report,
}

impl Consumers {
    /// Runs sessions until `stop`, reconnecting after each failure.
    pub(super) async fn run(mut self, stop: CancellationToken) {
        let mut backoff = Backoff::new(RECONNECT_MIN, RECONNECT_MAX);
        loop {
            let started = Instant::now();
            let ended = self.session(&stop).await;
            self.connected.store(false, Ordering::Release);
            if stop.is_cancelled() {
                return;
            }
            if started.elapsed() >= STABLE_AFTER {
                backoff.reset();
            }
            let delay = backoff.next_delay();
            if let Err(error) = ended {
                tracing::warn!(%error, ?delay, "RabbitMQ consumers are down; reconnecting");
            }
            tokio::select! {
                _ = stop.cancelled() => return,
                _ = tokio::time::sleep(delay) => {}
            }
        }
    }

    /// One connection's life: declare, consume the assigned shards and the dead letters, follow
    /// the assignment, until the connection or a consumer fails, or `stop`.
    async fn session(&mut self, stop: &CancellationToken) -> Result<(), QueueError> {
        let Consumers {
            url,
            topology,
            prefetch,
            dispatch,
            store,
            connected,
            assignment,
            visibility_timeout,
            owned: report,
        } = self;
        // The first assignment, before anything is consumed (readiness waits for it).
        tokio::select! {
            _ = stop.cancelled() => return Ok(()),
            known = assignment.wait_for(Option::is_some) => {
                if known.is_err() {
                    return Ok(()); // the membership stopped: so are we
                }
            }
        }
        let name = format!("{}-consumer", topology.prefix());
        let connection = connect(url, &name).await?;
        let lost = Arc::new(Notify::new());
        let mut owned = OwnedShards::new(report.clone());
        // The mirror's channel and consumer close when dropped: keep them for the session.
        let mut mirror: Option<(Channel, Consumer)> = None;
        let drain_limit = (*visibility_timeout).min(DRAIN_AT_MOST);
        let opener = Opener {
            connection: &connection,
            topology,
            prefetch: *prefetch,
            dispatch,
            lost: &lost,
        };
        let result = async {
            let setup = connection
                .create_channel()
                .await
                .map_err(unavailable("open a channel"))?;
            topology
                .declare(&setup)
                .await
                .map_err(unavailable("declare the topology"))?;
            let wanted = assignment.borrow_and_update().clone().unwrap_or_default();
            owned.follow(&wanted, &opener, drain_limit).await?;
            mirror = Some(
                mirror::start(&connection, topology, store.clone(), lost.clone())
                    .await
                    .map_err(unavailable("consume the dead-letter queue"))?,
            );
            connected.store(true, Ordering::Release);
            tracing::info!(
                shards = topology.shards(),
                consumed = ?owned.held().collect::<Vec<_>>(),
                "consuming from RabbitMQ"
            );
            let mut health = tokio::time::interval(HEALTH_EVERY);
            health.set_missed_tick_behavior(MissedTickBehavior::Delay);
            health.reset();
            let mut drain_poll = tokio::time::interval(DRAIN_POLL);
            let mut ticks: u32 = 0;
            loop {
                tokio::select! {
                    _ = stop.cancelled() => return Ok(()),
                    _ = lost.notified() => {
                        return Err(QueueError::Unavailable("a consumer was cancelled or its channel closed".into()));
                    }
                    changed = assignment.changed() => {
                        if changed.is_err() {
                            return Ok(()); // the membership stopped: so are we
                        }
                        let wanted = assignment.borrow_and_update().clone().unwrap_or_default();
                        owned.follow(&wanted, &opener, drain_limit).await?;
                    }
                    _ = drain_poll.tick(), if owned.is_draining() => {
                        owned.finish_drains(dispatch, drain_limit).await;
                        if !owned.is_draining() {
                            // A shard assigned back while it drained is consumed again now.
                            let wanted = assignment.borrow().clone().unwrap_or_default();
                            owned.follow(&wanted, &opener, drain_limit).await?;
                        }
                    }
                    _ = health.tick() => {
                        if !connection.status().connected() {
                            return Err(QueueError::Unavailable("the connection closed".into()));
                        }
                        ticks += 1;
                        if ticks.is_multiple_of(CONSUMERS_CHECK_EVERY) {
                            check_registered(topology, &setup, owned.held().collect()).await?;
                        }
                    }
                }
            }
        }
        .await;
        connected.store(false, Ordering::Release);
        owned.release_all(dispatch);
        drop(mirror);
        // Unacknowledged deliveries go back to their queues when the connection closes.
        let _ = tokio::time::timeout(
            Duration::from_secs(2),
            connection.close(200, "tandem consumer stopping".into()),
        )
        .await;
        result
    }
}

/// Every shard queue this instance consumes must list at least its consumer (active or
/// waiting): a queue that lost it without telling (a queue restarting with the broker) would
/// otherwise never deliver again. A missing one ends the session, and the reconnect consumes
/// afresh. Shards assigned elsewhere are not looked at.
async fn check_registered(
    topology: &Topology,
    channel: &Channel,
    shards: Vec<u16>,
) -> Result<(), QueueError> {
    // passive: look the queue up only (its counts); never create it.
    let options = QueueDeclareOptions {
        passive: true,
        ..QueueDeclareOptions::default()
    };
    for shard in shards {
        let queue = topology.work_queue(shard);
        let declared = channel
            .queue_declare(queue.as_str().into(), options, FieldTable::default())
            .await
            .map_err(unavailable("look up a work queue"))?;
        if declared.consumer_count() == 0 {
            return Err(QueueError::Unavailable(format!(
                "{queue} lists no consumer although this instance consumes it"
            )));
        }
    }
    Ok(())
}
