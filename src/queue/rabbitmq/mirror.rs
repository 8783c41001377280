//! The dead-letter mirror: copies each message that reaches the dead-letter queue into the
//! store, where ops list and replay dead letters, then acknowledges it. Messages the broker
//! dead-lettered itself (delivery limit reached) become store rows only this way.

use super::headers::{self, DEAD_REASON, FIRST_DEATH_REASON, LAST_ERROR, RECORDED};
use super::topology::Topology;
use crate::domain::Envelope;
use crate::store::{NewDeadLetter, Store, StoreError};
use lapin::message::{Delivery, DeliveryResult};
use lapin::options::{BasicAckOptions, BasicConsumeOptions, BasicNackOptions, BasicQosOptions};
use lapin::types::FieldTable;
use lapin::{Channel, Connection, Consumer};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;

/// Dead letters mirrored concurrently.
const PREFETCH: u16 = 16;
/// Recent store rows searched for one already recorded (a redelivery after a crash).
const DEDUPE_WINDOW: usize = 200;
/// Wait before handing a message back when the store is down, so it is not retried hot.
const STORE_RETRY: Duration = Duration::from_secs(5);

pub(super) async fn start(
    connection: &Connection,
    topology: &Topology,
    store: Arc<dyn Store>,
    lost: Arc<Notify>,
) -> Result<(Channel, Consumer), lapin::Error> {
    let channel = connection.create_channel().await?;
    // Per-consumer limit of unacknowledged dead letters.
    channel
        .basic_qos(PREFETCH, BasicQosOptions { global: false })
        .await?;
    let options = BasicConsumeOptions {
        no_local: false,  // ignored by RabbitMQ
        no_ack: false,    // ack only once the store has the row
        exclusive: false, // every instance mirrors; each message goes to one of them
        nowait: false,    // wait for consume-ok
    };
    let consumer = channel
        .basic_consume(
            topology.dead_letter_queue().into(),
            "tandem-dead-letter-mirror".into(),
            options,
            FieldTable::default(),
        )
        .await?;
    let max_deliveries = topology.max_deliveries();
    consumer.set_delegate(move |result: DeliveryResult| {
        let store = store.clone();
        let lost = lost.clone();
        async move {
            match result {
                Ok(Some(delivery)) => mirror(store.as_ref(), delivery, max_deliveries).await,
                Ok(None) | Err(_) => lost.notify_one(),
            }
        }
    });
    Ok((channel, consumer))
}

async fn mirror(store: &dyn Store, delivery: Delivery, max_deliveries: u32) {
    let properties = &delivery.properties;
    if headers::read_int(properties, RECORDED).is_some() {
        // tandem stored this one before publishing it.
        settle(&delivery, true).await;
        return;
    }
    let mut event = match Envelope::decode(&delivery.data) {
        Ok(event) => event,
        Err(error) => {
            // Not an event tandem wrote: the store cannot hold it. Log it whole and drop it.
            tracing::error!(
                %error,
                message_id = ?properties.message_id(),
                body = %String::from_utf8_lossy(&delivery.data),
                "unreadable dead letter dropped"
            );
            settle(&delivery, true).await;
            return;
        }
    };
    event.attempt = headers::attempt(properties).saturating_sub(1).max(1);
    let letter = NewDeadLetter {
        reason: reason(&delivery, max_deliveries),
        attempts: event.attempt,
        error_code: None,
        event,
    };
    match record(store, letter).await {
        Ok(()) => settle(&delivery, true).await,
        Err(error) => {
            tracing::error!(%error, "cannot record a dead letter; trying again shortly");
            tokio::time::sleep(STORE_RETRY).await;
            settle(&delivery, false).await;
        }
    }
}

/// Why the broker (or tandem) dead-lettered the message.
fn reason(delivery: &Delivery, max_deliveries: u32) -> String {
    let properties = &delivery.properties;
    if let Some(reason) = headers::read_text(properties, DEAD_REASON) {
        return reason;
    }
    let last_error = headers::read_text(properties, LAST_ERROR)
        .map(|e| format!("; last error: {e}"))
        .unwrap_or_default();
    let cause = match headers::read_text(properties, FIRST_DEATH_REASON).as_deref() {
        Some("delivery_limit") => format!(
            "handed out more than {max_deliveries} times without being acknowledged (queue.max_deliveries)"
        ),
        Some("rejected") => "rejected by a consumer".to_owned(),
        Some("expired") => "expired in its queue".to_owned(),
        Some("maxlen") => "dropped by a full queue".to_owned(),
        Some(other) => format!("dead-lettered by RabbitMQ: {other}"),
        None => "found in the dead-letter queue".to_owned(),
    };
    format!("{cause}{last_error}")
}

async fn record(store: &dyn Store, letter: NewDeadLetter) -> Result<(), StoreError> {
    let recent = store.dead_letters(None, DEDUPE_WINDOW).await?;
    if recent
        .iter()
        .any(|known| known.event.id == letter.event.id && known.reason == letter.reason)
    {
        return Ok(());
    }
    store.add_dead_letter(letter).await.map(drop)
}

async fn settle(delivery: &Delivery, done: bool) {
    let result = if done {
        delivery
            .acker
            .ack(BasicAckOptions {
                multiple: false, // this delivery only, not every earlier one on the channel
            })
            .await
    } else {
        // requeue=true: try again (the dead-letter queue has no dead-letter target of its own).
        let options = BasicNackOptions {
            multiple: false, // this delivery only
            requeue: true,   // back to its queue, counting as a delivery
        };
        delivery.acker.nack(options).await
    };
    if let Err(error) = result {
        tracing::warn!(%error, "cannot settle a dead letter; it will be mirrored again (deduplicated)");
    }
}
