//! Signed JSON change events: what is accepted, what is refused, and that refusals queue nothing.

use crate::helpers::*;
use serde_json::Value;

const NETSUITE: &str = "/webhooks/netsuite/events";
const SALESFORCE: &str = "/webhooks/salesforce/events";

#[tokio::test]
async fn a_signed_netsuite_event_is_queued_and_answered_202() {
    let app = spawn_app().await;
    let response = app
        .post_signed(
            NETSUITE,
            NETSUITE_SECRET,
            "msg_1",
            &netsuite_event("5512", "2026-11-27T10:15:02.120Z"),
        )
        .await;
    assert_eq!(response.status(), 202);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body, serde_json::json!({ "accepted": 1 }));
    let leases = app
        .queue
        .receive(10, std::time::Duration::ZERO)
        .await
        .unwrap();
    assert_eq!(leases.len(), 1);
    let event = &leases[0].event;
    assert_eq!(event.id, "netsuite:msg_1#0");
    assert_eq!(event.record_id, "5512");
    assert_eq!(event.object, "customer");
    assert_eq!(event.fields["companyname"], "Acme Ltd");
}

#[tokio::test]
async fn a_batch_is_queued_whole_and_a_repeated_webhook_id_is_acknowledged_once() {
    let app = spawn_app().await;
    let body = format!(
        r#"{{"events":[{},{},{}]}}"#,
        netsuite_event("1", "2026-11-27T10:00:00Z"),
        netsuite_event("2", "2026-11-27T10:00:00Z"),
        netsuite_event("1", "2026-11-27T10:00:01Z"),
    );
    let first = app
        .post_signed(NETSUITE, NETSUITE_SECRET, "msg_batch", &body)
        .await;
    assert_eq!(first.status(), 202);
    assert_eq!(first.json::<Value>().await.unwrap()["accepted"], 3);

    let replay = app
        .post_signed(NETSUITE, NETSUITE_SECRET, "msg_batch", &body)
        .await;
    assert_eq!(replay.status(), 202);
    assert_eq!(
        replay.json::<Value>().await.unwrap(),
        serde_json::json!({ "accepted": 0, "duplicates": 1 })
    );
    assert_eq!(app.queued().await, 3);
}

#[tokio::test]
async fn each_source_verifies_with_its_own_secrets() {
    let app = spawn_app().await;
    let body = netsuite_event("1", "2026-11-27T10:00:00Z");
    let crossed = app
        .post_signed(SALESFORCE, NETSUITE_SECRET, "msg_x", &body)
        .await;
    assert_eq!(crossed.status(), 401);
    let right = app
        .post_signed(SALESFORCE, SALESFORCE_SECRET, "msg_x", &body)
        .await;
    assert_eq!(right.status(), 202);
    let leases = app
        .queue
        .receive(10, std::time::Duration::ZERO)
        .await
        .unwrap();
    assert_eq!(leases[0].event.source, tandem::domain::System::Salesforce);
}

#[tokio::test]
async fn a_rotated_secret_list_accepts_either_secret() {
    let app = spawn_app_with(|config| {
        config.netsuite.webhook_secrets =
            tandem::config::SecretList::from(vec![SALESFORCE_SECRET, NETSUITE_SECRET]);
    })
    .await;
    let body = netsuite_event("1", "2026-11-27T10:00:00Z");
    for (id, secret) in [("a", SALESFORCE_SECRET), ("b", NETSUITE_SECRET)] {
        let response = app.post_signed(NETSUITE, secret, id, &body).await;
        assert_eq!(response.status(), 202, "signed with secret {id}");
    }
}

