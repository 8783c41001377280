//! Only open dead letters move: a discarded letter is never applied, a letter is replayed at
//! most once even when asked twice at the same moment, and unknown ids or filters are refused.

use super::{ADMIN_TOKEN, ops};
use crate::helpers::spawn_app_with;
use crate::synced::*;
use reqwest::{Method, StatusCode};
use serde_json::json;
use tandem::config::Secret;
use tandem::sandbox::SandboxConfig;
use tandem::store::{DeadLetterStatus, StoredDeadLetter};

/// The seeded invoice 401 was billed from order 301; once that order names an opportunity id
/// that fails Salesforce's checksum, the invoice's events are dead-lettered on the first
/// attempt, every time.
const INVOICE_KEY: &str = "netsuite:invoice:401";

async fn spawn_with_token(backend: Backend) -> Synced {
    spawn_synced_with(backend, SandboxConfig::default(), |config| {
        config.server.admin_token = Some(Secret::from(ADMIN_TOKEN));
    })
    .await
}

/// Dead letters of the invoice's events, newest first.
async fn invoice_letters(synced: &Synced) -> Vec<StoredDeadLetter> {
    let letters = synced.app.store.dead_letters(None, 100).await.unwrap();
    letters
        .into_iter()
        .filter(|letter| letter.event.record_key() == INVOICE_KEY)
        .collect()
}

/// Edits the invoice in NetSuite and waits for its event's dead letter.
async fn dead_letter_an_invoice_edit(synced: &Synced) -> StoredDeadLetter {
    synced
        .edit_in_netsuite(
            "salesOrder",
            "301",
            json!({ "externalId": "006Sbx000000001AAA" }),
        )
        .await;
    synced
        .edit_in_netsuite("invoice", "401", json!({ "memo": "chased by phone" }))
        .await;
    let letter = eventually("the invoice's dead letter", || async {
        invoice_letters(synced).await.into_iter().next()
    })
    .await;
    synced.settled().await;
    assert_eq!(letter.status, DeadLetterStatus::Open);
    letter
}

on_both_backends!(a_discarded_dead_letter_is_never_applied_and_can_no_longer_be_replayed);
async fn a_discarded_dead_letter_is_never_applied_and_can_no_longer_be_replayed(backend: Backend) {
    let synced = spawn_with_token(backend).await;
    let letter = dead_letter_an_invoice_edit(&synced).await;
    let path = |action: &str| format!("/api/v1/dead-letters/{}{action}", letter.id);

    let (status, discarded) = ops(&synced.app, Method::POST, &path("/discard")).await;
    assert_eq!(status, StatusCode::OK, "{discarded}");
    assert_eq!(discarded, json!({ "id": letter.id, "status": "discarded" }));
    let (_, shown) = ops(&synced.app, Method::GET, &path("")).await;
    assert_eq!(shown["status"], "discarded");
    let stored = synced.app.store.dead_letter(letter.id).await.unwrap();
    assert_eq!(stored.status, DeadLetterStatus::Discarded);
    let listed_ids = |status: &'static str| {
        let app = &synced.app;
        async move {
            let (_, listed) = ops(
                app,
                Method::GET,
                &format!("/api/v1/dead-letters?status={status}"),
            )
            .await;
            listed["dead_letters"]
                .as_array()
                .unwrap()
                .iter()
                .map(|shown| shown["id"].as_i64().unwrap())
                .collect::<Vec<_>>()
        }
    };
    assert!(!listed_ids("open").await.contains(&letter.id));
    assert!(listed_ids("discarded").await.contains(&letter.id));

    for action in ["/replay", "/discard"] {
        let (status, refused) = ops(&synced.app, Method::POST, &path(action)).await;
        assert_eq!(status, StatusCode::CONFLICT, "{action}: {refused}");
        assert_eq!(refused["error"], "conflict");
    }
    synced.settled().await;
    let letters = invoice_letters(&synced).await;
    assert_eq!(letters.len(), 1, "the event never ran again: {letters:#?}");
}

on_both_backends!(two_replays_at_the_same_moment_queue_the_event_once);
async fn two_replays_at_the_same_moment_queue_the_event_once(backend: Backend) {
    let synced = spawn_with_token(backend).await;
    let letter = dead_letter_an_invoice_edit(&synced).await;
    let replay = format!("/api/v1/dead-letters/{}/replay", letter.id);

    let (first, second) = tokio::join!(
        ops(&synced.app, Method::POST, &replay),
        ops(&synced.app, Method::POST, &replay)
    );
    let mut statuses = [first.0, second.0];
    statuses.sort();
    assert_eq!(
        statuses,
        [StatusCode::ACCEPTED, StatusCode::CONFLICT],
        "{first:?} {second:?}"
    );

    // The invoice is still unusable, so the one replayed copy is applied and dead-lettered
    // again, as a new letter; a second copy would have made a third.
    eventually("the replayed event's new dead letter", || async {
        (invoice_letters(&synced).await.len() >= 2).then_some(())
    })
    .await;
    synced.settled().await;
    let letters = invoice_letters(&synced).await;
    assert_eq!(letters.len(), 2, "{letters:#?}");
    assert_eq!(letters[0].event.id, letter.event.id);
    assert_eq!(letters[0].status, DeadLetterStatus::Open);
    assert_eq!(letters[0].attempts, 1, "a replay starts again at attempt 1");
    assert_eq!(letters[1].id, letter.id);
    assert_eq!(letters[1].status, DeadLetterStatus::Replayed);
}

#[tokio::test]
async fn unknown_dead_letters_and_bad_filters_are_refused_with_json_errors() {
    let app = spawn_app_with(|config| {
        config.server.admin_token = Some(Secret::from(ADMIN_TOKEN));
    })
    .await;
    for (method, path) in [
        (Method::GET, "/api/v1/dead-letters/424242"),
        (Method::POST, "/api/v1/dead-letters/424242/replay"),
        (Method::POST, "/api/v1/dead-letters/424242/discard"),
    ] {
        let (status, body) = ops(&app, method, path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}: {body}");
        assert_eq!(
            body,
            json!({ "error": "not_found", "message": "no dead letter 424242" })
        );
    }
    for path in [
        "/api/v1/dead-letters/abc",
        "/api/v1/dead-letters/0",
        "/api/v1/dead-letters?status=closed",
        "/api/v1/dead-letters?limit=0",
    ] {
        let (status, body) = ops(&app, Method::GET, path).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{path}: {body}");
        assert_eq!(body["error"], "malformed_body", "{path}");
    }
    let (status, body) = ops(&app, Method::GET, "/api/v1/dead-letters?limit=5").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, json!({ "dead_letters": [], "next_cursor": null }));
    assert_eq!(app.queued().await, 0, "nothing was queued");
}
