//! The ceiling: a bare lapin publisher with confirms into one quorum queue, the same payload and
//! the same open-loop rates, a confirm awaited per message, four channels as tandem uses.

use super::{Step, open_loop};
use lapin::options::{
    BasicPublishOptions, ConfirmSelectOptions, QueueDeclareOptions, QueueDeleteOptions,
};
use lapin::types::{AMQPValue, FieldTable};
use lapin::{BasicProperties, Channel, Confirmation, Connection, ConnectionProperties};
use std::sync::Arc;
use tandem::queue::rabbitmq::Topology;
use tandem::queue::rabbitmq::topology::DEFAULT_RETRY_TIERS;

const CHANNELS: usize = 4;

fn queue_name(prefix: &str) -> String {
    format!("{prefix}.raw")
}

async fn connect(amqp: &str) -> Connection {
    Connection::connect(amqp, ConnectionProperties::default())
        .await
        .expect("RabbitMQ for the benchmark")
}

pub async fn step(amqp: &str, prefix: &str, rate: u32, payload: Vec<u8>) -> Step {
    let connection = connect(amqp).await;
    let mut arguments = FieldTable::default();
    // The same queue type tandem's work queues use.
    arguments.insert(
        "x-queue-type".into(),
        AMQPValue::LongString("quorum".into()),
    );
    let mut channels = Vec::new();
    for _ in 0..CHANNELS {
        let channel = connection.create_channel().await.unwrap();
        channel
            .confirm_select(ConfirmSelectOptions::default())
            .await
            .unwrap();
        channels.push(channel);
    }
    channels[0]
        .queue_declare(
            queue_name(prefix).into(),
            QueueDeclareOptions {
                durable: true,
                ..Default::default()
            },
            arguments,
        )
        .await
        .unwrap();
    let channels: Arc<Vec<Channel>> = Arc::new(channels);
    let payload = Arc::new(payload);
    let queue = queue_name(prefix);
    let result = open_loop(rate, |i| {
        let (channels, payload, queue) = (channels.clone(), payload.clone(), queue.clone());
        async move {
            let channel = &channels[i as usize % CHANNELS];
            let properties = BasicProperties::default().with_delivery_mode(2);
            let options = BasicPublishOptions {
                mandatory: true,
                immediate: false,
            };
            let Ok(confirm) = channel
                .basic_publish("".into(), queue.into(), options, &payload, properties)
                .await
            else {
                return false;
            };
            matches!(confirm.await, Ok(Confirmation::Ack(None)))
        }
    })
    .await;
    let _ = connection.close(200, "done".into()).await;
    result
}

/// Deletes the raw queue and everything tandem declared under the prefix.
pub async fn clean_up(amqp: &str, prefix: &str) {
    let topology = Topology::new(prefix, 64, 20, DEFAULT_RETRY_TIERS);
    let connection = connect(amqp).await;
    let mut queues = vec![queue_name(prefix), topology.dead_letter_queue()];
    queues.extend(topology.work_queues());
    queues.extend(topology.retry_queues());
    for name in queues {
        // A failed delete closes the channel: one channel per delete.
        let Ok(channel) = connection.create_channel().await else {
            break;
        };
        let _ = channel
            .queue_delete(name.into(), QueueDeleteOptions::default())
            .await;
    }
    for exchange in topology.exchanges() {
        let Ok(channel) = connection.create_channel().await else {
            break;
        };
        let _ = channel
            .exchange_delete(exchange.into(), Default::default())
            .await;
    }
    let _ = connection.close(200, "done".into()).await;
}
