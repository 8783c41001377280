//! Publishing with confirms on a small pool of channels: every message of a batch is in flight
//! at once, and the batch succeeds only when the broker confirmed each one as routed and stored.
//! A broken channel or connection is replaced on next use; an unreachable broker fails fast.

use super::connection::{Backoff, connect, unavailable};
use crate::queue::QueueError;
use lapin::options::{BasicPublishOptions, ConfirmSelectOptions};
use lapin::{BasicProperties, Channel, Confirmation, Connection};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use tokio::sync::Mutex;
use tokio::time::Instant;

/// Channels publishing concurrently; each carries many publishes in flight.
const POOL: usize = 4;
/// How long a batch may wait for its confirms (a blocked or overloaded broker) before the
/// enqueue fails with `Unavailable` and the sender retries.
const CONFIRM_TIMEOUT: Duration = Duration::from_secs(5);
/// After a failed connect, further attempts wait this backoff (fail fast meanwhile).
const RECONNECT_MIN: Duration = Duration::from_millis(250);
const RECONNECT_MAX: Duration = Duration::from_secs(5);

/// One message to publish.
pub(super) struct Outgoing {
    pub exchange: String,
    pub routing_key: String,
    pub body: Vec<u8>,
    pub properties: BasicProperties,
    /// The event id, for error messages.
    pub id: String,
}

struct Link {
    connection: Option<Arc<Connection>>,
    backoff: Backoff,
    /// No connection attempt before this instant (after a failed one).
    retry_at: Option<Instant>,
}

pub(super) struct Publisher {
    url: String,
    /// The connection's name in the broker's list.
    name: String,
    link: Mutex<Link>,
    /// Confirm-mode channels, used round-robin.
    channels: Vec<Mutex<Option<Channel>>>,
    /// A plain channel for passive declares (depth, readiness): a failed one closes its channel.
    admin: Mutex<Option<Channel>>,
    next: AtomicUsize,
}

impl Publisher {
    /// Connects now, so that a wrong URL or an unreachable broker fails start-up.
    pub(super) async fn connect(url: &str, name: &str) -> Result<Self, QueueError> {
        let publisher = Self {
            url: url.to_owned(),
            name: name.to_owned(),
            link: Mutex::new(Link {
                connection: None,
                backoff: Backoff::new(RECONNECT_MIN, RECONNECT_MAX),
                retry_at: None,
            }),
            channels: (0..POOL).map(|_| Mutex::new(None)).collect(),
            admin: Mutex::new(None),
            next: AtomicUsize::new(0),
        };
        publisher.connection().await?;
        Ok(publisher)
    }

    /// The open connection, reconnecting if it broke (unless a recent attempt failed).
    pub(super) async fn connection(&self) -> Result<Arc<Connection>, QueueError> {
        let mut link = self.link.lock().await;
        if let Some(connection) = &link.connection {
            if connection.status().connected() {
                return Ok(connection.clone());
            }
            tracing::warn!("RabbitMQ publisher connection lost; reconnecting");
            link.connection = None;
        }
        if let Some(at) = link.retry_at
            && Instant::now() < at
        {
            return Err(QueueError::Unavailable(
                "RabbitMQ is unreachable; reconnecting".into(),
            ));
        }
        match connect(&self.url, &self.name).await {
            Ok(connection) => {
                let connection = Arc::new(connection);
                link.connection = Some(connection.clone());
                link.retry_at = None;
                link.backoff.reset();
                Ok(connection)
            }
            Err(error) => {
                link.retry_at = Some(Instant::now() + link.backoff.next_delay());
                Err(error)
            }
        }
    }

    /// A confirm-mode channel of the pool, opened anew if its predecessor closed.
    async fn channel(&self) -> Result<Channel, QueueError> {
        let slot = &self.channels[self.next.fetch_add(1, Ordering::Relaxed) % POOL];
        let mut slot = slot.lock().await;
        if let Some(channel) = slot.as_ref().filter(|c| c.status().connected()) {
            return Ok(channel.clone());
        }
        let channel = self
            .connection()
            .await?
            .create_channel()
            .await
            .map_err(unavailable("open a channel"))?;
        // Confirm mode: the broker acks each publish once every queue it was routed to has
        // it (quorum queues: replicated to a majority), or nacks it (e.g. a full queue).
        channel
            .confirm_select(ConfirmSelectOptions { nowait: false })
            .await
            .map_err(unavailable("enable publisher confirms"))?;
        *slot = Some(channel.clone());
        Ok(channel)
    }

