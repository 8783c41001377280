//! Two queues on one prefix and one store, as two instances: they split the shards, a shard
//! handed over is not delivered to its new owner while the old one still holds a lease of it,
//! and a queue that closes leaves its shards to the other at once.

use super::super::*;
use super::fixture::{self, Fixture, delivery, event};
use crate::queue::shard_of;

/// A record on each of the two shards.
fn one_record_per_shard() -> [String; 2] {
    let on = |shard: u16| {
        (0..)
            .map(|n| format!("rec-{n}"))
            .find(|record| shard_of(&event("x", record).ordering_key(), 2) == shard)
            .expect("some record lands on every shard")
    };
    [on(0), on(1)]
}

/// A second queue on `first`'s prefix and store.
async fn second_on(first: &Fixture) -> Fixture {
    let prefix = first.cleanup.topology.prefix().to_owned();
    Fixture::with_store(|s| s.prefix = prefix, Some(first.store.clone())).await
}

/// Waits until the two queues hold `a` and `b` shards.
async fn split(a: &Fixture, b: &Fixture, counts: (usize, usize)) {
    a.eventually(|| async {
        let owned = (a.queue.owned_shards(), b.queue.owned_shards());
        (owned.0.len() == counts.0 && owned.1.len() == counts.1).then_some(())
    })
    .await;
}

/// Receives on both queues for up to `within`, acknowledging; the event ids each handed out.
async fn collect(a: &Fixture, b: &Fixture, want: usize, within: Duration) -> [Vec<String>; 2] {
    let deadline = Instant::now() + within;
    let mut got: [Vec<String>; 2] = [Vec::new(), Vec::new()];
    while got[0].len() + got[1].len() < want && Instant::now() < deadline {
        for (side, fx) in [a, b].into_iter().enumerate() {
            for lease in fx
                .queue
                .receive(10, Duration::from_millis(50))
                .await
                .unwrap()
            {
                got[side].push(lease.event.id.clone());
                fx.queue.ack(lease.token).await.unwrap();
            }
        }
    }
    got
}

#[tokio::test]
async fn a_shard_moves_to_a_joining_instance_only_after_the_old_owner_settled_its_lease() {
    let a = Fixture::new(|_| {}).await;
    let records = one_record_per_shard();
    let firsts = records
        .iter()
        .map(|r| event(&format!("first-{r}"), r))
        .collect();
    a.queue.enqueue(vec![delivery("d1", firsts)]).await.unwrap();
    let mut held = Vec::new();
    let deadline = Instant::now() + fixture::WAIT;
    while held.len() < 2 {
        assert!(Instant::now() < deadline, "only {} leases", held.len());
        held.extend(
            a.queue
                .receive(2, Duration::from_millis(100))
                .await
                .unwrap(),
        );
    }

    let b = second_on(&a).await;
    let seconds = records
        .iter()
        .map(|r| event(&format!("second-{r}"), r))
        .collect();
    a.queue
        .enqueue(vec![delivery("d2", seconds)])
        .await
        .unwrap();
    // Longer than a heartbeat and a rebalance: `a` knows of `b` and gives one shard up, but
    // neither hands out a record's second event while `a` holds its first.
    let during = collect(&a, &b, 1, Duration::from_millis(2_500)).await;
    assert_eq!(
        during,
        [Vec::<String>::new(), vec![]],
        "handed out while held"
    );

    for lease in held {
        a.queue.ack(lease.token).await.unwrap();
    }
    let after = collect(&a, &b, 2, Duration::from_secs(5)).await;
    assert_eq!(
        (after[0].len(), after[1].len()),
        (1, 1),
        "each instance applies its own shard's event, once: {after:?}"
    );
    let mut all: Vec<String> = after.concat();
    all.sort();
    let mut expected: Vec<String> = records.iter().map(|r| format!("second-{r}")).collect();
    expected.sort();
    assert_eq!(all, expected);
}

#[tokio::test]
async fn a_closing_instance_leaves_its_shards_to_the_other_at_once() {
    let a = Fixture::new(|_| {}).await;
    let b = second_on(&a).await;
    split(&a, &b, (1, 1)).await;
    let records = one_record_per_shard();
    let events = records
        .iter()
        .map(|r| event(&format!("e-{r}"), r))
        .collect();
    a.queue.enqueue(vec![delivery("d1", events)]).await.unwrap();
    let got = collect(&a, &b, 2, Duration::from_secs(5)).await;
    assert_eq!((got[0].len(), got[1].len()), (1, 1), "{got:?}");

    b.queue.close().await;
    let closed = Instant::now();
    split(&a, &b, (2, 0)).await;
    let events = records
        .iter()
        .map(|r| event(&format!("f-{r}"), r))
        .collect();
    a.queue.enqueue(vec![delivery("d2", events)]).await.unwrap();
    let mut ids = a.handle(2).await;
    ids.sort();
    let taken_over = closed.elapsed();
    assert_eq!(ids.len(), 2);
    // Well before `b`'s row would have aged out.
    assert!(
        taken_over < membership::LIVE_FOR,
        "took {taken_over:?} to take the shards over"
    );
}

#[tokio::test]
async fn a_publish_only_queue_takes_no_shard_from_the_consuming_ones() {
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn Store> = Arc::new(
        crate::store::SqliteStore::open(&dir.path().join("store.db"))
            .await
            .unwrap(),
    );
    let prefix = format!("tandem-test-{}", uuid::Uuid::new_v4().simple());
    // `tandem dlq replay` opens the queue like this, before or while instances run.
    let settings = RabbitSettings {
        prefix: prefix.clone(),
        // The fixture's settings, which declare the same objects.
        shards: 2,
        max_deliveries: 5,
        retry_tiers: vec![Duration::from_secs(1)],
        consume: false,
        ..RabbitSettings::new(&fixture::amqp_url())
    };
    let publisher = RabbitQueue::connect(settings, store.clone()).await.unwrap();
    let consuming = Fixture::with_store(|s| s.prefix = prefix.clone(), Some(store.clone())).await;
    consuming
        .eventually(|| async { (consuming.queue.owned_shards() == vec![0, 1]).then_some(()) })
        .await;
    let now = chrono::Utc::now().timestamp_millis();
    let members = store
        .heartbeat_member(&prefix, "probe", now, now - 10_000)
        .await
        .unwrap();
    assert_eq!(
        members.len(),
        2,
        "the consuming queue and the probe only: {members:?}"
    );
    assert!(publisher.owned_shards().is_empty());
}
