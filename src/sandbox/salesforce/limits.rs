//! `GET /limits`: the org's allocations and what is left of them today. `DailyApiRequests`
//! counts the same calls `Sforce-Limit-Info` reports (the token endpoint excluded).

use super::SalesforceState;
use super::auth::DAILY_API_LIMIT;
use super::errors::{ApiError, json_response};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::json;
use std::sync::atomic::Ordering;

pub async fn limits(State(state): State<SalesforceState>) -> Result<Response, ApiError> {
    if let Some(kind) = state.begin("limits").await {
        return Err(ApiError::fault(kind, ""));
    }
    let used = state.inner.api_calls.load(Ordering::SeqCst);
    let remaining = DAILY_API_LIMIT.saturating_sub(used);
    let allocation = |max: u64, remaining: u64| json!({ "Max": max, "Remaining": remaining });
    let body = json!({
        "ConcurrentAsyncGetReportInstances": allocation(200, 200),
        "DailyApiRequests": allocation(DAILY_API_LIMIT, remaining),
        "DailyAsyncApexExecutions": allocation(250_000, 250_000),
        "DailyBulkV2QueryJobs": allocation(10_000, 10_000),
        "DataStorageMB": allocation(5, 5),
        "FileStorageMB": allocation(20, 20),
        "SingleEmail": allocation(15, 15),
    });
    Ok(json_response(StatusCode::OK, &body))
}