    /// A non-confirm channel for passive declares; reopened after a declare closed it.
    pub(super) async fn admin_channel(&self) -> Result<Channel, QueueError> {
        let mut slot = self.admin.lock().await;
        if let Some(channel) = slot.as_ref().filter(|c| c.status().connected()) {
            return Ok(channel.clone());
        }
        let channel = self
            .connection()
            .await?
            .create_channel()
            .await
            .map_err(unavailable("open a channel"))?;
        *slot = Some(channel.clone());
        Ok(channel)
    }

    /// Publishes every message, then waits for all their confirms. Succeeds only if each was
    /// routed to a queue and acked; a nack, an unroutable return, a closed channel or no
    /// answer within the timeout is `Unavailable`. While the broker blocks publishing (a
    /// memory or disk alarm) nothing is sent and the answer is `Busy` at once: the publish
    /// would only wait for the alarm to clear.
    pub(super) async fn publish(&self, batch: Vec<Outgoing>) -> Result<(), QueueError> {
        if batch.is_empty() {
            return Ok(());
        }
        // Asked first: a blocked connection is not read by the broker at all, so even opening
        // a channel on it would wait for the alarm to clear.
        if self.connection().await?.status().blocked() {
            return Err(QueueError::Busy(
                "RabbitMQ blocked publishing (a memory or disk alarm)".into(),
            ));
        }
        let channel = tokio::time::timeout(CONFIRM_TIMEOUT, self.channel())
            .await
            .map_err(|_| {
                QueueError::Unavailable(format!(
                    "RabbitMQ did not open a channel within {CONFIRM_TIMEOUT:?}"
                ))
            })??;
        match tokio::time::timeout(CONFIRM_TIMEOUT, publish_on(&channel, batch)).await {
            Ok(result) => result,
            Err(_) => {
                // Abandoned confirms stay registered on the channel: close it, so the slot
                // gets a fresh one on next use.
                tokio::spawn(async move { channel.close(200, "confirm timeout".into()).await });
                Err(QueueError::Unavailable(format!(
                    "RabbitMQ did not confirm the publish within {CONFIRM_TIMEOUT:?}"
                )))
            }
        }
    }
}

async fn publish_on(channel: &Channel, batch: Vec<Outgoing>) -> Result<(), QueueError> {
    let mut pending = Vec::with_capacity(batch.len());
    for message in batch {
        let options = BasicPublishOptions {
            // Return the message if no queue is bound for its routing key, instead of
            // silently dropping it; the return arrives with the confirm and fails the batch.
            mandatory: true,
            // Not supported by RabbitMQ (it would require a ready consumer).
            immediate: false,
        };
        let confirm = channel
            .basic_publish(
                message.exchange.into(),
                message.routing_key.into(),
                options,
                &message.body,
                message.properties,
            )
            .await
            .map_err(unavailable("publish"))?;
        pending.push((message.id, confirm));
    }
    // Every confirm is awaited even after a failure, so none is left dangling on the channel.
    let mut outcome = Ok(());
    for (id, confirm) in pending {
        let result = match confirm.await {
            Ok(Confirmation::Ack(None)) => Ok(()),
            Ok(Confirmation::Ack(Some(returned))) => Err(QueueError::Unavailable(format!(
                "RabbitMQ could not route event {id}: {} {}",
                returned.reply_code, returned.reply_text
            ))),
            Ok(Confirmation::Nack(_)) => Err(QueueError::Unavailable(format!(
                "RabbitMQ refused event {id} (a queue is full or unavailable)"
            ))),
            Ok(Confirmation::NotRequested) => Err(QueueError::Unavailable(
                "publisher confirms are off on this channel".into(),
            )),
            Err(error) => Err(unavailable("confirm a publish")(error)),
        };
        if outcome.is_ok() {
            outcome = result;
        }
    }
    outcome
}
