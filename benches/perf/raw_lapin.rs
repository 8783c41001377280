//! The broker's ceilings, measured by a bare lapin client in this process: publishing with
//! confirms (a fixed number in flight, persistent ~1 KiB messages into a fresh quorum queue),
//! and consuming with acks at tandem's prefetch. Each run deletes its queue.

use crate::outcome::{Answer, Outcome};
use crate::proc_stats::CpuWindow;
use lapin::options::{
    BasicAckOptions, BasicConsumeOptions, BasicPublishOptions, BasicQosOptions,
    ConfirmSelectOptions, QueueDeclareOptions, QueueDeleteOptions,
};
use lapin::types::{AMQPValue, FieldTable};
use lapin::{BasicProperties, Channel, Confirmation, Connection, ConnectionProperties};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tokio_stream::StreamExt;

pub async fn connect(amqp: &str) -> Connection {
    Connection::connect(amqp, ConnectionProperties::default())
        .await
        .expect("RabbitMQ for the benchmark")
}

/// A fresh durable quorum queue, the type of tandem's work queues.
pub async fn declare(channel: &Channel, queue: &str) {
    let mut arguments = FieldTable::default();
    arguments.insert(
        "x-queue-type".into(),
        AMQPValue::LongString("quorum".into()),
    );
    let options = QueueDeclareOptions {
        durable: true,
        ..Default::default()
    };
    channel
        .queue_declare(queue.into(), options, arguments)
        .await
        .expect("declare the raw queue");
}

async fn delete(connection: &Connection, queue: &str) {
    if let Ok(channel) = connection.create_channel().await {
        let _ = channel
            .queue_delete(queue.into(), QueueDeleteOptions::default())
            .await;
    }
}

pub async fn confirm_channels(connection: &Connection, count: usize) -> Arc<Vec<Channel>> {
    let mut channels = Vec::new();
    for _ in 0..count {
        let channel = connection.create_channel().await.expect("a channel");
        channel
            .confirm_select(ConfirmSelectOptions::default())
            .await
            .expect("confirm mode");
        channels.push(channel);
    }
    Arc::new(channels)
}

/// Deletes `queue` over a connection of its own (after a run that used another process).
pub async fn delete_queue(amqp: &str, queue: &str) {
    let connection = connect(amqp).await;
    delete(&connection, queue).await;
    let _ = connection.close(200, "done".into()).await;
}

/// Publishes one persistent, mandatory message and waits for its confirm.
async fn publish_one(channel: &Channel, queue: &str, payload: &[u8]) -> bool {
    let properties = BasicProperties::default().with_delivery_mode(2);
    let options = BasicPublishOptions {
        mandatory: true,
        immediate: false,
    };
    let Ok(confirm) = channel
        .basic_publish("".into(), queue.into(), options, payload, properties)
        .await
    else {
        return false;
    };
    matches!(confirm.await, Ok(Confirmation::Ack(None)))
}

/// `in_flight` tasks on `channels` channels, each publishing and awaiting its confirm in a
/// loop: warm-up, then the measured window. The generator CPU in the outcome is the client's.
pub async fn publish(
    amqp: &str,
    queue: &str,
    channels: usize,
    in_flight: usize,
    warm_up: Duration,
    measure: Duration,
    payload: Vec<u8>,
) -> Outcome {
    let connection = connect(amqp).await;
    let channels = confirm_channels(&connection, channels).await;
    declare(&channels[0], queue).await;
    let payload = Arc::new(payload);
    let window_start = Instant::now() + warm_up;
    let window_end = window_start + measure;
    let mut tasks = Vec::new();
    for task in 0..in_flight {
        let (channels, payload, queue) = (channels.clone(), payload.clone(), queue.to_owned());
        tasks.push(tokio::spawn(async move {
            let channel = &channels[task % channels.len()];
            let mut outcome = Outcome::default();
            while Instant::now() < window_end {
                let sent = Instant::now();
                let answer = match publish_one(channel, &queue, &payload).await {
                    true => Answer::Status(200),
                    false => Answer::Failed,
                };
                if sent >= window_start && sent < window_end {
                    outcome.record(answer, sent.elapsed());
                }
            }
            outcome
        }));
    }
    tokio::time::sleep_until(window_start.into()).await;
    let cpu = CpuWindow::start(None);
    tokio::time::sleep_until(window_end.into()).await;
    let used = cpu.finish();
    let mut outcome = Outcome::default();
    for task in tasks {
        if let Ok(one) = task.await {
            outcome.merge(one);
        }
    }
    outcome.seconds = used.seconds;
    outcome.cpu = used;
    delete(&connection, queue).await;
    let _ = connection.close(200, "done".into()).await;
    outcome
}

/// What consuming `count` messages took.
#[derive(Debug, Clone, Copy)]
pub struct Consumed {
    pub per_second: f64,
    pub client_us_per_message: f64,
}

/// Fills a fresh quorum queue with `count` messages, then consumes and acks them one by one with
/// `prefetch` unacknowledged at most.
pub async fn consume(
    amqp: &str,
    queue: &str,
    count: u64,
    prefetch: u16,
    payload: Vec<u8>,
) -> Consumed {
    let connection = connect(amqp).await;
    let channels = confirm_channels(&connection, 1).await;
    declare(&channels[0], queue).await;
    let published = Arc::new(AtomicU64::new(0));
    let payload = Arc::new(payload);
    let mut fillers = Vec::new();
    for _ in 0..64 {
        let (channels, payload, queue, published) = (
            channels.clone(),
            payload.clone(),
            queue.to_owned(),
            published.clone(),
        );
        fillers.push(tokio::spawn(async move {
            while published.fetch_add(1, Ordering::Relaxed) < count {
                assert!(
                    publish_one(&channels[0], &queue, &payload).await,
                    "fill the raw queue"
                );
            }
        }));
    }
    for filler in fillers {
        filler.await.expect("filler");
    }
    let channel = connection.create_channel().await.expect("a channel");
    channel
        .basic_qos(prefetch, BasicQosOptions { global: false })
        .await
        .expect("prefetch");
    let cpu = CpuWindow::start(None);
    let mut consumer = channel
        .basic_consume(
            queue.into(),
            "bench-raw".into(),
            BasicConsumeOptions::default(),
            FieldTable::default(),
        )
        .await
        .expect("consume");
    let mut acked = 0;
    while acked < count {
        let delivery = tokio::time::timeout(Duration::from_secs(30), consumer.next())
            .await
            .expect("a delivery within 30 s")
            .expect("the consumer stays open")
            .expect("a delivery");
        delivery.ack(BasicAckOptions::default()).await.expect("ack");
        acked += 1;
    }
    let used = cpu.finish();
    delete(&connection, queue).await;
    let _ = connection.close(200, "done".into()).await;
    Consumed {
        per_second: count as f64 / used.seconds,
        client_us_per_message: used.per(count).1,
    }
}
