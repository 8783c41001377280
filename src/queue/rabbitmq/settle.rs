//! Settling a lease with the broker: acknowledging it, republishing it to a retry tier, or
//! recording and publishing it as a dead letter. A copy is always confirmed before the original
//! is acknowledged, so a crash in between duplicates the event rather than losing it.

use super::headers::{self, ATTEMPTS, DEAD_REASON, LAST_ERROR, RECORDED};
use super::publisher::Outgoing;
use super::topology::{self, Topology};
use super::{RabbitQueue, store_unavailable};
use crate::domain::ChangeEvent;
use crate::queue::{LeaseToken, QueueError, shard_of};
use crate::store::NewDeadLetter;
use lapin::Acker;
use lapin::options::{BasicAckOptions, BasicNackOptions};
use lapin::types::{AMQPValue, FieldTable};
use std::time::Duration;

impl RabbitQueue {
    /// A message for `event` to `exchange`, routed to the event's shard.
    pub(super) fn message(
        &self,
        exchange: String,
        event: &ChangeEvent,
        body: Vec<u8>,
        headers: FieldTable,
    ) -> Outgoing {
        let shard = shard_of(&event.ordering_key(), self.topology.shards());
        Outgoing {
            exchange,
            routing_key: Topology::routing_key(shard),
            properties: headers::properties(event, headers),
            body,
            id: event.id.clone(),
        }
    }

    /// Leases past the visibility timeout go back to their queue (counting as a delivery).
    pub(super) async fn hand_back_expired(&self) {
        for held in self.dispatch.expired(self.visibility_timeout) {
            tracing::warn!(event_id = %held.event.id, "lease expired; handing the event back to its queue");
            hand_back(&held.acker).await;
        }
    }

    pub(super) async fn acknowledge(&self, token: LeaseToken) -> Result<(), QueueError> {
        let held = self.dispatch.held(token)?;
        let result = ack(&held.acker).await;
        self.dispatch.release(token);
        result
    }

    /// Publishes a copy to the smallest retry tier ≥ `delay` (zero: straight back to its
    /// shard) with the attempt count and the error, then acknowledges the original.
    /// `counted`: whether this hand-out counts as an attempt (a retry) or not (an event of a
    /// paused flow put back unapplied, which comes back with the attempt number it had).
    pub(super) async fn retry_copy(
        &self,
        token: LeaseToken,
        delay: Duration,
        error: &str,
        counted: bool,
    ) -> Result<(), QueueError> {
        let held = self.dispatch.held(token)?;
        let attempts_so_far = if counted {
            held.event.attempt
        } else {
            held.event.attempt.saturating_sub(1)
        };
        let mut entries: Vec<(&str, AMQPValue)> = vec![
            (ATTEMPTS, headers::int(i64::from(attempts_so_far))),
            (LAST_ERROR, headers::text(error)),
        ];
        let exchange = if delay.is_zero() {
            self.topology.events_exchange()
        } else {
            let tier = topology::tier_label(self.topology.tier_for(delay));
            entries.push((topology::RETRY_TIER_HEADER, headers::text(&tier)));
            self.topology.retry_exchange()
        };
        let copy = self.message(
            exchange,
            &held.event,
            held.body.clone(),
            headers::table(entries),
        );
        let result = match self.publisher.publish(vec![copy]).await {
            Ok(()) => ack(&held.acker).await,
            Err(error) => {
                // Not retried as asked: hand it back now rather than hold it.
                hand_back(&held.acker).await;
                Err(error)
            }
        };
        self.dispatch.release(token);
        result
    }

    /// Records the dead letter in the store, publishes a copy to the dead-letter queue (marked
    /// as recorded, so the mirror skips it), then acknowledges the original.
    pub(super) async fn give_up(&self, token: LeaseToken, reason: &str) -> Result<(), QueueError> {
        let held = self.dispatch.held(token)?;
        let recorded = self
            .store
            .add_dead_letter(NewDeadLetter {
                event: held.event.clone(),
                reason: reason.to_owned(),
                error_code: None,
                attempts: held.event.attempt,
            })
            .await;
        let id = match recorded {
            Ok(id) => id,
            Err(error) => {
                hand_back(&held.acker).await;
                self.dispatch.release(token);
                return Err(store_unavailable(error));
            }
        };
        let mut entries: Vec<(&str, AMQPValue)> = vec![
            (RECORDED, headers::int(id)),
            (DEAD_REASON, headers::text(reason)),
            (ATTEMPTS, headers::int(i64::from(held.event.attempt))),
        ];
        if let Some(last_error) = &held.last_error {
            entries.push((LAST_ERROR, headers::text(last_error)));
        }
        let exchange = self.topology.dead_exchange();
        let copy = self.message(
            exchange,
            &held.event,
            held.body.clone(),
            headers::table(entries),
        );
        if let Err(error) = self.publisher.publish(vec![copy]).await {
            // The store row is what ops list and replay; the broker copy is for inspection.
            tracing::warn!(%error, event_id = %held.event.id, "dead letter recorded, but its copy was not published");
        }
        let result = ack(&held.acker).await;
        self.dispatch.release(token);
        result
    }
}

/// How long an ack or a nack may take. One caught by a connection closing may never be
/// answered; the worker must not wait for it (its record stays busy until it settles), and
/// the broker hands the delivery out again anyway.
const SETTLE_TIMEOUT: Duration = Duration::from_secs(5);

/// Acknowledges a delivery; a channel that closed meanwhile means the broker hands it out again.
async fn ack(acker: &Acker) -> Result<(), QueueError> {
    let options = BasicAckOptions {
        multiple: false, // this delivery only, not every earlier one on the channel
    };
    match tokio::time::timeout(SETTLE_TIMEOUT, acker.ack(options)).await {
        Ok(Ok(true)) => Ok(()),
        Ok(Ok(false) | Err(_)) => Err(QueueError::LeaseLost),
        Err(_) => {
            tracing::warn!("the broker did not answer an acknowledgement; the delivery comes back");
            Err(QueueError::LeaseLost)
        }
    }
}

/// Returns a delivery to the head of its queue (best effort: a closed channel does it anyway).
async fn hand_back(acker: &Acker) {
    let options = BasicNackOptions {
        multiple: false, // this delivery only
        requeue: true,   // back to its queue, counting as a delivery
    };
    match tokio::time::timeout(SETTLE_TIMEOUT, acker.nack(options)).await {
        Ok(Ok(_)) => {}
        Ok(Err(error)) => {
            tracing::debug!(%error, "nack failed; the closed channel returns the delivery");
        }
        Err(_) => tracing::warn!(
            "the broker did not answer a nack; the closed channel returns the delivery"
        ),
    }
}
