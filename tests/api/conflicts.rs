//! Parked conflicts over the ops API: listed newest first, shown with the event and every
//! candidate; unknown or malformed ids refused.

use crate::dead_letters::{ADMIN_TOKEN, ops};
use crate::helpers::spawn_app_with;
use chrono::Utc;
use reqwest::{Method, StatusCode};
use serde_json::json;
use tandem::config::Secret;
use tandem::domain::{ChangeEvent, ChangeKind, System};
use tandem::store::NewConflict;

pub(crate) fn account_event(id: &str) -> ChangeEvent {
    ChangeEvent {
        id: id.into(),
        source: System::Salesforce,
        object: "Account".into(),
        record_id: "001Sbx0000000009AAA".into(),
        change: ChangeKind::Updated,
        version: Some(Utc::now()),
        modified_by: None,
        origin: None,
        execution_context: None,
        role: None,
        fields: json!({ "Name": "Initech", "Website": "initech.example" })
            .as_object()
            .unwrap()
            .clone(),
        received_at: Utc::now(),
        attempt: 1,
    }
}

#[tokio::test]
async fn a_parked_conflict_is_listed_and_shown_with_its_event_and_every_candidate() {
    let app = spawn_app_with(|config| {
        config.server.admin_token = Some(Secret::from(ADMIN_TOKEN));
    })
    .await;
    let candidates = json!([{ "id": "647", "companyName": "Initech" }, { "id": "648", "companyName": "Initech Ltd" }]);
    let mut ids = Vec::new();
    for event in ["e_conflict_1", "e_conflict_2"] {
        let parked = NewConflict {
            event: account_event(event),
            reason: "2 customers match initech.example".into(),
            candidates: candidates.clone(),
            subject: None,
        };
        ids.push(app.store.park_conflict(parked).await.unwrap().id);
    }
    let (status, listed) = ops(&app, Method::GET, "/api/v1/conflicts?limit=1").await;
    assert_eq!(status, StatusCode::OK, "{listed}");
    let listed = listed["conflicts"].as_array().unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["id"], ids[1], "newest first");

    let (status, shown) = ops(&app, Method::GET, &format!("/api/v1/conflicts/{}", ids[0])).await;
    assert_eq!(status, StatusCode::OK, "{shown}");
    assert_eq!(shown["event_id"], "e_conflict_1");
    assert_eq!(
        shown["record_key"],
        "salesforce:account:001Sbx0000000009AAA"
    );
    assert_eq!(shown["candidates"], candidates);
    assert_eq!(shown["event"]["fields"]["Website"], "initech.example");

    let (status, body) = ops(&app, Method::GET, "/api/v1/conflicts/424242").await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    assert_eq!(body["message"], "no conflict 424242");
    for path in ["/api/v1/conflicts/abc", "/api/v1/conflicts?limit=0"] {
        let (status, body) = ops(&app, Method::GET, path).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{path}: {body}");
    }
}

mod command;
mod resolution;
