//! Dead letters from the operator's side: the ops API under `/api/v1` (bearer token) and the
//! `tandem dlq` command, over the store on both queue backends.

mod auth;
mod cli;
mod filters;
mod poison;
mod transitions;

use crate::helpers::TestApp;
use reqwest::{Method, StatusCode};
use serde_json::Value;

/// The `server.admin_token` the tests configure.
pub const ADMIN_TOKEN: &str = "test-admin-token-5f0c9a7e31d2";

/// Calls the ops API with the admin token; the status and the JSON body.
pub async fn ops(app: &TestApp, method: Method, path: &str) -> (StatusCode, Value) {
    ops_as(app, method, path, Some(&format!("Bearer {ADMIN_TOKEN}"))).await
}

/// Calls the ops API with this `Authorization` header (or none); the status and the JSON body.
pub async fn ops_as(
    app: &TestApp,
    method: Method,
    path: &str,
    authorization: Option<&str>,
) -> (StatusCode, Value) {
    let mut request = app.client.request(method, app.url(path));
    if let Some(value) = authorization {
        request = request.header(reqwest::header::AUTHORIZATION, value);
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    let text = response.text().await.unwrap();
    let body = serde_json::from_str(&text)
        .unwrap_or_else(|_| panic!("{path} answered {status} without JSON: {text}"));
    (status, body)
}
