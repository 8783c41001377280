//! Consuming: one consumer per shard queue (single active consumer makes it the only one among
//! tandem's instances), manual acks and a prefetch from config, plus the dead-letter mirror;
//! and the supervisor that reconnects with a bounded, jittered backoff when the broker goes away.

use super::connection::{Backoff, connect, unavailable};
use super::dispatch::{Dispatch, Incoming};
use super::headers::{self, LAST_ERROR};
use super::mirror;
use super::topology::Topology;
use crate::domain::Envelope;
use crate::queue::QueueError;
use crate::store::Store;
use lapin::message::DeliveryResult;
use lapin::options::{
    BasicConsumeOptions, BasicNackOptions, BasicQosOptions, BasicRejectOptions, QueueDeclareOptions,
};
use lapin::types::FieldTable;
use lapin::{Channel, Connection, Consumer};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use tokio::sync::Notify;
use tokio::time::Instant;
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

pub(super) struct Consumers {
    pub url: String,
    pub topology: Arc<Topology>,
    pub prefetch: u16,
    pub dispatch: Arc<Dispatch>,
    pub store: Arc<dyn Store>,
    /// Whether every consumer is attached now (readiness).
    pub connected: Arc<AtomicBool>,
}

type Boxed = Pin<Box<dyn Future<Output = ()> + Send>>;

