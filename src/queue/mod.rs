//! The durable queue between ingress and workers, behind one trait: `embedded` (a SQLite file)
//! now, RabbitMQ for several instances. Events of one record are handed out in order, one at a
//! time. The trait carries transport only; dead letters, links and history live in the store.
//! `open` opens the backend that `[queue]` names.

pub mod embedded;
pub mod open;
pub mod rabbitmq;
#[cfg(test)]
pub(crate) mod test_support;

use crate::domain::ChangeEvent;
use async_trait::async_trait;
use std::time::Duration;

/// What one inbound request carries: a delivery id that the sender repeats on redelivery, and
/// the events it contains. A delivery already seen is acknowledged without queueing anything.
#[derive(Debug, Clone)]
pub struct Delivery {
    /// Unique per sender and delivery, e.g. `netsuite:webhook:<webhook-id>` or
    /// `salesforce:notification:<Id>`.
    pub dedupe_key: String,
    pub events: Vec<ChangeEvent>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct EnqueueOutcome {
    /// Events newly made durable.
    pub accepted: usize,
    /// Deliveries dropped because they had been accepted before.
    pub duplicates: usize,
}

/// Identifies one hand-out of an event; acknowledging with a stale token fails.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LeaseToken {
    pub(crate) id: i64,
    pub(crate) nonce: i64,
}

/// An event handed to a worker. It comes back to another worker unless acknowledged,
/// retried or dead-lettered before the visibility timeout.
#[derive(Debug, Clone)]
pub struct Lease {
    pub token: LeaseToken,
    pub event: ChangeEvent,
    /// Set when the queue handed this event out `queue.max_deliveries` times without an
    /// answer (a worker crashing on it): the worker does not apply it again, but records it as
    /// a dead letter in the store with this reason, where ops see and replay it.
    pub exhausted: Option<String>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct QueueDepth {
    /// Events waiting, including delayed and in-flight ones.
    pub total: u64,
    /// Events waiting for a retry delay to pass.
    pub delayed: u64,
    /// Events handed to a worker and not yet acknowledged.
    pub in_flight: u64,
    pub dead_letters: u64,
    /// How long the oldest event has been waiting (0 when none is), when the backend can tell
    /// (the embedded queue; RabbitMQ does not say over AMQP).
    pub oldest_age_ms: Option<u64>,
    /// Consumers attached to the work queues, across every instance (RabbitMQ); the embedded
    /// queue's consumers are the process's own workers.
    pub consumers: Option<u64>,
}

#[derive(Debug, Clone, thiserror::Error)]
pub enum QueueError {
    /// The queue cannot take or hand out events now (disk full, broker down); senders retry.
    #[error("queue unavailable: {0}")]
    Unavailable(String),
    /// The queue is up but cannot take more now (the broker blocked publishing); senders retry
    /// soon.
    #[error("{0}")]
    Busy(String),
    /// The lease expired and the event was handed to another worker.
    #[error("lease lost: the event was handed out again")]
    LeaseLost,
    /// A stored event could not be read back.
    #[error("stored event {0} is unreadable: {1}")]
    Corrupt(String, String),
}

#[async_trait]
pub trait Queue: Send + Sync + 'static {
    /// `embedded` or `rabbitmq`, for metrics and logs.
    fn backend(&self) -> &'static str;

    /// Makes every event of every delivery durable, or none of them. Returns only after commit.
    async fn enqueue(&self, deliveries: Vec<Delivery>) -> Result<EnqueueOutcome, QueueError>;

    /// Up to `max` events whose record has no earlier event pending; waits up to `wait` for one.
    async fn receive(&self, max: usize, wait: Duration) -> Result<Vec<Lease>, QueueError>;

    /// The event was applied: forget it.
    async fn ack(&self, token: LeaseToken) -> Result<(), QueueError>;

    /// Hand the event out again after `delay`; later events of its record wait for it.
    async fn retry_later(
        &self,
        token: LeaseToken,
        delay: Duration,
        error: &str,
    ) -> Result<(), QueueError>;

    /// Hand the event out again after `delay` because it may not be applied yet (its flow is
    /// paused), not because it failed: the hand-out is not counted as an attempt. On the
    /// embedded queue later events of its record wait for it; on RabbitMQ they go on (the
    /// worker skips stale versions). Backends without their own way retry it as after a failure.
    async fn postpone(
        &self,
        token: LeaseToken,
        delay: Duration,
        reason: &str,
    ) -> Result<(), QueueError> {
        self.retry_later(token, delay, reason).await
    }

    /// Give up on the event: take it off the queue for good (later events of its record go
    /// on). Dead letters that ops list and replay live in the store only (`Store::dead_letters`);
    /// the worker records them there. RabbitMQ also records what reaches its dead-letter queue.
    async fn dead_letter(&self, token: LeaseToken, reason: &str) -> Result<(), QueueError>;

    async fn depth(&self) -> Result<QueueDepth, QueueError>;

    /// Cheap readiness probe.
    async fn check(&self) -> Result<(), QueueError>;

    /// Stops consuming before the process exits, once the workers are done: a backend shared
    /// by several instances lets the others take over this one's share at once.
    async fn close(&self) {}
}

/// The ordering shard of a record key: stable across processes and releases (FNV-1a).
pub fn shard_of(record_key: &str, shards: u16) -> u16 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in record_key.as_bytes() {
        hash ^= u64::from(*byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    (hash % u64::from(shards.max(1))) as u16
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_are_stable_and_in_range() {
        assert_eq!(
            shard_of("salesforce:account:001", 64),
            shard_of("salesforce:account:001", 64)
        );
        assert!((0..1000).all(|i| shard_of(&format!("k{i}"), 7) < 7));
        let used: std::collections::HashSet<_> = (0..1000)
            .map(|i| shard_of(&format!("netsuite:customer:{i}"), 16))
            .collect();
        assert_eq!(used.len(), 16, "keys spread over every shard");
    }
}
