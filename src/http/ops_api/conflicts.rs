//! `/api/v1/conflicts`: the events parked because they matched several records, with every
//! candidate (reading only: resolving them is not built yet).

use crate::http::{ApiError, AppState};
use crate::ops::conflicts::ConflictView;
use crate::store::StoreError;
use axum::Json;
use axum::extract::{Path, RawQuery, State};
use serde_json::{Value, json};

/// Conflicts listed when `limit` is not given, and the most one request may ask for.
const DEFAULT_LIMIT: usize = 50;
const MAX_LIMIT: usize = 1000;

/// `GET /api/v1/conflicts?limit=N`, newest first.
pub async fn list(
    State(state): State<AppState>,
    RawQuery(query): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let mut limit = DEFAULT_LIMIT;
    for (key, value) in url::form_urlencoded::parse(query.unwrap_or_default().as_bytes()) {
        if key == "limit" {
            limit = value
                .parse::<usize>()
                .ok()
                .filter(|n| (1..=MAX_LIMIT).contains(n))
                .ok_or_else(|| {
                    ApiError::Malformed(format!("limit: an integer from 1 to {MAX_LIMIT}"))
                })?;
        }
    }
    let conflicts = state.store.conflicts(limit).await.map_err(unavailable)?;
    let conflicts: Vec<ConflictView> = conflicts.into_iter().map(Into::into).collect();
    Ok(Json(json!({ "conflicts": conflicts })))
}

/// `GET /api/v1/conflicts/{id}`: the parked event and every candidate.
pub async fn show(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<ConflictView>, ApiError> {
    let id = id
        .parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or_else(|| ApiError::Malformed("a conflict id is a positive integer".into()))?;
    match state.store.conflict(id).await {
        Ok(conflict) => Ok(Json(conflict.into())),
        Err(StoreError::NotFound(_)) => Err(ApiError::UnknownResource(format!("no conflict {id}"))),
        Err(error) => Err(unavailable(error)),
    }
}

fn unavailable(error: StoreError) -> ApiError {
    tracing::error!(%error, "conflict request failed");
    ApiError::StoreUnavailable
}
