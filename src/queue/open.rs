//! Opening the queue backend that `[queue]` names, for `tandem serve` and for the commands that
//! only publish (`tandem dlq replay`).

use super::Queue;
use super::embedded::{EmbeddedQueue, EmbeddedSettings};
use super::rabbitmq::{RabbitQueue, RabbitSettings};
use crate::config::{Config, QueueBackend};
use crate::store::Store;
use anyhow::{Context, bail};
use std::sync::Arc;

/// What a process opens the queue for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueueUse {
    /// Ingress and workers: `tandem serve`.
    Serve,
    /// Putting events on it only (`tandem dlq replay`): no RabbitMQ consumers.
    PublishOnly,
}

/// Opens the queue `queue.backend` names; RabbitMQ keeps its delivery ids and mirrors its
/// dead-letter queue in `store`.
pub async fn open_queue(
    config: &Config,
    store: Arc<dyn Store>,
    usage: QueueUse,
) -> anyhow::Result<Arc<dyn Queue>> {
    match config.queue.backend {
        QueueBackend::Embedded => {
            let queue = EmbeddedQueue::open(EmbeddedSettings {
                path: config.queue.path.clone(),
                shards: config.queue.shards,
                visibility_timeout: config.queue.visibility_timeout,
                max_deliveries: config.queue.max_deliveries,
                dedupe_retention: config.queue.dedupe_retention,
            })
            .await
            .context("queue.path: cannot open the embedded queue")?;
            Ok(Arc::new(queue))
        }
        QueueBackend::Rabbitmq => {
            let Some(url) = &config.queue.amqp_url else {
                bail!("queue.amqp_url: required when queue.backend = \"rabbitmq\"");
            };
            let settings = RabbitSettings {
                prefix: config.queue.prefix.clone(),
                shards: config.queue.shards,
                prefetch: config.queue.prefetch,
                max_deliveries: config.queue.max_deliveries,
                visibility_timeout: config.queue.visibility_timeout,
                consume: usage == QueueUse::Serve,
                dedupe_retention: config.queue.dedupe_retention,
                ..RabbitSettings::new(url.expose())
            };
            let queue = RabbitQueue::connect(settings, store)
                .await
                .context("queue.amqp_url: cannot start the RabbitMQ queue")?;
            Ok(Arc::new(queue))
        }
    }
}
