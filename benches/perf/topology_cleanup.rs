//! Deletes everything a bench tandem declared on the broker under its prefix.

use lapin::options::QueueDeleteOptions;
use lapin::{Connection, ConnectionProperties};
use tandem::queue::rabbitmq::Topology;
use tandem::queue::rabbitmq::topology::DEFAULT_RETRY_TIERS;

pub async fn delete(amqp: &str, prefix: &str) {
    let defaults = tandem::config::QueueConfig::default();
    let topology = Topology::new(
        prefix,
        defaults.shards,
        defaults.max_deliveries,
        DEFAULT_RETRY_TIERS,
    );
    let Ok(connection) = Connection::connect(amqp, ConnectionProperties::default()).await else {
        return;
    };
    let mut queues = vec![topology.dead_letter_queue()];
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
