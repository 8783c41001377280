//! Dead letters by filter over the ops API: filtered keyset pages, bulk replay and discard
//! answering counts, and a single replay with an edited payload that keeps the original.

use super::{ADMIN_TOKEN, ops};
use crate::helpers::{TestApp, spawn_app_with};
use chrono::Utc;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tandem::config::Secret;
use tandem::domain::{ChangeEvent, ChangeKind, System};
use tandem::store::{DeadLetterStatus, NewDeadLetter};

async fn spawn() -> TestApp {
    spawn_app_with(|config| {
        config.server.admin_token = Some(Secret::from(ADMIN_TOKEN));
    })
    .await
}

fn event(id: &str, source: System, object: &str, record_id: &str) -> ChangeEvent {
    ChangeEvent {
        id: id.into(),
        source,
        object: object.into(),
        record_id: record_id.into(),
        change: ChangeKind::Updated,
        version: Some(Utc::now()),
        modified_by: None,
        origin: None,
        execution_context: None,
        role: None,
        fields: json!({ "companyname": "Acme Ltd" })
            .as_object()
            .unwrap()
            .clone(),
        received_at: Utc::now(),
        attempt: 3,
    }
}

async fn add(app: &TestApp, event: ChangeEvent, code: Option<&str>) -> i64 {
    app.store
        .add_dead_letter(NewDeadLetter {
            event,
            reason: "refused".into(),
            error_code: code.map(str::to_owned),
            attempts: 3,
        })
        .await
        .unwrap()
}

/// Five account letters (two INVALID_FIELD) and two customer letters; the ids, oldest first.
async fn seed(app: &TestApp) -> (Vec<i64>, Vec<i64>) {
    let mut accounts = Vec::new();
    for n in 0..5 {
        let code = (n % 2 == 0 && n < 4).then_some("INVALID_FIELD");
        let account = event(
            &format!("a{n}"),
            System::Salesforce,
            "Account",
            &format!("001A{n}"),
        );
        accounts.push(add(app, account, code).await);
    }
    let mut customers = Vec::new();
    for n in 0..2 {
        let customer = event(&format!("c{n}"), System::Netsuite, "customer", "647");
        customers.push(add(app, customer, Some("INVALID_FIELD")).await);
    }
    (accounts, customers)
}

