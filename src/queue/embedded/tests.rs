//! Embedded queue behaviour against a real SQLite file.

use super::*;
use crate::queue::test_support::{delivery, event};

fn settings(dir: &tempfile::TempDir) -> EmbeddedSettings {
    EmbeddedSettings {
        path: dir.path().join("queue.db"),
        shards: 8,
        visibility_timeout: Duration::from_secs(60),
        max_deliveries: 5,
        dedupe_retention: Duration::from_secs(3600),
    }
}

async fn claim_ids(queue: &EmbeddedQueue, max: usize) -> Vec<(String, Lease)> {
    queue
        .receive(max, Duration::ZERO)
        .await
        .unwrap()
        .into_iter()
        .map(|lease| (lease.event.id.clone(), lease))
        .collect()
}

#[tokio::test]
async fn events_of_one_record_are_handed_out_in_order_one_at_a_time() {
    let dir = tempfile::tempdir().unwrap();
    let queue = EmbeddedQueue::open(settings(&dir)).await.unwrap();
    let events = (0..5).map(|i| event(&format!("e{i}"), "42")).collect();
    queue.enqueue(vec![delivery("d1", events)]).await.unwrap();
    queue
        .enqueue(vec![delivery("d2", vec![event("other", "7")])])
        .await
        .unwrap();

    for expected in ["e0", "e1", "e2", "e3", "e4"] {
        let claimed = claim_ids(&queue, 10).await;
        let ids: Vec<_> = claimed.iter().map(|(id, _)| id.as_str()).collect();
        assert!(ids.contains(&expected), "{expected} in {ids:?}");
        // Never two events of record 42 at once, and nothing of it before its turn.
        assert_eq!(
            ids.iter().filter(|id| id.starts_with('e')).count(),
            1,
            "{ids:?}"
        );
        assert!(
            claim_ids(&queue, 10).await.is_empty(),
            "nothing more while leased"
        );
        for (_, lease) in claimed {
            queue.ack(lease.token).await.unwrap();
        }
    }
    assert_eq!(queue.depth().await.unwrap().total, 0);
}

#[tokio::test]
async fn a_redelivered_delivery_is_acknowledged_but_not_queued_twice() {
    let dir = tempfile::tempdir().unwrap();
    let queue = EmbeddedQueue::open(settings(&dir)).await.unwrap();
    let first = queue
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
    // Even after the events were processed and removed.
    for (_, lease) in claim_ids(&queue, 10).await {
        queue.ack(lease.token).await.unwrap();
    }
    let again = queue
        .enqueue(vec![delivery(
            "wh_1",
            vec![event("a", "1"), event("b", "2")],
        )])
        .await
        .unwrap();
    assert_eq!(
        again,
        EnqueueOutcome {
            accepted: 0,
            duplicates: 1
        }
    );
    assert_eq!(queue.depth().await.unwrap().total, 0);
}

#[tokio::test]
async fn a_retried_event_waits_for_its_delay_and_holds_back_its_record() {
    let dir = tempfile::tempdir().unwrap();
    let queue = EmbeddedQueue::open(settings(&dir)).await.unwrap();
    queue
        .enqueue(vec![delivery(
            "d",
            vec![event("first", "9"), event("second", "9")],
        )])
        .await
        .unwrap();
    let (_, lease) = claim_ids(&queue, 10).await.remove(0);
    assert_eq!(lease.event.attempt, 1);
    queue
        .retry_later(lease.token, Duration::from_millis(300), "NetSuite 503")
        .await
        .unwrap();
    assert!(
        claim_ids(&queue, 10).await.is_empty(),
        "record 9 is blocked by its retry"
    );
    assert_eq!(queue.depth().await.unwrap().delayed, 2 - 1);

    let leases = queue.receive(10, Duration::from_secs(10)).await.unwrap();
    assert_eq!(leases.len(), 1);
    assert_eq!(leases[0].event.id, "first");
    assert_eq!(leases[0].event.attempt, 2);
}

