//! RabbitMQ queue behaviour against the real broker (`TANDEM_TEST_AMQP_URL`, default the local
//! one). Each test declares its own objects under a unique prefix and deletes them at the end,
//! even when it fails.

mod fixture;
mod handover;
mod offline;
mod reconnect;

use super::*;
use crate::store::SqliteStore;
use fixture::{Fixture, QUIET, WAIT, delivery, event};
use lapin::options::QueueBindOptions;
use lapin::types::AMQPValue;
use std::collections::HashSet;

#[tokio::test]
async fn events_of_one_record_are_handed_out_in_order_one_at_a_time() {
    let fx = Fixture::new(|_| {}).await;
    let events = (0..5).map(|i| event(&format!("e{i}"), "42")).collect();
    fx.queue
        .enqueue(vec![delivery("d1", events)])
        .await
        .unwrap();
    fx.queue
        .enqueue(vec![delivery("d2", vec![event("other", "7")])])
        .await
        .unwrap();

    for expected in ["e0", "e1", "e2", "e3", "e4"] {
        let lease = fx.next_of("42").await;
        assert_eq!(lease.event.id, expected);
        assert_eq!(lease.event.attempt, 1);
        let meanwhile = fx.drain_quietly().await;
        assert!(
            meanwhile.iter().all(|id| !id.starts_with('e')),
            "nothing more of record 42 while one is out: {meanwhile:?}"
        );
        fx.queue.ack(lease.token).await.unwrap();
    }
    fx.drain_quietly().await;
    let depth = fx.queue.depth().await.unwrap();
    assert_eq!((depth.total, depth.in_flight), (0, 0), "{depth:?}");
}

#[tokio::test]
async fn a_redelivered_delivery_is_acknowledged_but_not_queued_twice() {
    let fx = Fixture::new(|_| {}).await;
    let first = fx
        .queue
        .enqueue(vec![delivery(
            "wh_1",
            vec![event("a", "1"), event("b", "2")],
        )])
        .await
        .unwrap();
    assert_eq!(
        first,
        EnqueueOutcome {
            accepted: 2,
            duplicates: 0
        }
    );
    assert_eq!(fx.handle(2).await, ["a", "b"]);

    let again = fx
        .queue
        .enqueue(vec![
            delivery("wh_1", vec![event("a", "1"), event("b", "2")]),
            delivery("wh_2", vec![event("c", "3")]),
            delivery("wh_2", vec![event("c", "3")]),
        ])
        .await
        .unwrap();
    assert_eq!(
        again,
        EnqueueOutcome {
            accepted: 1,
            duplicates: 2
        }
    );
    assert_eq!(fx.next_of("3").await.event.id, "c");
    assert!(fx.drain_quietly().await.is_empty(), "nothing queued twice");
}

