//! Liveness and readiness probes.

use super::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde_json::{Value, json};
use std::time::Duration;

const PROBE_TIMEOUT: Duration = Duration::from_secs(2);

/// The process is up and serving.
pub async fn healthz() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

/// The queue and the store can be used now.
pub async fn readyz(State(state): State<AppState>) -> (StatusCode, Json<Value>) {
    let queue = probe(state.queue.check()).await;
    let store = probe(state.store.check()).await;
    let checks = json!({
        "queue": queue.as_ref().err().map_or("ok", String::as_str),
        "store": store.as_ref().err().map_or("ok", String::as_str),
    });
    let failing: Vec<String> = [("queue", &queue), ("store", &store)]
        .into_iter()
        .filter_map(|(name, result)| {
            result
                .as_ref()
                .err()
                .map(|reason| format!("{name}: {reason}"))
        })
        .collect();
    if failing.is_empty() {
        (
            StatusCode::OK,
            Json(json!({ "status": "ready", "checks": checks })),
        )
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({ "error": "not_ready", "message": failing.join("; "), "checks": checks })),
        )
    }
}

async fn probe<E: std::fmt::Display>(
    check: impl std::future::Future<Output = Result<(), E>>,
) -> Result<(), String> {
    match tokio::time::timeout(PROBE_TIMEOUT, check).await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(error)) => Err(error.to_string()),
        Err(_) => Err("no answer within 2s".to_owned()),
    }
}
