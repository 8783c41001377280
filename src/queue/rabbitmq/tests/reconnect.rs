//! Reconnection, by closing the queue's connections from the broker side with `rabbitmqctl -n
//! $TANDEM_TEST_RABBITMQ_NODE` (the node scripts/services.sh reuses or starts).

use super::super::*;
use super::fixture::{Fixture, delivery, event};

/// `rabbitmqctl` for the broker under test.
fn rabbitmqctl() -> std::process::Command {
    let node =
        std::env::var("TANDEM_TEST_RABBITMQ_NODE").unwrap_or_else(|_| "rabbit@localhost".into());
    let mut command = std::process::Command::new("rabbitmqctl");
    command.args(["-n", &node]);
    command
}

/// Closes this test's connections from the broker side, as a broker restart would.
fn close_connections_of(prefix: &str) {
    let listed = rabbitmqctl()
        .args(["list_connections", "--silent", "pid", "client_properties"])
        .output()
        .expect("rabbitmqctl runs");
    let listing = String::from_utf8_lossy(&listed.stdout).into_owned();
    let mut closed = 0;
    for line in listing.lines().filter(|line| line.contains(prefix)) {
        let pid = line.split_whitespace().next().unwrap();
        let status = rabbitmqctl()
            .args(["close_connection", pid, "test: broker going away"])
            .status()
            .unwrap();
        assert!(status.success());
        closed += 1;
    }
    assert_eq!(closed, 2, "publisher and consumer connections: {listing}");
}

#[tokio::test]
async fn after_the_broker_drops_the_connections_the_queue_reconnects_and_redelivers() {
    let fx = Fixture::new(|_| {}).await;
    fx.queue
        .enqueue(vec![delivery("d", vec![event("held", "1")])])
        .await
        .unwrap();
    let lease = fx.next_of("1").await;
    let prefix = fx.cleanup.topology.prefix().to_owned();
    tokio::task::spawn_blocking(move || close_connections_of(&prefix))
        .await
        .unwrap();

    assert!(matches!(
        fx.queue.ack(lease.token).await,
        Err(QueueError::LeaseLost)
    ));
    let again = fx.next_of("1").await;
    assert_eq!((again.event.id.as_str(), again.event.attempt), ("held", 2));
    fx.queue.ack(again.token).await.unwrap();
    fx.wait_until_ready().await;
    let accepted = fx
        .queue
        .enqueue(vec![delivery("d2", vec![event("later", "2")])])
        .await
        .unwrap();
    assert_eq!(accepted.accepted, 1);
    assert_eq!(fx.next_of("2").await.event.id, "later");
}
