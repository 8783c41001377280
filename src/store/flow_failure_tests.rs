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
