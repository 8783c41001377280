//! `/api/v1/flows`: each flow's state, and pausing or resuming one.

use crate::http::{ApiError, AppState};
use crate::ops::flows::{self, FlowError, FlowStatus};
use axum::Json;
use axum::extract::{Path, State};
use serde_json::{Value, json};

/// `GET /api/v1/flows`.
pub async fn list(State(state): State<AppState>) -> Result<Json<Value>, ApiError> {
    let flows = flows::statuses(state.store.as_ref()).await?;
    Ok(Json(json!({ "flows": flows })))
}

/// `POST /api/v1/flows/{flow}/pause`: its events wait on the queue until resumed.
pub async fn pause(
    State(state): State<AppState>,
    Path(flow): Path<String>,
) -> Result<Json<FlowStatus>, ApiError> {
    Ok(Json(
        flows::set_paused(state.store.as_ref(), &flow, true).await?,
    ))
}

/// `POST /api/v1/flows/{flow}/resume`: its waiting events apply, in order.
pub async fn resume(
    State(state): State<AppState>,
    Path(flow): Path<String>,
) -> Result<Json<FlowStatus>, ApiError> {
    Ok(Json(
        flows::set_paused(state.store.as_ref(), &flow, false).await?,
    ))
}

impl From<FlowError> for ApiError {
    fn from(error: FlowError) -> Self {
        match error {
            FlowError::Unknown(..) => ApiError::UnknownResource(error.to_string()),
            FlowError::Store(_) => {
                tracing::error!(%error, "flow request failed");
                ApiError::StoreUnavailable
            }
        }
    }
}