#[tokio::test]
async fn an_unacknowledged_event_comes_back_after_the_visibility_timeout() {
    let dir = tempfile::tempdir().unwrap();
    let mut settings = settings(&dir);
    settings.visibility_timeout = Duration::from_millis(200);
    let queue = EmbeddedQueue::open(settings).await.unwrap();
    queue
        .enqueue(vec![delivery("d", vec![event("x", "1")])])
        .await
        .unwrap();
    let (_, stale) = claim_ids(&queue, 1).await.remove(0);
    // The worker "crashed": the lease expires and the event is handed out again.
    let again = queue.receive(1, Duration::from_secs(10)).await.unwrap();
    assert_eq!(again[0].event.id, "x");
    assert_eq!(again[0].event.attempt, 2);
    assert!(matches!(
        queue.ack(stale.token).await,
        Err(QueueError::LeaseLost)
    ));
    queue.ack(again[0].token).await.unwrap();
}

#[tokio::test]
async fn a_dead_letter_leaves_the_queue_with_its_reason_and_last_error_and_frees_the_record() {
    let dir = tempfile::tempdir().unwrap();
    let queue = EmbeddedQueue::open(settings(&dir)).await.unwrap();
    queue
        .enqueue(vec![delivery(
            "d",
            vec![event("bad", "5"), event("next", "5")],
        )])
        .await
        .unwrap();
    let (_, lease) = claim_ids(&queue, 1).await.remove(0);
    queue
        .retry_later(lease.token, Duration::ZERO, "timeout")
        .await
        .unwrap();
    let (_, lease) = claim_ids(&queue, 1).await.remove(0);
    queue
        .dead_letter(lease.token, "INVALID_FIELD: Name is required")
        .await
        .unwrap();
    // Off the queue, counted, and kept in the file with what happened to it.
    assert_eq!(queue.depth().await.unwrap().dead_letters, 1);
    let file = rusqlite::Connection::open(dir.path().join("queue.db")).unwrap();
    let kept: (String, String, Option<String>, u32) = file
        .query_row(
            "SELECT event_id, reason, last_error, deliveries FROM dead_letters",
            [],
            |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?)),
        )
        .unwrap();
    assert_eq!(
        kept,
        (
            "bad".to_owned(),
            "INVALID_FIELD: Name is required".to_owned(),
            Some("timeout".to_owned()),
            2
        )
    );
    assert_eq!(claim_ids(&queue, 1).await[0].0, "next");
    assert!(
        claim_ids(&queue, 1).await.is_empty(),
        "the dead letter is never handed out again"
    );
}

#[tokio::test]
async fn an_event_handed_out_too_often_comes_back_marked_exhausted() {
    let dir = tempfile::tempdir().unwrap();
    let mut settings = settings(&dir);
    settings.max_deliveries = 2;
    let queue = EmbeddedQueue::open(settings).await.unwrap();
    queue
        .enqueue(vec![delivery("d", vec![event("poison", "1")])])
        .await
        .unwrap();
    for _ in 0..2 {
        let (_, lease) = claim_ids(&queue, 1).await.remove(0);
        queue
            .retry_later(lease.token, Duration::ZERO, "crash")
            .await
            .unwrap();
    }
    // The third hand-out says it is one too many, for the worker to dead-letter it.
    let (id, lease) = claim_ids(&queue, 1).await.remove(0);
    assert_eq!(id, "poison");
    let reason = lease.exhausted.expect("marked exhausted");
    assert!(reason.contains("handed out 2 times"), "{reason}");
    queue.ack(lease.token).await.unwrap();
    assert!(claim_ids(&queue, 1).await.is_empty());
}

