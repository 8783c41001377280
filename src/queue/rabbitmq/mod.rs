//! The RabbitMQ queue backend, for production and for several instances: events are published
//! with confirms to a topic exchange, sharded by record into quorum queues that each have a
//! single active consumer, retried through TTL tier queues, and dead-lettered into a queue that
//! is mirrored into the store. `topology` names and declares the objects, `publisher` publishes,
//! `consumer` consumes and reconnects, `dispatch` keeps a record's events one at a time.
//!
//! Several instances on one prefix share the shards: each consuming instance is a member in the
//! store (`membership`), the live members split the shards by a pure function of their sorted
//! ids (`assignment`), and an instance consumes only its own (`owned`), draining a shard before
//! it lets go. Single-active-consumer stays on as the safety net during a hand-over.
//!
//! Unlike the embedded queue, a retried event does not hold back later events of its record:
//! they are handed out while it waits in its tier, and the worker's stale-version check skips
//! the retried event if a newer one was applied meanwhile.

mod assignment;
mod connection;
mod consumer;
mod dispatch;
mod headers;
mod membership;
mod memory;
mod mirror;
mod owned;
mod publisher;
mod settle;
mod shard_channel;
pub mod topology;

pub use topology::{DEFAULT_RETRY_TIERS, Topology};

use super::{Delivery, EnqueueOutcome, Lease, LeaseToken, Queue, QueueDepth, QueueError};
use crate::store::{Store, StoreError};
use async_trait::async_trait;
use connection::unavailable;
use dispatch::Dispatch;
use headers::ATTEMPTS;
use lapin::ExchangeKind;
use lapin::options::{ExchangeDeclareOptions, QueueDeclareOptions};
use lapin::types::FieldTable;
use publisher::Publisher;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

/// Tunables of the RabbitMQ queue (from `[queue]`). Not `Debug`: the URL holds a password.
#[derive(Clone)]
pub struct RabbitSettings {
    /// `amqp://user:pass@host:5672/%2f` or `amqps://…`.
    pub amqp_url: String,
    /// Names every object: `{prefix}.events`, `{prefix}.work.{n}`… Default `tandem`.
    pub prefix: String,
    pub shards: u16,
    /// Unacknowledged deliveries per shard consumer.
    pub prefetch: u16,
    /// Becomes the work queues' `x-delivery-limit`.
    pub max_deliveries: u32,
    /// A lease not settled within this time is handed back to its queue.
    pub visibility_timeout: Duration,
    /// Retry delay tiers; empty means [`DEFAULT_RETRY_TIERS`].
    pub retry_tiers: Vec<Duration>,
    /// Whether to consume the shard queues; off for a process that only publishes (`tandem
    /// dlq replay`), so that it never takes deliveries away from the running instances.
    pub consume: bool,
    /// How long this instance remembers ingress delivery ids to answer redeliveries as
    /// duplicates (`queue.dedupe_retention`; see `memory` for the bound on how many).
    pub dedupe_retention: Duration,
}

impl RabbitSettings {
    /// The defaults of `[queue]` for this broker URL.
    pub fn new(amqp_url: &str) -> Self {
        let defaults = crate::config::QueueConfig::default();
        Self {
            amqp_url: amqp_url.to_owned(),
            prefix: defaults.prefix,
            shards: defaults.shards,
            prefetch: defaults.prefetch,
            max_deliveries: defaults.max_deliveries,
            visibility_timeout: defaults.visibility_timeout,
            retry_tiers: Vec::new(),
            consume: true,
            dedupe_retention: defaults.dedupe_retention,
        }
    }
}

pub struct RabbitQueue {
    topology: Arc<Topology>,
    publisher: Publisher,
    dispatch: Arc<Dispatch>,
    store: Arc<dyn Store>,
    memory: memory::DeliveryMemory,
    consumers_up: Arc<AtomicBool>,
    visibility_timeout: Duration,
    /// Stops the consumers when the queue is dropped.
    stop: CancellationToken,
    /// The shards the consumer session holds now.
    owned: owned::Report,
    /// The membership and consumer tasks, awaited by `close` (so the membership row is gone
    /// before the process exits).
    tasks: std::sync::Mutex<Vec<tokio::task::JoinHandle<()>>>,
}

