//! The ceiling: a bare lapin publisher with confirms into one quorum queue, the same payload and
//! the same open-loop rates, a confirm awaited per message, four channels as tandem uses.

use super::{Step, open_loop};
use lapin::options::{
    BasicPublishOptions, ConfirmSelectOptions, QueueDeclareOptions, QueueDeleteOptions,
};
use lapin::types::{AMQPValue, FieldTable};
use lapin::{BasicProperties, Channel, Confirmation, Connection, ConnectionProperties};
use std::sync::Arc;

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
    let connection = connect(amqp).await;
    let channel = connection.create_channel().await.unwrap();
    let mut names = vec![queue_name(prefix), format!("{prefix}.dead-letters")];
    names.extend((0..64).map(|shard| format!("{prefix}.work.{shard}")));
    for tier in [
        "1s", "5s", "15s", "30s", "1m", "2m", "5m", "10m", "30m", "1h", "2h", "5h", "6h", "10h",
        "14h", "20h", "24h",
    ] {
        names.push(format!("{prefix}.retry.{tier}"));
    }
    for name in names {
        let _ = channel
            .queue_delete(name.into(), QueueDeleteOptions::default())
            .await;
        if !channel.status().connected() {
            break;
        }
    }
    for exchange in ["events", "retry", "dead"] {
        let channel = connection.create_channel().await.unwrap();
        let _ = channel
            .exchange_delete(format!("{prefix}.{exchange}").into(), Default::default())
            .await;
    }
    let _ = connection.close(200, "done".into()).await;
}
