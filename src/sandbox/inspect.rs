//! The `/_sandbox` routes every emulator shares: request log, counters, faults and latency.
//! Record listing and simulated human edits are per emulator.

use super::faults::{FaultPlan, Faults};
use super::journal::Journal;
use axum::extract::{Query, State};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};
use std::time::Duration;

#[derive(Clone)]
pub struct Inspection {
    pub journal: Journal,
    pub faults: Faults,
}

#[derive(Deserialize)]
struct Page {
    limit: Option<usize>,
    /// Only requests numbered after this one (their `seq`), oldest first.
    after: Option<u64>,
}

#[derive(Deserialize)]
struct Latency {
    /// Service latency in milliseconds.
    ms: u64,
}

pub fn routes<S: Clone + Send + Sync + 'static>(inspection: Inspection) -> Router<S> {
    Router::new()
        .route("/_sandbox/requests", get(requests))
        .route("/_sandbox/counters", get(counters))
        .route("/_sandbox/reset-counters", post(reset))
        .route("/_sandbox/faults", post(set_faults).delete(clear_faults))
        .route("/_sandbox/latency", put(set_latency))
        .with_state(inspection)
}

async fn requests(State(inspection): State<Inspection>, Query(page): Query<Page>) -> Json<Value> {
    let limit = page.limit.unwrap_or(1000);
    let requests = match page.after {
        Some(after) => inspection.journal.requests_after(after, limit),
        None => inspection.journal.requests(limit),
    };
    Json(json!(requests))
}

async fn counters(State(inspection): State<Inspection>) -> Json<Value> {
    Json(json!(inspection.journal.counters()))
}

async fn reset(State(inspection): State<Inspection>) -> Json<Value> {
    inspection.journal.reset();
    Json(json!({ "reset": true }))
}

async fn set_faults(
    State(inspection): State<Inspection>,
    Json(plan): Json<FaultPlan>,
) -> Json<Value> {
    inspection.faults.set_plan(Some(plan));
    Json(json!({ "faults": plan }))
}

async fn clear_faults(State(inspection): State<Inspection>) -> Json<Value> {
    inspection.faults.set_plan(None);
    Json(json!({ "faults": null }))
}

async fn set_latency(
    State(inspection): State<Inspection>,
    Json(latency): Json<Latency>,
) -> Json<Value> {
    inspection
        .faults
        .set_latency(Duration::from_millis(latency.ms));
    Json(json!({ "latency_ms": latency.ms }))
}
