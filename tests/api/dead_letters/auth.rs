//! The ops API's guard: off without `server.admin_token`, and 401 for a missing or wrong bearer
//! token, with the JSON error body and nothing of either token echoed.

use super::{ADMIN_TOKEN, ops, ops_as};
use crate::helpers::{spawn_app, spawn_app_with};
use reqwest::{Method, StatusCode};
use serde_json::json;
use tandem::config::Secret;

const LIST: &str = "/api/v1/dead-letters";

#[tokio::test]
async fn without_server_admin_token_the_ops_api_is_disabled() {
    let app = spawn_app().await;
    for authorization in [None, Some(format!("Bearer {ADMIN_TOKEN}"))] {
        for (method, path) in [
            (Method::GET, LIST),
            (Method::GET, "/api/v1/dead-letters/1"),
            (Method::POST, "/api/v1/dead-letters/1/replay"),
            (Method::POST, "/api/v1/dead-letters/1/discard"),
            (Method::POST, "/api/v1/dead-letters/replay"),
            (Method::POST, "/api/v1/dead-letters/discard"),
            (Method::GET, "/api/v1/flows"),
            (Method::POST, "/api/v1/flows/account_to_customer/pause"),
            (Method::POST, "/api/v1/flows/account_to_customer/resume"),
            (
                Method::GET,
                "/api/v1/records/salesforce/001Sbx0000000002AAA",
            ),
        ] {
            let (status, body) = ops_as(&app, method, path, authorization.as_deref()).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{path}: {body}");
            assert_eq!(
                body,
                json!({
                    "error": "forbidden",
                    "message": "the ops API is disabled until server.admin_token is set"
                })
            );
        }
    }
}

#[tokio::test]
async fn a_missing_or_wrong_bearer_token_is_refused_with_401() {
    let app = spawn_app_with(|config| {
        config.server.admin_token = Some(Secret::from(ADMIN_TOKEN));
    })
    .await;
    let wrong = "Bearer not-the-admin-token-at-all";
    let near_miss = format!("Bearer {ADMIN_TOKEN}x");
    let other_scheme = format!("Basic {ADMIN_TOKEN}");
    let paths = [
        "/api/v1/dead-letters/1/replay",
        "/api/v1/dead-letters/replay",
        "/api/v1/dead-letters/discard",
        "/api/v1/flows/account_to_customer/pause",
    ];
    let attempts = [None, Some(wrong), Some(&near_miss), Some(&other_scheme)];
    for (authorization, path) in attempts.into_iter().flat_map(|a| paths.map(|p| (a, p))) {
        let mut request = app.client.post(app.url(path));
        if let Some(value) = authorization {
            request = request.header(reqwest::header::AUTHORIZATION, value);
        }
        let response = request.send().await.unwrap();
        assert_eq!(
            response.status(),
            StatusCode::UNAUTHORIZED,
            "{authorization:?}"
        );
        assert_eq!(
            response.headers()["www-authenticate"],
            "Bearer realm=\"tandem ops\""
        );
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(body["error"], "unauthorized", "{authorization:?}");
        let message = body["message"].as_str().unwrap();
        assert!(
            !message.contains(ADMIN_TOKEN) && !message.contains("not-the-admin-token"),
            "no token in the answer: {message}"
        );
    }

    let (status, body) = ops(&app, Method::GET, LIST).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body, json!({ "dead_letters": [], "next_cursor": null }));
    let (status, _) = ops_as(
        &app,
        Method::GET,
        LIST,
        Some(&format!("bearer {ADMIN_TOKEN}")),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "the scheme is case-insensitive");
}
