//! `/api/v1/conflicts`: the events parked because they matched several records, with every
//! candidate (reading only: resolving them is not built yet).

use crate::http::{ApiError, AppState};
use crate::store::{Conflict, StoreError};
use axum::Json;
use axum::extract::{Path, RawQuery, State};
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::{Value, json};

/// Conflicts listed when `limit` is not given, and the most one request may ask for.
const DEFAULT_LIMIT: usize = 50;
const MAX_LIMIT: usize = 1000;

/// A parked conflict as the ops API answers it.
#[derive(Debug, Serialize)]
pub struct ConflictView {
    pub id: i64,
    pub record_key: String,
    pub event_id: String,
    /// Why the event was parked (what matched).
    pub reason: String,
    /// The candidate records that matched.
    pub candidates: Value,
    pub created_at: DateTime<Utc>,
    pub event: crate::domain::ChangeEvent,
}

impl From<Conflict> for ConflictView {
    fn from(conflict: Conflict) -> Self {
        Self {
            id: conflict.id,
            record_key: conflict.event.record_key(),
            event_id: conflict.event.id.clone(),
            reason: conflict.reason,
            candidates: conflict.candidates,
            created_at: DateTime::from_timestamp_millis(conflict.created_at_ms).unwrap_or_default(),
            event: conflict.event,
        }
    }
}

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
