//! Conflicts on both backends: a record's later events join its open conflict, a resolution
//! is recorded once with its match decision, reopening keeps it, and the flows'
//! latency percentiles by nearest rank.

use super::tests::{backends, event};
use super::*;
use crate::domain::ChangeEvent;
use serde_json::json;

fn account_event(id: &str, account: &str) -> ChangeEvent {
    ChangeEvent {
        record_id: account.into(),
        ..event(id)
    }
}

fn subject(account: &str) -> ConflictSubject {
    ConflictSubject::new(LinkKind::AccountCustomer, LinkSide::Salesforce, account)
}

fn parked(event: &str, account: &str) -> NewConflict {
    NewConflict {
        event: account_event(event, account),
        reason: "2 customers match initech.example".into(),
        candidates: json!({ "matched_by": "domain", "ids": ["647", "648"] }),
        subject: Some(subject(account)),
    }
}

#[tokio::test]
async fn later_events_of_a_record_join_its_open_conflict_once_each() {
    for (store, _dir) in backends().await {
        let name = store.backend();
        let first = store.park_conflict(parked("e1", "001A")).await.unwrap();
        assert!(!first.attached, "{name}");
        let second = store.park_conflict(parked("e2", "001A")).await.unwrap();
        assert_eq!(
            second,
            Parked {
                id: first.id,
                attached: true
            },
            "{name}"
        );
        // The same events again (redeliveries) change nothing.
        store.park_conflict(parked("e2", "001A")).await.unwrap();
        store.park_conflict(parked("e1", "001A")).await.unwrap();
        let other = store.park_conflict(parked("e3", "001B")).await.unwrap();
        assert_ne!(
            other.id, first.id,
            "{name}: another record, another conflict"
        );

        let conflict = store.conflict(first.id).await.unwrap();
        assert_eq!(conflict.attached, 1, "{name}");
        assert_eq!(conflict.subject, Some(subject("001A")), "{name}");
        assert_eq!(conflict.resolution, None, "{name}");
        let joined = store.conflict_events(first.id).await.unwrap();
        assert_eq!(joined.len(), 1, "{name}");
        assert_eq!(joined[0].id, "e2", "{name}");
        let open = store
            .conflicts(Some(ConflictStatus::Open), 10)
            .await
            .unwrap();
        assert_eq!(open.len(), 2, "{name}");
    }
}

#[tokio::test]
async fn a_resolution_is_recorded_once_with_its_link_and_a_resolved_record_parks_anew() {
    for (store, _dir) in backends().await {
        let name = store.backend();
        let id = store.park_conflict(parked("e1", "001A")).await.unwrap().id;
        let decision = ConflictDecision {
            resolution: "link:648".into(),
            matching: Some((subject("001A"), MatchDecision::Link("648".into()))),
        };
        assert!(
            store.resolve_conflict(id, &decision).await.unwrap(),
            "{name}"
        );
        assert!(
            !store.resolve_conflict(id, &decision).await.unwrap(),
            "{name}: a second resolution is refused"
        );
        assert_eq!(
            store.match_decision(&subject("001A")).await.unwrap(),
            Some(MatchDecision::Link("648".into())),
            "{name}"
        );
        let conflict = store.conflict(id).await.unwrap();
        assert_eq!(conflict.resolution.as_deref(), Some("link:648"), "{name}");
        assert!(conflict.resolved_at_ms.is_some(), "{name}");
        assert!(
            store
                .conflicts(Some(ConflictStatus::Open), 10)
                .await
                .unwrap()
                .is_empty(),
            "{name}"
        );
        assert_eq!(
            store
                .conflicts(Some(ConflictStatus::Resolved), 10)
                .await
                .unwrap()
                .len(),
            1,
            "{name}"
        );
        let again = store.park_conflict(parked("e9", "001A")).await.unwrap();
        assert!(
            !again.attached,
            "{name}: a resolved conflict takes no events"
        );

        store.reopen_conflict(id).await.unwrap();
        assert_eq!(store.conflict(id).await.unwrap().resolution, None, "{name}");
        assert!(
            store
                .match_decision(&subject("001A"))
                .await
                .unwrap()
                .is_some(),
            "{name}: reopening keeps the decision"
        );
    }
}

#[tokio::test]
async fn a_match_decision_is_remembered_for_its_subject_only() {
    for (store, _dir) in backends().await {
        let name = store.backend();
        let id = store.park_conflict(parked("e1", "001A")).await.unwrap().id;
        let decided =
            async |subject: ConflictSubject| store.match_decision(&subject).await.unwrap();
        assert_eq!(decided(subject("001A")).await, None, "{name}");
        let decision = ConflictDecision {
            resolution: "create".into(),
            matching: Some((subject("001A"), MatchDecision::Create)),
        };
        assert!(
            store.resolve_conflict(id, &decision).await.unwrap(),
            "{name}"
        );
        assert_eq!(
            decided(subject("001A")).await,
            Some(MatchDecision::Create),
            "{name}"
        );
        assert_eq!(decided(subject("001B")).await, None, "{name}");
        let other_side =
            ConflictSubject::new(LinkKind::AccountCustomer, LinkSide::Netsuite, "001A");
        assert_eq!(decided(other_side).await, None, "{name}");
    }
}

#[tokio::test]
async fn flow_latencies_are_nearest_rank_percentiles_of_written_events() {
    for (store, _dir) in backends().await {
        let name = store.backend();
        let now = chrono::Utc::now().timestamp_millis();
        // Twenty written account events of 10, 20, … 200 ms, one slow echo that must not count.
        for n in 1..=21_i64 {
            let action = if n == 21 { "echo_dropped" } else { "written" };
            let event_id = format!("lat{n}");
            store
                .complete(Completion {
                    event_id: event_id.clone(),
                    processed: true,
                    applied: None,
                    writes: vec![],
                    links: vec![],
                    history: HistoryEntry {
                        record_key: format!("salesforce:account:001L{n}"),
                        event_id,
                        action: action.into(),
                        detail: String::new(),
                        at_ms: now,
                    },
                    latency_ms: Some(n * 10 + if n == 21 { 100_000 } else { 0 }),
                })
                .await
                .unwrap();
        }
        let latencies = store.flow_latencies(now - 1000).await.unwrap();
        assert_eq!(
            latencies,
            [FlowLatency {
                flow: "account_to_customer".into(),
                p50_ms: 100,
                p95_ms: 190,
                events: 20,
            }],
            "{name}"
        );
        assert!(
            store.flow_latencies(now + 1).await.unwrap().is_empty(),
            "{name}: nothing in the window"
        );
    }
}