impl Consumers {
    /// Runs sessions until `stop`, reconnecting after each failure.
    pub(super) async fn run(self, stop: CancellationToken) {
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

    /// One connection's life: declare, consume every shard and the dead letters, then wait
    /// until the connection or a consumer fails, or `stop`.
    async fn session(&self, stop: &CancellationToken) -> Result<(), QueueError> {
        let name = format!("{}-consumer", self.topology.prefix());
        let connection = connect(&self.url, &name).await?;
        let lost = Arc::new(Notify::new());
        let mut sessions = Vec::new();
        // Channels and consumers close when dropped: keep them for the session's life.
        let mut held: Vec<(Channel, Consumer)> = Vec::new();
        let result = async {
            let setup = connection
                .create_channel()
                .await
                .map_err(unavailable("open a channel"))?;
            self.topology
                .declare(&setup)
                .await
                .map_err(unavailable("declare the topology"))?;
            for shard in 0..self.topology.shards() {
                let session = self.dispatch.open_session();
                sessions.push(session);
                held.push(self.consume_shard(&connection, shard, session, &lost).await?);
            }
            held.push(
                mirror::start(&connection, &self.topology, self.store.clone(), lost.clone())
                    .await
                    .map_err(unavailable("consume the dead-letter queue"))?,
            );
            self.connected.store(true, Ordering::Release);
            tracing::info!(
                shards = self.topology.shards(),
                "consuming from RabbitMQ"
            );
            let mut ticks: u32 = 0;
            loop {
                tokio::select! {
                    _ = stop.cancelled() => return Ok(()),
                    _ = lost.notified() => {
                        return Err(QueueError::Unavailable("a consumer was cancelled or its channel closed".into()));
                    }
                    _ = tokio::time::sleep(HEALTH_EVERY) => {
                        if !connection.status().connected() {
                            return Err(QueueError::Unavailable("the connection closed".into()));
                        }
                        ticks += 1;
                        if ticks.is_multiple_of(CONSUMERS_CHECK_EVERY) {
                            self.check_registered(&setup).await?;
                        }
                    }
                }
            }
        }
        .await;
        self.connected.store(false, Ordering::Release);
        self.dispatch.close_sessions(&sessions);
        drop(held);
        // Unacknowledged deliveries go back to their queues when the connection closes.
        let _ = tokio::time::timeout(
            Duration::from_secs(2),
            connection.close(200, "tandem consumer stopping".into()),
        )
        .await;
        result
    }

    /// Every shard queue must list at least this instance's consumer (active or waiting): a
    /// queue that lost it without telling (a queue restarting with the broker) would otherwise
    /// never deliver again. A missing one ends the session, and the reconnect consumes afresh.
    async fn check_registered(&self, channel: &Channel) -> Result<(), QueueError> {
        // passive: look the queue up only (its counts); never create it.
        let options = QueueDeclareOptions {
            passive: true,
            ..QueueDeclareOptions::default()
        };
        for shard in 0..self.topology.shards() {
            let queue = self.topology.work_queue(shard);
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

    async fn consume_shard(
        &self,
        connection: &Connection,
        shard: u16,
        session: u64,
        lost: &Arc<Notify>,
    ) -> Result<(Channel, Consumer), QueueError> {
        let channel = connection
            .create_channel()
            .await
            .map_err(unavailable("open a channel"))?;
        // At most `prefetch` unacknowledged deliveries for this consumer (global=false: per
        // consumer; quorum queues do not support a channel-wide limit).
        channel
            .basic_qos(self.prefetch.max(1), BasicQosOptions { global: false })
            .await
            .map_err(unavailable("set the prefetch"))?;
        let options = BasicConsumeOptions {
            no_local: false,  // ignored by RabbitMQ
            no_ack: false,    // manual acks: a delivery is settled only after its side effect
            exclusive: false, // single-active-consumer arbitrates between instances instead
            nowait: false,    // wait for consume-ok, so a missing queue fails the session
        };
        let queue = self.topology.work_queue(shard);
        let consumer = channel
            .basic_consume(
                queue.as_str().into(),
                format!("tandem-{queue}-{session}").into(),
                options,
                FieldTable::default(),
            )
            .await
            .map_err(unavailable("consume a work queue"))?;
        let dispatch = self.dispatch.clone();
        let lost = lost.clone();
        // The delegate is called in delivery order; its synchronous part hands the delivery
        // over, so the order is kept (the returned future runs as a separate task).
        consumer.set_delegate(move |result: DeliveryResult| -> Boxed {
            match result {
                Ok(Some(delivery)) => offer(&dispatch, session, delivery),
                Ok(None) => {
                    lost.notify_one();
                    Box::pin(async {})
                }
                Err(error) => {
                    tracing::warn!(%error, "RabbitMQ consumer failed");
                    lost.notify_one();
                    Box::pin(async {})
                }
            }
        });
        Ok((channel, consumer))
    }
}

/// Decodes a delivery and hands it to the dispatch. An unreadable body is rejected without
/// requeue: the broker dead-letters it, and the mirror logs it.
fn offer(dispatch: &Dispatch, session: u64, delivery: lapin::message::Delivery) -> Boxed {
    let mut event = match Envelope::decode(&delivery.data) {
        Ok(event) => event,
        Err(error) => {
            tracing::error!(%error, delivery_tag = delivery.delivery_tag, "unreadable message on a work queue; dead-lettering it");
            let acker = delivery.acker;
            return Box::pin(async move {
                // requeue=false: drop from the work queue, which dead-letters it.
                let _ = acker.reject(BasicRejectOptions { requeue: false }).await;
            });
        }
    };
    event.attempt = headers::attempt(&delivery.properties);
    let incoming = Incoming {
        session,
        delivery_tag: delivery.delivery_tag,
        last_error: headers::read_text(&delivery.properties, LAST_ERROR),
        acker: delivery.acker,
        body: delivery.data,
        event,
    };
    match dispatch.offer(incoming) {
        Ok(()) => Box::pin(async {}),
        Err(acker) => {
            tracing::error!("RabbitMQ delivery buffer is full; handing the delivery back");
            Box::pin(async move {
                // requeue=true: back to the head of its queue.
                let options = BasicNackOptions {
                    multiple: false, // this delivery only
                    requeue: true,   // back to its queue, counting as a delivery
                };
                let _ = acker.nack(options).await;
            })
        }
    }
}
