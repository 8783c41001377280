//! The worker against a real embedded queue file and a real SQLite store.

use super::*;
use crate::queue::Queue;
use crate::queue::embedded::{EmbeddedQueue, EmbeddedSettings};
use crate::queue::test_support::{delivery, event};
use crate::store::{SqliteStore, Store};
use crate::sync::retry::RetryPolicy;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Counts the events it is asked to apply; each is written.
#[derive(Default)]
struct Counting(AtomicUsize);

#[async_trait]
impl Apply for Counting {
    async fn apply(&self, _event: &ChangeEvent, _in_doubt: bool) -> Result<Applied, SyncError> {
        self.0.fetch_add(1, Ordering::SeqCst);
        Ok(Applied::Ignored {
            detail: "counted".into(),
        })
    }
}

#[tokio::test]
async fn an_event_handed_out_too_often_becomes_a_dead_letter_in_the_store_unapplied() {
    let dir = tempfile::tempdir().unwrap();
    let queue: Arc<dyn Queue> = Arc::new(
        EmbeddedQueue::open(EmbeddedSettings {
            path: dir.path().join("queue.db"),
            shards: 4,
            visibility_timeout: Duration::from_millis(50),
            max_deliveries: 2,
            dedupe_retention: Duration::from_secs(3600),
        })
        .await
        .unwrap(),
    );
    let store: Arc<dyn Store> = Arc::new(
        SqliteStore::open(&dir.path().join("store.db"))
            .await
            .unwrap(),
    );
    let flows = Arc::new(Counting::default());
    let worker = Worker {
        settler: Settler {
            queue: queue.clone(),
            store: store.clone(),
            policy: RetryPolicy::new(vec![Duration::from_secs(1)]),
            conflicts: crate::config::ConflictPolicy::Park,
        },
        flows: flows.clone(),
        takers: vec![],
        claims: None,
    };
    queue
        .enqueue(vec![delivery("d", vec![event("crasher", "7")])])
        .await
        .unwrap();

    // Two workers take it and die without an answer; their leases lapse.
    let mut handed_out = 0;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    let last = loop {
        assert!(
            tokio::time::Instant::now() < deadline,
            "handed out {handed_out} times"
        );
        let Some(lease) = queue
            .receive(1, Duration::from_secs(1))
            .await
            .unwrap()
            .pop()
        else {
            continue;
        };
        handed_out += 1;
        if lease.exhausted.is_some() {
            break lease;
        }
        assert!(handed_out <= 2, "handed out a third time unmarked");
    };
    assert_eq!(handed_out, 3);
    worker.handle(last).await;

    assert_eq!(flows.0.load(Ordering::SeqCst), 0, "never applied");
    let letters = store.dead_letters(None, 10).await.unwrap();
    assert_eq!(letters.len(), 1);
    assert_eq!(letters[0].event.id, "crasher");
    assert_eq!(letters[0].error_code.as_deref(), Some("MAX_DELIVERIES"));
    assert!(
        letters[0].reason.contains("handed out 2 times"),
        "{}",
        letters[0].reason
    );
    assert!(!store.was_processed("crasher").await.unwrap(), "replayable");
    assert!(
        queue
            .receive(1, Duration::from_millis(200))
            .await
            .unwrap()
            .is_empty(),
        "settled"
    );
}