impl RabbitQueue {
    /// Connects (failing within a few seconds if the broker is unreachable), declares the
    /// topology and, unless `settings.consume` is off, starts consuming in the background. The store keeps delivery ids and
    /// dead letters.
    pub async fn connect(
        settings: RabbitSettings,
        store: Arc<dyn Store>,
    ) -> Result<Self, QueueError> {
        let topology = Arc::new(Topology::new(
            &settings.prefix,
            settings.shards,
            settings.max_deliveries,
            &settings.retry_tiers,
        ));
        let name = format!("{}-publisher", settings.prefix);
        let publisher = Publisher::connect(&settings.amqp_url, &name).await?;
        let channel = publisher.admin_channel().await?;
        topology
            .declare(&channel)
            .await
            .map_err(unavailable("declare the topology"))?;
        // The broker sends each shard consumer at most `prefetch` unacknowledged deliveries.
        let capacity = usize::from(topology.shards()) * usize::from(settings.prefetch.max(1));
        let dispatch = Arc::new(Dispatch::new(capacity + 64));
        let consumers_up = Arc::new(AtomicBool::new(false));
        let stop = CancellationToken::new();
        let mut tasks = Vec::new();
        let owned = owned::Report::default();
        // A process that only publishes (`consume` off) is no member: it takes no shard.
        if settings.consume {
            let membership = membership::Membership {
                store: store.clone(),
                prefix: settings.prefix.clone(),
                shards: topology.shards(),
            };
            let (assignment, members) = membership.start(stop.clone());
            let consumers = consumer::Consumers {
                url: settings.amqp_url.clone(),
                topology: topology.clone(),
                prefetch: settings.prefetch,
                dispatch: dispatch.clone(),
                store: store.clone(),
                connected: consumers_up.clone(),
                assignment,
                visibility_timeout: settings.visibility_timeout,
                owned: owned.clone(),
            };
            tasks.push(members);
            tasks.push(tokio::spawn(consumers.run(stop.clone())));
        }
        Ok(Self {
            topology,
            publisher,
            dispatch,
            memory: memory::DeliveryMemory::new(settings.dedupe_retention),
            store,
            consumers_up,
            visibility_timeout: settings.visibility_timeout,
            stop,
            owned,
            tasks: std::sync::Mutex::new(tasks),
        })
    }

    pub fn topology(&self) -> &Topology {
        &self.topology
    }

    /// A queue's ready messages and attached consumers.
    async fn counts(
        &self,
        channel: &lapin::Channel,
        queue: String,
    ) -> Result<(u64, u64), QueueError> {
        // passive: only look the queue up (its counts); never create it.
        let options = QueueDeclareOptions {
            passive: true,
            ..QueueDeclareOptions::default()
        };
        let declared = channel
            .queue_declare(queue.into(), options, FieldTable::default())
            .await
            .map_err(unavailable("look up a queue"))?;
        Ok((
            u64::from(declared.message_count()),
            u64::from(declared.consumer_count()),
        ))
    }
}

impl Drop for RabbitQueue {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

fn store_unavailable(error: StoreError) -> QueueError {
    QueueError::Unavailable(format!("store: {error}"))
}

#[async_trait]
impl Queue for RabbitQueue {
    fn backend(&self) -> &'static str {
        "rabbitmq"
    }

    /// Skips deliveries this instance queued recently, publishes every event of the others
    /// with confirms, and only then remembers their ids (in memory: see `memory`). A redelivery
    /// it does not recognise is queued again, and the worker applies its events once.
    async fn enqueue(&self, deliveries: Vec<Delivery>) -> Result<EnqueueOutcome, QueueError> {
        let keys: Vec<&str> = deliveries.iter().map(|d| d.dedupe_key.as_str()).collect();
        let seen = self.memory.seen(&keys);
        let mut outcome = EnqueueOutcome::default();
        let mut fresh: Vec<&str> = Vec::with_capacity(deliveries.len());
        let mut batch = Vec::new();
        for (delivery, seen) in deliveries.iter().zip(seen) {
            if seen || fresh.contains(&delivery.dedupe_key.as_str()) {
                outcome.duplicates += 1;
                continue;
            }
            for event in &delivery.events {
                let headers = headers::table(vec![(ATTEMPTS, headers::int(0))]);
                let body = crate::domain::Envelope::encode(event);
                batch.push(self.message(self.topology.events_exchange(), event, body, headers));
            }
            outcome.accepted += delivery.events.len();
            fresh.push(&delivery.dedupe_key);
        }
        self.publisher.publish(batch).await?;
        self.memory.remember(fresh);
        Ok(outcome)
    }