#[tokio::test]
async fn a_delivery_id_is_refused_inside_dedupe_retention_and_forgotten_after_it() {
    let retention = Duration::from_secs(2);
    let fx = Fixture::new(|settings| settings.dedupe_retention = retention).await;
    let key = "netsuite:webhook:msg_retention".to_owned();
    let enqueued_at = Instant::now();
    let first = fx
        .queue
        .enqueue(vec![delivery(&key, vec![event("r1", "11")])])
        .await
        .unwrap();
    assert_eq!(first.accepted, 1);
    assert_eq!(fx.handle(1).await, ["r1"]);

    let again = fx
        .queue
        .enqueue(vec![delivery(&key, vec![event("r1", "11")])])
        .await
        .unwrap();
    assert_eq!(
        again,
        EnqueueOutcome {
            accepted: 0,
            duplicates: 1
        }
    );
    assert!(
        enqueued_at.elapsed() < retention,
        "the redelivery was tried inside the retention"
    );

    // After it: forgotten, never before the retention has passed.
    let deadline = Instant::now() + retention + WAIT;
    let later = loop {
        let outcome = fx
            .queue
            .enqueue(vec![delivery(&key, vec![event("r2", "11")])])
            .await
            .unwrap();
        if outcome.accepted == 1 {
            break outcome;
        }
        assert!(
            Instant::now() < deadline,
            "the delivery id was never forgotten"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(
        enqueued_at.elapsed() >= retention,
        "forgotten after {:?}, before the retention of {retention:?}",
        enqueued_at.elapsed()
    );
    assert_eq!(later.duplicates, 0);
    assert_eq!(fx.handle(1).await, ["r2"]);
}

#[tokio::test]
async fn a_postponed_event_comes_back_after_its_delay_with_the_same_attempt() {
    let fx = Fixture::new(|_| {}).await;
    fx.queue
        .enqueue(vec![delivery("p", vec![event("held", "12")])])
        .await
        .unwrap();
    let mut lease = fx.next_of("12").await;
    assert_eq!(lease.event.attempt, 1);
    for _ in 0..3 {
        fx.queue
            .postpone(lease.token, Duration::from_millis(100), "flow paused")
            .await
            .unwrap();
        lease = fx.next_of("12").await;
        assert_eq!(
            (lease.event.id.as_str(), lease.event.attempt),
            ("held", 1),
            "a postponement is not an attempt"
        );
    }
    fx.queue
        .retry_later(lease.token, Duration::from_millis(100), "NetSuite 503")
        .await
        .unwrap();
    let retried = fx.next_of("12").await;
    assert_eq!(retried.event.attempt, 2, "a retry is");
    fx.queue.ack(retried.token).await.unwrap();
}

#[tokio::test]
async fn a_retried_event_comes_back_after_its_delay_with_the_next_attempt() {
    let fx = Fixture::new(|_| {}).await;
    fx.queue
        .enqueue(vec![delivery(
            "d",
            vec![event("first", "9"), event("second", "9")],
        )])
        .await
        .unwrap();
    let lease = fx.next_of("9").await;
    assert_eq!((lease.event.id.as_str(), lease.event.attempt), ("first", 1));
    let retried_at = Instant::now();
    fx.queue
        .retry_later(lease.token, Duration::from_millis(600), "NetSuite 503")
        .await
        .unwrap();
    assert_eq!(
        fx.queue.depth().await.unwrap().delayed,
        1,
        "waits in its tier"
    );

    // The record is not held back by its retry; the worker skips stale versions instead.
    let second = fx.next_of("9").await;
    assert_eq!(second.event.id, "second");
    fx.queue.ack(second.token).await.unwrap();

    let again = fx.next_of("9").await;
    assert_eq!((again.event.id.as_str(), again.event.attempt), ("first", 2));
    assert!(
        retried_at.elapsed() >= Duration::from_millis(600),
        "never sooner than asked: {:?}",
        retried_at.elapsed()
    );
    fx.queue.ack(again.token).await.unwrap();
}

#[tokio::test]
async fn a_dead_letter_lands_in_the_store_with_its_reason_and_frees_the_record() {
    let fx = Fixture::new(|_| {}).await;
    fx.queue
        .enqueue(vec![delivery(
            "d",
            vec![event("bad", "5"), event("next", "5")],
        )])
        .await
        .unwrap();
    let lease = fx.next_of("5").await;
    fx.queue
        .retry_later(lease.token, Duration::ZERO, "timeout")
        .await
        .unwrap();
    // A zero delay goes straight back to the shard, behind "next".
    let next = fx.next_of("5").await;
    assert_eq!(next.event.id, "next");
    fx.queue.ack(next.token).await.unwrap();
    let lease = fx.next_of("5").await;
    assert_eq!((lease.event.id.as_str(), lease.event.attempt), ("bad", 2));
    fx.queue
        .dead_letter(lease.token, "INVALID_FIELD: Name is required")
        .await
        .unwrap();

    let letters = fx.store.dead_letters(None, 10).await.unwrap();
    assert_eq!(letters.len(), 1);
    assert_eq!(letters[0].event.id, "bad");
    assert_eq!(letters[0].reason, "INVALID_FIELD: Name is required");
    assert_eq!(letters[0].attempts, 2);
    // The broker's copy reaches the dead-letter queue and the mirror does not record it twice.
    fx.eventually(|| async {
        let depth = fx.queue.depth().await.unwrap();
        (depth.dead_letters == 0).then_some(())
    })
    .await;
    assert_eq!(fx.store.dead_letters(None, 10).await.unwrap().len(), 1);
    assert!(matches!(
        fx.queue.ack(lease.token).await,
        Err(QueueError::LeaseLost)
    ));
}

#[tokio::test]
async fn an_event_returned_past_the_delivery_limit_is_dead_lettered_by_the_broker_and_mirrored() {
    let fx = Fixture::new(|settings| {
        settings.max_deliveries = 2;
        settings.visibility_timeout = Duration::from_millis(100);
    })
    .await;
    fx.queue
        .enqueue(vec![delivery("d", vec![event("poison", "1")])])
        .await
        .unwrap();
    // The worker never acknowledges: each lease expires and goes back to the queue.
    let mut attempts = Vec::new();
    let deadline = Instant::now() + WAIT;
    let letters = loop {
        for lease in fx.queue.receive(1, QUIET).await.unwrap() {
            attempts.push(lease.event.attempt);
        }
        let letters = fx.store.dead_letters(None, 10).await.unwrap();
        if !letters.is_empty() {
            break letters;
        }
        assert!(
            Instant::now() < deadline,
            "not dead-lettered; attempts {attempts:?}"
        );
    };
    assert_eq!(letters[0].event.id, "poison");
    assert!(
        letters[0].reason.contains("max_deliveries"),
        "{}",
        letters[0].reason
    );
    assert_eq!(
        attempts,
        vec![1, 2],
        "handed out exactly max_deliveries times"
    );
    assert!(fx.drain_quietly().await.is_empty());
}

#[tokio::test]
async fn a_broker_refusal_is_never_a_success() {
    let mut fx = Fixture::new(|settings| settings.shards = 1).await;
    // A test-only queue on the same routing key, at its length limit after one message.
    let (_connection, channel) = fx.admin().await;
    let full = format!("{}.full", fx.cleanup.topology.events_exchange());
    fx.cleanup.extra_queues.push(full.clone());
    let mut arguments = FieldTable::default();
    // At most one message; past it, publishes are refused (nacked), not the head dropped.
    arguments.insert("x-max-length".into(), AMQPValue::LongLongInt(1));
    arguments.insert(
        "x-overflow".into(),
        AMQPValue::LongString("reject-publish".into()),
    );
    channel
        .queue_declare(
            full.as_str().into(),
            QueueDeclareOptions::default(),
            arguments,
        )
        .await
        .unwrap();
    channel
        .queue_bind(
            full.as_str().into(),
            fx.queue.topology().events_exchange().into(),
            Topology::routing_key(0).into(),
            QueueBindOptions::default(),
            FieldTable::default(),
        )
        .await
        .unwrap();

    let first = fx
        .queue
        .enqueue(vec![delivery("d1", vec![event("a", "1")])])
        .await;
    assert_eq!(first.unwrap().accepted, 1);
    let refused = fx
        .queue
        .enqueue(vec![delivery("d2", vec![event("b", "1")])])
        .await;
    match refused {
        Err(QueueError::Unavailable(message)) => assert!(message.contains("refused"), "{message}"),
        other => panic!("expected Unavailable, got {other:?}"),
    }
    assert!(
        !fx.queue.memory.seen(&["d2"])[0],
        "a refused delivery is not remembered, so its redelivery is queued"
    );
}

#[tokio::test]
async fn an_unroutable_event_is_an_error() {
    let fx = Fixture::new(|settings| settings.shards = 1).await;
    let (_connection, channel) = fx.admin().await;
    channel
        .queue_unbind(
            fx.queue.topology().work_queue(0).into(),
            fx.queue.topology().events_exchange().into(),
            Topology::routing_key(0).into(),
            FieldTable::default(),
        )
        .await
        .unwrap();
    let result = fx
        .queue
        .enqueue(vec![delivery("d", vec![event("a", "1")])])
        .await;
    match result {
        Err(QueueError::Unavailable(message)) => assert!(message.contains("route"), "{message}"),
        other => panic!("expected Unavailable, got {other:?}"),
    }
}

#[tokio::test]
async fn an_unreadable_message_is_set_aside_without_blocking_its_shard() {
    let fx = Fixture::new(|settings| settings.shards = 1).await;
    let (_connection, channel) = fx.admin().await;
    channel
        .confirm_select(lapin::options::ConfirmSelectOptions::default())
        .await
        .unwrap();
    let confirm = channel
        .basic_publish(
            fx.queue.topology().events_exchange().into(),
            Topology::routing_key(0).into(),
            lapin::options::BasicPublishOptions::default(),
            b"not an event",
            lapin::BasicProperties::default(),
        )
        .await
        .unwrap()
        .await
        .unwrap();
    assert!(confirm.is_ack());
    fx.queue
        .enqueue(vec![delivery("d", vec![event("after", "1")])])
        .await
        .unwrap();

    assert_eq!(fx.next_of("1").await.event.id, "after");
    // Rejected to the dead-letter queue, where the mirror logs and drops it.
    fx.eventually(|| async {
        let depth = fx.queue.depth().await.unwrap();
        (depth.dead_letters == 0 && depth.total == 1).then_some(())
    })
    .await;
    assert!(fx.store.dead_letters(None, 10).await.unwrap().is_empty());
}

#[tokio::test]
async fn concurrent_enqueues_are_all_confirmed_and_handed_out() {
    let fx = Arc::new(Fixture::new(|_| {}).await);
    let tasks: Vec<_> = (0..100)
        .map(|i| {
            let fx = fx.clone();
            tokio::spawn(async move {
                fx.queue
                    .enqueue(vec![delivery(
                        &format!("d{i}"),
                        vec![event(&format!("e{i}"), &format!("{i}"))],
                    )])
                    .await
            })
        })
        .collect();
    for task in tasks {
        assert_eq!(task.await.unwrap().unwrap().accepted, 1);
    }
    let ids: HashSet<String> = fx.handle(100).await.into_iter().collect();
    assert_eq!(ids.len(), 100);
}

#[tokio::test]
async fn acknowledging_twice_loses_the_lease_the_second_time() {
    let fx = Fixture::new(|_| {}).await;
    fx.queue
        .enqueue(vec![delivery("d", vec![event("x", "1")])])
        .await
        .unwrap();
    let lease = fx.next_of("1").await;
    fx.queue.ack(lease.token).await.unwrap();
    assert!(matches!(
        fx.queue.ack(lease.token).await,
        Err(QueueError::LeaseLost)
    ));
}

async fn connect_error(url: &str) -> (String, Duration) {
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn Store> = Arc::new(
        SqliteStore::open(&dir.path().join("store.db"))
            .await
            .unwrap(),
    );
    let started = Instant::now();
    let result = RabbitQueue::connect(RabbitSettings::new(url), store).await;
    match result {
        Err(QueueError::Unavailable(message)) => (message, started.elapsed()),
        Err(other) => panic!("expected Unavailable, got {other}"),
        Ok(_) => panic!("connected to {url}"),
    }
}

#[tokio::test]
async fn an_unreachable_broker_or_a_bad_url_fails_fast_as_unavailable() {
    for url in [
        "amqp://guest:guest@127.0.0.1:1/%2f",
        "amqp://[not a url",
        "amqp://tandem:s3cr3t-pw@127.0.0.1:5672/%2f",
    ] {
        let (message, took) = connect_error(url).await;
        assert!(
            took < connection::CONNECT_TIMEOUT + Duration::from_secs(1),
            "{url}: {took:?}"
        );
        assert!(
            !message.contains("s3cr3t"),
            "the password never shows: {message}"
        );
    }
}