#[tokio::test]
async fn a_postponed_event_is_not_counted_as_handed_out_and_keeps_its_record_waiting() {
    let dir = tempfile::tempdir().unwrap();
    let mut settings = settings(&dir);
    settings.max_deliveries = 2;
    let queue = EmbeddedQueue::open(settings).await.unwrap();
    let events = vec![event("held", "1"), event("next", "1")];
    queue.enqueue(vec![delivery("d", events)]).await.unwrap();
    for _ in 0..5 {
        let claimed = claim_ids(&queue, 10).await;
        let ids: Vec<&str> = claimed.iter().map(|(id, _)| id.as_str()).collect();
        assert_eq!(ids, ["held"], "the record's next event waits");
        let lease = &claimed[0].1;
        assert!(lease.exhausted.is_none(), "postponements do not count");
        assert_eq!(lease.event.attempt, 1);
        queue
            .postpone(lease.token, Duration::ZERO, "flow paused")
            .await
            .unwrap();
    }
    let (id, lease) = claim_ids(&queue, 1).await.remove(0);
    assert_eq!(id, "held");
    queue.ack(lease.token).await.unwrap();
    assert_eq!(claim_ids(&queue, 1).await[0].0, "next");
}

#[tokio::test]
async fn queued_events_survive_closing_and_reopening_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let mut short_leases = settings(&dir);
    short_leases.visibility_timeout = Duration::from_millis(1);
    {
        let queue = EmbeddedQueue::open(short_leases.clone()).await.unwrap();
        queue
            .enqueue(vec![delivery("d", vec![event("kept", "1")])])
            .await
            .unwrap();
        // Handed out but never acknowledged: the worker went away with the process.
        assert_eq!(claim_ids(&queue, 1).await.len(), 1);
    }
    let queue = EmbeddedQueue::open(short_leases).await.unwrap();
    let leases = queue.receive(1, Duration::from_secs(10)).await.unwrap();
    assert_eq!(leases[0].event.id, "kept");
    let again = queue
        .enqueue(vec![delivery("d", vec![event("kept", "1")])])
        .await
        .unwrap();
    assert_eq!(again.duplicates, 1, "delivery ids are durable too");
}

#[tokio::test]
async fn a_waiting_receiver_wakes_when_an_event_arrives() {
    let dir = tempfile::tempdir().unwrap();
    let queue = std::sync::Arc::new(EmbeddedQueue::open(settings(&dir)).await.unwrap());
    let waiting = {
        let queue = queue.clone();
        tokio::spawn(async move { queue.receive(1, Duration::from_secs(30)).await })
    };
    queue
        .enqueue(vec![delivery("d", vec![event("late", "1")])])
        .await
        .unwrap();
    let leases = waiting.await.unwrap().unwrap();
    assert_eq!(leases[0].event.id, "late");
}

#[tokio::test]
async fn concurrent_enqueues_are_all_durable() {
    let dir = tempfile::tempdir().unwrap();
    let queue = std::sync::Arc::new(EmbeddedQueue::open(settings(&dir)).await.unwrap());
    let tasks: Vec<_> = (0..200)
        .map(|i| {
            let queue = queue.clone();
            tokio::spawn(async move {
                queue
                    .enqueue(vec![delivery(
                        &format!("d{i}"),
                        vec![event(&format!("e{i}"), &format!("{}", i % 13))],
                    )])
                    .await
            })
        })
        .collect();
    for task in tasks {
        assert_eq!(task.await.unwrap().unwrap().accepted, 1);
    }
    assert_eq!(queue.depth().await.unwrap().total, 200);
}

#[tokio::test]
async fn opening_a_queue_in_a_missing_directory_names_the_directory() {
    let dir = tempfile::tempdir().unwrap();
    let mut settings = settings(&dir);
    settings.path = dir.path().join("missing/queue.db");
    let error = EmbeddedQueue::open(settings)
        .await
        .err()
        .unwrap()
        .to_string();
    assert!(error.contains("missing"), "{error}");
}