    async fn receive(&self, max: usize, wait: Duration) -> Result<Vec<Lease>, QueueError> {
        let deadline = Instant::now() + wait;
        loop {
            self.hand_back_expired().await;
            // Register interest before looking, so an arrival between the look and the wait
            // still wakes us.
            let changed = self.dispatch.changed();
            tokio::pin!(changed);
            changed.as_mut().enable();
            let leases = self.dispatch.take(max);
            if !leases.is_empty() || Instant::now() >= deadline {
                return Ok(leases);
            }
            // An expiring lease frees its record: look again then.
            let next_look = self
                .dispatch
                .next_expiry(self.visibility_timeout)
                .map_or(deadline, |expiry| expiry.min(deadline));
            tokio::select! {
                _ = &mut changed => {}
                _ = tokio::time::sleep_until(next_look) => {}
            }
        }
    }

    async fn ack(&self, token: LeaseToken) -> Result<(), QueueError> {
        self.acknowledge(token).await
    }

    /// See `settle`.
    async fn retry_later(
        &self,
        token: LeaseToken,
        delay: Duration,
        error: &str,
    ) -> Result<(), QueueError> {
        self.retry_copy(token, delay, error, true).await
    }

    /// Republished through the retry tiers like a retry, but not counted as an attempt.
    async fn postpone(
        &self,
        token: LeaseToken,
        delay: Duration,
        reason: &str,
    ) -> Result<(), QueueError> {
        self.retry_copy(token, delay, reason, false).await
    }

    /// See `settle`.
    async fn dead_letter(&self, token: LeaseToken, reason: &str) -> Result<(), QueueError> {
        self.give_up(token, reason).await
    }

    /// Ready messages of the work queues and retry tiers (passive declares), plus what this
    /// instance holds; `dead_letters` counts those not yet mirrored into the store. Deliveries
    /// held by other instances are not counted.
    async fn depth(&self) -> Result<QueueDepth, QueueError> {
        let channel = self.publisher.admin_channel().await?;
        let (mut ready, mut consumers) = (0, 0);
        for queue in self.topology.work_queues() {
            let counts = self.counts(&channel, queue).await?;
            ready += counts.0;
            consumers += counts.1;
        }
        let mut delayed = 0;
        for queue in self.topology.retry_queues() {
            delayed += self.counts(&channel, queue).await?.0;
        }
        let dead_letters = self
            .counts(&channel, self.topology.dead_letter_queue())
            .await?
            .0;
        let (pending, in_flight) = self.dispatch.counts();
        Ok(QueueDepth {
            total: ready + delayed + pending + in_flight,
            delayed,
            in_flight,
            dead_letters,
            oldest_age_ms: None,
            consumers: Some(consumers),
        })
    }

    /// Leaves the consumers: the membership row is deleted (the others take the shards over at
    /// once) and the consumer connection closes, returning what it had not acknowledged.
    async fn close(&self) {
        self.stop.cancel();
        let tasks = std::mem::take(&mut *self.tasks.lock().unwrap_or_else(|e| e.into_inner()));
        for task in tasks {
            let _ = tokio::time::timeout(Duration::from_secs(5), task).await;
        }
    }

    /// The consumers are attached and the publisher's connection answers a passive declare.
    async fn check(&self) -> Result<(), QueueError> {
        if !self.consumers_up.load(Ordering::Acquire) {
            return Err(QueueError::Unavailable(
                "RabbitMQ consumers are not connected".into(),
            ));
        }
        let channel = self.publisher.admin_channel().await?;
        // passive: only check that the exchange exists.
        let options = ExchangeDeclareOptions {
            passive: true,
            ..ExchangeDeclareOptions::default()
        };
        channel
            .exchange_declare(
                self.topology.events_exchange().into(),
                ExchangeKind::Topic,
                options,
                FieldTable::default(),
            )
            .await
            .map_err(unavailable("find the events exchange"))
    }
}

#[cfg(test)]
mod tests;