#[tokio::test]
async fn bad_signatures_get_401_with_a_reason_and_queue_nothing() {
    let app = spawn_app().await;
    let body = netsuite_event("1", "2026-11-27T10:00:00Z");
    let now = chrono::Utc::now().timestamp();

    let stale = app
        .post_signed_at(NETSUITE, NETSUITE_SECRET, "m1", now - 301, &body)
        .await;
    assert_eq!(stale.status(), 401);
    let error: Value = stale.json().await.unwrap();
    assert_eq!(error["error"], "unauthorized");
    assert!(
        error["message"].as_str().unwrap().contains("old"),
        "{error}"
    );

    let future = app
        .post_signed_at(NETSUITE, NETSUITE_SECRET, "m2", now + 301, &body)
        .await;
    assert_eq!(future.status(), 401);

    let wrong_secret = app
        .post_signed(NETSUITE, SALESFORCE_SECRET, "m3", &body)
        .await;
    assert_eq!(wrong_secret.status(), 401);

    for signature in ["v1,", "v1", "v2,abc", ""] {
        let response = app
            .client
            .post(app.url(NETSUITE))
            .header("content-type", "application/json")
            .header("webhook-id", "m4")
            .header("webhook-timestamp", now.to_string())
            .header("webhook-signature", signature)
            .body(body.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 401, "signature {signature:?}");
    }

    let unsigned = app
        .client
        .post(app.url(NETSUITE))
        .header("content-type", "application/json")
        .body(body.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(unsigned.status(), 401);
    let error: Value = unsigned.json().await.unwrap();
    assert!(
        error["message"].as_str().unwrap().contains("webhook-id"),
        "{error}"
    );
    assert_eq!(app.queued().await, 0);
}

#[tokio::test]
async fn a_malformed_event_gets_400_naming_the_field_and_queues_nothing() {
    let app = spawn_app().await;
    let cases = [
        (netsuite_event("1", "not a time"), "version"),
        (
            netsuite_event("1", "2026-11-27T10:00:00Z")
                .replace(r#""change":"updated""#, r#""change":"moved""#),
            "change",
        ),
        (r#"{"object":"customer"}"#.to_owned(), "record_id"),
        (
            format!(
                r#"{{"events":[{},{{"object":"customer","record_id":"2","change":"updated"}}]}}"#,
                netsuite_event("1", "2026-11-27T10:00:00Z")
            ),
            "events[1]",
        ),
        ("[1,2".to_owned(), "JSON"),
    ];
    for (index, (body, named)) in cases.iter().enumerate() {
        let response = app
            .post_signed(NETSUITE, NETSUITE_SECRET, &format!("bad{index}"), body)
            .await;
        assert_eq!(response.status(), 400, "{body}");
        let error: Value = response.json().await.unwrap();
        assert_eq!(error["error"], "malformed_body");
        let message = error["message"].as_str().unwrap();
        assert!(message.contains(named), "{named:?} not in {message:?}");
    }
    assert_eq!(
        app.queued().await,
        0,
        "nothing from a rejected request is queued"
    );
}

#[tokio::test]
async fn a_wrong_content_type_gets_415() {
    let app = spawn_app().await;
    let response = app
        .client
        .post(app.url(NETSUITE))
        .header("content-type", "text/plain")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 415);
    let error: Value = response.json().await.unwrap();
    assert_eq!(error["error"], "unsupported_media_type");
    assert!(error["message"].as_str().unwrap().contains("text/plain"));
}

#[tokio::test]
async fn a_source_without_secrets_refuses_every_webhook() {
    let app = spawn_app_with(|config| {
        config.netsuite.webhook_secrets = tandem::config::SecretList::default();
    })
    .await;
    let response = app
        .post_signed(
            NETSUITE,
            NETSUITE_SECRET,
            "m",
            &netsuite_event("1", "2026-11-27T10:00:00Z"),
        )
        .await;
    assert_eq!(response.status(), 401);
    let error: Value = response.json().await.unwrap();
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("no webhook secret")
    );
}

#[tokio::test]
async fn the_same_webhook_id_from_both_sources_queues_both_events() {
    let app = spawn_app().await;
    let body = netsuite_event("1", "2026-11-27T10:00:00Z");
    let from_salesforce = app
        .post_signed(SALESFORCE, SALESFORCE_SECRET, "msg_same", &body)
        .await;
    let from_netsuite = app
        .post_signed(NETSUITE, NETSUITE_SECRET, "msg_same", &body)
        .await;
    for response in [from_salesforce, from_netsuite] {
        assert_eq!(response.status(), 202);
        assert_eq!(response.json::<Value>().await.unwrap()["accepted"], 1);
    }
    // A single event whose id looks like a batch member does not collide with the batch either.
    let batch = format!(r#"{{"events":[{body}]}}"#);
    let single = app
        .post_signed(NETSUITE, NETSUITE_SECRET, "msg_b#0", &body)
        .await;
    let batched = app
        .post_signed(NETSUITE, NETSUITE_SECRET, "msg_b", &batch)
        .await;
    assert_eq!(single.json::<Value>().await.unwrap()["accepted"], 1);
    assert_eq!(batched.json::<Value>().await.unwrap()["accepted"], 1);
    assert_eq!(app.queued().await, 4);
}
