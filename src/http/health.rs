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

/// The queue (and, with the sync engine, the store) can be used now.
pub async fn readyz(State(state): State<AppState>) -> (StatusCode, Json<Value>) {
    let queue = match tokio::time::timeout(PROBE_TIMEOUT, state.queue.check()).await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(error)) => Err(error.to_string()),
        Err(_) => Err("no answer within 2s".to_owned()),
    };
    match queue {
        Ok(()) => (
            StatusCode::OK,
            Json(json!({ "status": "ready", "checks": { "queue": "ok" } })),
        ),
        Err(reason) => (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({
                "error": "not_ready",
                "message": format!("queue: {reason}"),
                "checks": { "queue": reason },
            })),
        ),
    }
}
