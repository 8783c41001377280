//! Failed attempts counted per flow over a window (what the alerts' per-flow stall reads), on
//! both backends; an attempt keeps its flow.

use super::tests::backends;
use super::*;

fn attempt(event_id: &str, flow: Option<&str>, at_ms: i64) -> FailedAttempt {
    FailedAttempt {
        event_id: event_id.into(),
        attempt: 1,
        error: "HTTP 503 Service Unavailable".into(),
        error_code: None,
        at_ms,
        flow: flow.map(str::to_owned),
    }
}

#[tokio::test]
async fn failed_attempts_are_counted_per_flow_since_a_time() {
    for (store, _dir) in backends().await {
        let name = store.backend();
        for recorded in [
            attempt("e1", Some("account_to_customer"), 1000),
            attempt("e2", Some("account_to_customer"), 2000),
            attempt("e3", Some("account_to_customer"), 3000),
            attempt("e4", Some("customer_to_account"), 3000),
            attempt("e5", None, 3000),
        ] {
            store.record_attempt(&recorded).await.unwrap();
        }
        let mut counted = store.flow_failures(2000).await.unwrap();
        counted.sort();
        assert_eq!(
            counted,
            [
                ("account_to_customer".to_owned(), 2),
                ("customer_to_account".to_owned(), 1)
            ],
            "{name}"
        );
        assert!(
            store.flow_failures(3001).await.unwrap().is_empty(),
            "{name}"
        );
        let kept = store.attempts("e4").await.unwrap();
        assert_eq!(
            kept[0].flow.as_deref(),
            Some("customer_to_account"),
            "{name}"
        );
    }
}

#[tokio::test]
async fn events_still_retrying_are_those_neither_finished_nor_dead_lettered() {
    for (store, _dir) in backends().await {
        let name = store.backend();
        for (event, at) in [
            ("r1", 1000),
            ("r1", 2000),
            ("r2", 2000),
            ("r3", 2000),
            ("r4", 2000),
        ] {
            store
                .record_attempt(&attempt(event, Some("account_to_customer"), at))
                .await
                .unwrap();
        }
        // r2 finished after failing once; r3 was given up on; r4 too, then replayed.
        let mut finished = crate::store::tests::completion("r2", 1);
        finished.history.record_key = "salesforce:account:001R2".into();
        store.complete(finished).await.unwrap();
        for event in ["r3", "r4"] {
            let letter = NewDeadLetter {
                event: crate::store::tests::event(event),
                reason: "503".into(),
                error_code: None,
                attempts: 5,
            };
            let id = store.add_dead_letter(letter).await.unwrap();
            if event == "r4" {
                store
                    .move_dead_letter(id, DeadLetterStatus::Open, DeadLetterStatus::Replayed)
                    .await
                    .unwrap();
            }
        }
        let mut retrying = store.flow_retrying(0).await.unwrap();
        retrying.sort();
        assert_eq!(
            retrying,
            [("account_to_customer".to_owned(), 2)],
            "{name}: r1 (counted once) and r4"
        );
    }
}
