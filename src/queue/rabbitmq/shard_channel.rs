//! One shard queue's consumer: its own channel with the prefetch, manual acks, and a delegate
//! that hands each delivery to the dispatch in order. Closing the channel (after a drain)
//! returns its unacknowledged deliveries to the queue.

use super::connection::unavailable;
use super::dispatch::{Dispatch, Incoming};
use super::headers::{self, LAST_ERROR};
use crate::domain::Envelope;
use crate::queue::QueueError;
use lapin::message::DeliveryResult;
use lapin::options::{BasicConsumeOptions, BasicNackOptions, BasicQosOptions, BasicRejectOptions};
use lapin::types::FieldTable;
use lapin::{Channel, Connection, Consumer};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use tokio::sync::Notify;

/// How long closing a drained shard's channel may take before it is left to the connection.
const CLOSE_TIMEOUT: Duration = Duration::from_secs(2);

type Boxed = Pin<Box<dyn Future<Output = ()> + Send>>;

/// A shard consumed on a channel of its own; closes when dropped.
pub(super) struct ShardChannel {
    pub shard: u16,
    /// The dispatch session its deliveries are handed out under.
    pub session: u64,
    channel: Channel,
    _consumer: Consumer,
    /// Set before the channel is closed on purpose, so its end is not taken for a failure.
    closing: Arc<AtomicBool>,
}

impl ShardChannel {
    /// Consumes `queue` on a new channel of `connection`. `lost` is told when the consumer ends
    /// without being closed on purpose (a cancelled consumer or a closed channel).
    pub(super) async fn open(
        connection: &Connection,
        queue: String,
        shard: u16,
        prefetch: u16,
        dispatch: &Arc<Dispatch>,
        lost: &Arc<Notify>,
    ) -> Result<Self, QueueError> {
        let channel = connection
            .create_channel()
            .await
            .map_err(unavailable("open a channel"))?;
        // At most `prefetch` unacknowledged deliveries for this consumer (global=false: per
        // consumer; quorum queues do not support a channel-wide limit).
        channel
            .basic_qos(prefetch.max(1), BasicQosOptions { global: false })
            .await
            .map_err(unavailable("set the prefetch"))?;
        let session = dispatch.open_session();
        let options = BasicConsumeOptions {
            no_local: false,  // ignored by RabbitMQ
            no_ack: false,    // manual acks: a delivery is settled only after its side effect
            exclusive: false, // single-active-consumer arbitrates between instances instead
            nowait: false,    // wait for consume-ok, so a missing queue fails the session
        };
        let consumer = match channel
            .basic_consume(
                queue.as_str().into(),
                format!("tandem-{queue}-{session}").into(),
                options,
                FieldTable::default(),
            )
            .await
        {
            Ok(consumer) => consumer,
            Err(error) => {
                dispatch.close_sessions(&[session]);
                return Err(unavailable("consume a work queue")(error));
            }
        };
        let closing = Arc::new(AtomicBool::new(false));
        let (dispatch, lost, on_purpose) = (dispatch.clone(), lost.clone(), closing.clone());
        // The delegate is called in delivery order; its synchronous part hands the delivery
        // over, so the order is kept (the returned future runs as a separate task).
        consumer.set_delegate(move |result: DeliveryResult| -> Boxed {
            match result {
                Ok(Some(delivery)) => offer(&dispatch, session, delivery),
                _ if on_purpose.load(Ordering::Acquire) => Box::pin(async {}),
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
        Ok(Self {
            shard,
            session,
            channel,
            _consumer: consumer,
            closing,
        })
    }

    /// Closes the channel: the broker takes back every delivery not acknowledged, and the
    /// next consumer of the queue (another instance's) becomes the active one.
    pub(super) async fn close(self) {
        self.closing.store(true, Ordering::Release);
        let closed = tokio::time::timeout(
            CLOSE_TIMEOUT,
            self.channel.close(200, "shard handed over".into()),
        )
        .await;
        if !matches!(closed, Ok(Ok(()))) {
            tracing::debug!(
                shard = self.shard,
                "a shard's channel did not close cleanly"
            );
        }
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
