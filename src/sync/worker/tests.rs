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

/// An embedded queue and a SQLite store in `dir`.
async fn open(
    dir: &tempfile::TempDir,
    visibility_timeout: Duration,
    max_deliveries: u32,
) -> (Arc<dyn Queue>, Arc<dyn Store>) {
    let queue = EmbeddedQueue::open(EmbeddedSettings {
        path: dir.path().join("queue.db"),
        shards: 4,
        visibility_timeout,
        max_deliveries,
        dedupe_retention: Duration::from_secs(3600),
    })
    .await
    .unwrap();
    let store = SqliteStore::open(&dir.path().join("store.db"))
        .await
        .unwrap();
    (Arc::new(queue), Arc::new(store))
}

#[tokio::test]
async fn an_event_handed_out_too_often_becomes_a_dead_letter_in_the_store_unapplied() {
    let dir = tempfile::tempdir().unwrap();
    let (queue, store) = open(&dir, Duration::from_millis(50), 2).await;
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

/// Notes whether each attempt it is asked to make is in doubt; fails the first `failing` of
/// them (as a vendor outage fails the look at the origin stamp).
struct InDoubt {
    failing: usize,
    seen: std::sync::Mutex<Vec<bool>>,
}

impl InDoubt {
    fn failing(failing: usize) -> Arc<Self> {
        Arc::new(Self {
            failing,
            seen: std::sync::Mutex::default(),
        })
    }

    fn seen(&self) -> Vec<bool> {
        self.seen.lock().unwrap().clone()
    }
}

#[async_trait]
impl Apply for InDoubt {
    async fn apply(&self, _event: &ChangeEvent, in_doubt: bool) -> Result<Applied, SyncError> {
        let mut seen = self.seen.lock().unwrap();
        seen.push(in_doubt);
        if seen.len() <= self.failing {
            return Err(SyncError::Connector(
                crate::connectors::ConnectorError::new(
                    System::Salesforce,
                    crate::connectors::ErrorClass::Retry,
                    "503 SERVER_UNAVAILABLE",
                ),
            ));
        }
        Ok(Applied::Ignored {
            detail: "applied".into(),
        })
    }
}

/// A queue and a store shared by instances.
struct Shared {
    _dir: tempfile::TempDir,
    queue: Arc<dyn Queue>,
    store: Arc<dyn Store>,
}

impl Shared {
    async fn open() -> Shared {
        let dir = tempfile::tempdir().unwrap();
        let (queue, store) = open(&dir, Duration::from_secs(30), 10).await;
        Shared {
            _dir: dir,
            queue,
            store,
        }
    }

    /// An instance of its own (its own claim owner) applying through `flows`.
    fn instance(&self, flows: Arc<InDoubt>) -> Worker {
        Worker {
            settler: Settler {
                queue: self.queue.clone(),
                store: self.store.clone(),
                policy: RetryPolicy::new(vec![Duration::from_millis(10); 3]),
                conflicts: crate::config::ConflictPolicy::Park,
            },
            flows,
            takers: vec![],
            claims: Some(Claims::new(self.store.clone(), Duration::from_millis(300))),
        }
    }

    /// Queues an event whose record another instance claimed for it (and may have written it)
    /// before it died; that claim lapses after 100 ms.
    async fn died_applying(&self, id: &str) {
        let change = event(id, "7");
        let dead = Claims::new(self.store.clone(), Duration::from_millis(100));
        drop(dead.acquire(&change).await.unwrap());
        self.queue
            .enqueue(vec![delivery(id, vec![change])])
            .await
            .unwrap();
    }

    /// The next lease, waiting up to 10 s for it.
    async fn next_lease(&self) -> Lease {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        loop {
            assert!(tokio::time::Instant::now() < deadline, "no lease came");
            if let Some(lease) = self
                .queue
                .receive(1, Duration::from_millis(200))
                .await
                .unwrap()
                .pop()
            {
                return lease;
            }
        }
    }
}

#[tokio::test]
async fn the_retry_of_an_event_taken_over_in_doubt_is_still_in_doubt() {
    let shared = Shared::open().await;
    shared.died_applying("written-then-died").await;
    let flows = InDoubt::failing(1);
    let survivor = shared.instance(flows.clone());
    survivor.handle(shared.next_lease().await).await;
    survivor.handle(shared.next_lease().await).await;
    assert_eq!(flows.seen(), [true, true]);
}

#[tokio::test]
async fn another_instance_taking_that_retry_finds_it_in_doubt_too() {
    let shared = Shared::open().await;
    shared.died_applying("written-then-died").await;
    let (first, second) = (InDoubt::failing(1), InDoubt::failing(0));
    shared
        .instance(first.clone())
        .handle(shared.next_lease().await)
        .await;
    shared
        .instance(second.clone())
        .handle(shared.next_lease().await)
        .await;
    assert_eq!((first.seen(), second.seen()), (vec![true], vec![true]));
}
