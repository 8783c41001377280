//! `/api/v1/conflicts`: the events parked because they matched several records, with every
//! candidate, and resolving one (link to a candidate, create a new record, or ignore).

use crate::http::{ApiError, AppState};
use crate::ops::conflicts::{self, ConflictError, ConflictView, Resolution};
use crate::store::ConflictStatus;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use serde_json::{Value, json};

/// Conflicts listed when `limit` is not given, and the most one request may ask for.
const DEFAULT_LIMIT: usize = 50;
const MAX_LIMIT: usize = 1000;

/// `GET /api/v1/conflicts?status=open|resolved|all&limit=N`, newest first (open ones unless
/// asked otherwise).
pub async fn list(
    State(state): State<AppState>,
    RawQuery(query): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let mut limit = DEFAULT_LIMIT;
    let mut status = Some(ConflictStatus::Open);
    for (key, value) in url::form_urlencoded::parse(query.unwrap_or_default().as_bytes()) {
        match key.as_ref() {
            "limit" => {
                limit = super::parse_limit(&value, MAX_LIMIT)?;
            }
            "status" => status = parse_status(&value)?,
            other => {
                return Err(ApiError::Malformed(format!(
                    "unknown query parameter {other:?}; use status and limit"
                )));
            }
        }
    }
    let conflicts = conflicts::list(state.store.as_ref(), status, limit).await?;
    Ok(Json(json!({ "conflicts": conflicts })))
}

fn parse_status(value: &str) -> Result<Option<ConflictStatus>, ApiError> {
    match value {
        "open" => Ok(Some(ConflictStatus::Open)),
        "resolved" => Ok(Some(ConflictStatus::Resolved)),
        "all" => Ok(None),
        other => Err(ApiError::Malformed(format!(
            "status: {other:?} is not one of open, resolved, all"
        ))),
    }
}

/// `GET /api/v1/conflicts/{id}`: the parked event, every candidate and the events that joined.
pub async fn show(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<ConflictView>, ApiError> {
    Ok(Json(
        conflicts::show(state.store.as_ref(), parse_id(&id)?).await?,
    ))
}

/// `POST /api/v1/conflicts/{id}/resolve` with `{"action": "link", "candidate": "<id>"}`,
/// `{"action": "create"}` or `{"action": "ignore"}`: 202 with the events queued again.
pub async fn resolve(
    State(state): State<AppState>,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let id = parse_id(&id)?;
    let resolution: Resolution = serde_json::from_slice(&body).map_err(|error| {
        ApiError::Malformed(format!(
            "body: expected {{\"action\": \"link\", \"candidate\": \"<id>\"}}, {{\"action\": \"create\"}} or {{\"action\": \"ignore\"}}: {error}"
        ))
    })?;
    let resolved =
        conflicts::resolve(state.queue.as_ref(), state.store.as_ref(), id, resolution).await?;
    Ok((StatusCode::ACCEPTED, Json(json!(resolved))))
}

fn parse_id(id: &str) -> Result<i64, ApiError> {
    id.parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or_else(|| ApiError::Malformed("a conflict id is a positive integer".into()))
}

impl From<ConflictError> for ApiError {
    fn from(error: ConflictError) -> Self {
        match error {
            ConflictError::NotFound(_) => ApiError::UnknownResource(error.to_string()),
            ConflictError::NotOpen { .. } | ConflictError::NoSubject(_) => {
                ApiError::Conflict(error.to_string())
            }
            ConflictError::NotACandidate { .. } => ApiError::Malformed(error.to_string()),
            ConflictError::Store(_) => {
                tracing::error!(%error, "conflict request failed");
                ApiError::StoreUnavailable
            }
            ConflictError::Queue(_) => {
                tracing::error!(%error, "conflict resolution could not queue its events");
                ApiError::QueueUnavailable
            }
        }
    }
}