fn ids(body: &Value) -> Vec<i64> {
    body["dead_letters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|letter| letter["id"].as_i64().unwrap())
        .collect()
}

async fn post(app: &TestApp, path: &str, body: Value) -> (StatusCode, Value) {
    let response = app
        .client
        .post(app.url(path))
        .bearer_auth(ADMIN_TOKEN)
        .json(&body)
        .send()
        .await
        .unwrap();
    (response.status(), response.json().await.unwrap())
}

#[tokio::test]
async fn a_filtered_list_pages_with_next_cursor_until_the_last_page() {
    let app = spawn().await;
    let (accounts, customers) = seed(&app).await;
    let base = "/api/v1/dead-letters?flow=account_to_customer&limit=2";
    let (status, first) = ops(&app, Method::GET, base).await;
    assert_eq!(status, StatusCode::OK, "{first}");
    assert_eq!(ids(&first), [accounts[4], accounts[3]]);
    let cursor = first["next_cursor"].as_str().unwrap().to_owned();
    let (_, second) = ops(&app, Method::GET, &format!("{base}&cursor={cursor}")).await;
    assert_eq!(ids(&second), [accounts[2], accounts[1]]);
    let cursor = second["next_cursor"].as_str().unwrap().to_owned();
    let (_, last) = ops(&app, Method::GET, &format!("{base}&cursor={cursor}")).await;
    assert_eq!(ids(&last), [accounts[0]]);
    assert_eq!(last["next_cursor"], Value::Null);

    let (_, coded) = ops(
        &app,
        Method::GET,
        "/api/v1/dead-letters?error_code=INVALID_FIELD&record=647",
    )
    .await;
    assert_eq!(ids(&coded), [customers[1], customers[0]]);
    let (_, old) = ops(&app, Method::GET, "/api/v1/dead-letters?older_than=1h").await;
    assert_eq!(ids(&old), Vec::<i64>::new());
    let (_, recent) = ops(
        &app,
        Method::GET,
        "/api/v1/dead-letters?newer_than=1h&limit=100",
    )
    .await;
    assert_eq!(ids(&recent).len(), 7);
    for query in ["flow=accounts", "older_than=yesterday", "cursor=abc"] {
        let (status, body) = ops(&app, Method::GET, &format!("/api/v1/dead-letters?{query}")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}: {body}");
        assert_eq!(body["error"], "malformed_body");
    }
}

#[tokio::test]
async fn bulk_replay_and_discard_move_the_open_letters_a_filter_matches_and_count_them() {
    let app = spawn().await;
    let (accounts, customers) = seed(&app).await;
    let (status, body) = post(
        &app,
        "/api/v1/dead-letters/replay",
        json!({ "filter": { "flow": "account_to_customer", "error_code": "INVALID_FIELD" } }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body, json!({ "matched": 2, "replayed": 2 }));
    assert_eq!(app.queued().await, 2, "the two replayed events are queued");
    for (id, expected) in [
        (accounts[0], DeadLetterStatus::Replayed),
        (accounts[1], DeadLetterStatus::Open),
        (accounts[2], DeadLetterStatus::Replayed),
        (customers[0], DeadLetterStatus::Open),
    ] {
        assert_eq!(
            app.store.dead_letter(id).await.unwrap().status,
            expected,
            "{id}"
        );
    }

    let (status, body) = post(
        &app,
        "/api/v1/dead-letters/discard",
        json!({ "filter": {} }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        body,
        json!({ "matched": 5, "discarded": 5 }),
        "only open letters"
    );
    let (_, again) = post(&app, "/api/v1/dead-letters/replay", json!({ "filter": {} })).await;
    assert_eq!(again, json!({ "matched": 0, "replayed": 0 }));
    assert_eq!(app.queued().await, 2, "a discard queues nothing");

    for body in [
        json!({}),
        json!({ "filter": { "flows": "x" } }),
        json!({ "filter": { "older_than": "soon" } }),
    ] {
        let (status, answer) = post(&app, "/api/v1/dead-letters/replay", body.clone()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}: {answer}");
    }
}

#[tokio::test]
async fn a_replay_with_an_edited_payload_queues_the_edit_and_keeps_the_original() {
    let app = spawn().await;
    let (accounts, _) = seed(&app).await;
    let id = accounts[0];
    let path = format!("/api/v1/dead-letters/{id}/replay");
    let (status, body) = post(&app, &path, json!({ "payload": ["not", "fields"] })).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(
        app.store.dead_letter(id).await.unwrap().status,
        DeadLetterStatus::Open
    );

    let edited = json!({ "companyname": "Acme Limited", "email": "billing@acme.example" });
    let (status, body) = post(&app, &path, json!({ "payload": edited })).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    let (_, shown) = ops(&app, Method::GET, &format!("/api/v1/dead-letters/{id}")).await;
    assert_eq!(shown["status"], "replayed");
    assert_eq!(
        shown["event"]["fields"],
        json!({ "companyname": "Acme Ltd" })
    );
    assert_eq!(shown["edited_event"]["fields"], edited);
    assert_eq!(shown["edited_event"]["id"], shown["event"]["id"]);
    let leases = app
        .queue
        .receive(10, std::time::Duration::from_secs(5))
        .await
        .unwrap();
    assert_eq!(leases.len(), 1);
    assert_eq!(
        serde_json::Value::Object(leases[0].event.fields.clone()),
        edited
    );
    assert_eq!(leases[0].event.attempt, 1);
}
