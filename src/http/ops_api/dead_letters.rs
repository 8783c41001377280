//! `/api/v1/dead-letters`: list, show, replay and discard dead letters kept in the store.

use crate::http::{ApiError, AppState};
use crate::ops::dead_letter_view::DeadLetterView;
use crate::ops::dead_letters::{self, DeadLetterError};
use crate::store::DeadLetterStatus;
use axum::Json;
use axum::extract::rejection::PathRejection;
use axum::extract::{FromRequestParts, Path, RawQuery, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use serde_json::{Value, json};

/// Letters listed when `limit` is not given, and the most one request may ask for.
const DEFAULT_LIMIT: usize = 50;
const MAX_LIMIT: usize = 1000;

/// `GET /api/v1/dead-letters?status=open|replayed|discarded&limit=N`, newest first.
pub async fn list(
    State(state): State<AppState>,
    RawQuery(query): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let (status, limit) = list_filter(query.as_deref().unwrap_or_default())?;
    let letters = state
        .store
        .dead_letters(status, limit)
        .await
        .map_err(|error| ApiError::from(DeadLetterError::Store(error)))?;
    let letters: Vec<DeadLetterView> = letters.into_iter().map(DeadLetterView::from).collect();
    Ok(Json(json!({ "dead_letters": letters })))
}

/// `GET /api/v1/dead-letters/{id}`.
pub async fn show(
    State(state): State<AppState>,
    LetterId(id): LetterId,
) -> Result<Json<DeadLetterView>, ApiError> {
    let letter = dead_letters::find(state.store.as_ref(), id).await?;
    Ok(Json(letter.into()))
}

/// `POST /api/v1/dead-letters/{id}/replay`: 202 once the event is durable on the queue again.
pub async fn replay(
    State(state): State<AppState>,
    LetterId(id): LetterId,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let replayed = dead_letters::replay(state.queue.as_ref(), state.store.as_ref(), id).await?;
    let body = json!({
        "id": replayed.id,
        "status": DeadLetterStatus::Replayed,
        "event_id": replayed.event_id,
        "record_key": replayed.record_key,
    });
    Ok((StatusCode::ACCEPTED, Json(body)))
}

/// `POST /api/v1/dead-letters/{id}/discard`.
pub async fn discard(
    State(state): State<AppState>,
    LetterId(id): LetterId,
) -> Result<Json<Value>, ApiError> {
    dead_letters::discard(state.store.as_ref(), id).await?;
    Ok(Json(
        json!({ "id": id, "status": DeadLetterStatus::Discarded }),
    ))
}

/// The `{id}` of the path: a positive integer, or 400 with the JSON error body.
pub struct LetterId(pub i64);

impl<S: Send + Sync> FromRequestParts<S> for LetterId {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let not_an_id = || ApiError::Malformed("a dead letter id is a positive integer".into());
        let Path(text): Path<String> = Path::from_request_parts(parts, state)
            .await
            .map_err(|_: PathRejection| not_an_id())?;
        match text.parse::<i64>() {
            Ok(id) if id > 0 => Ok(LetterId(id)),
            _ => Err(not_an_id()),
        }
    }
}

/// Reads `status` and `limit` from the query string; unknown keys are ignored.
fn list_filter(query: &str) -> Result<(Option<DeadLetterStatus>, usize), ApiError> {
    let mut status = None;
    let mut limit = DEFAULT_LIMIT;
    for (key, value) in url::form_urlencoded::parse(query.as_bytes()) {
        match key.as_ref() {
            "status" => {
                status = Some(DeadLetterStatus::parse(&value).ok_or_else(|| {
                    ApiError::Malformed("status: one of open, replayed, discarded".into())
                })?);
            }
            "limit" => {
                limit = value
                    .parse::<usize>()
                    .ok()
                    .filter(|n| (1..=MAX_LIMIT).contains(n))
                    .ok_or_else(|| {
                        ApiError::Malformed(format!("limit: an integer from 1 to {MAX_LIMIT}"))
                    })?;
            }
            _ => {}
        }
    }
    Ok((status, limit))
}

impl From<DeadLetterError> for ApiError {
    fn from(error: DeadLetterError) -> Self {
        match error {
            DeadLetterError::NotFound(_) => ApiError::UnknownResource(error.to_string()),
            DeadLetterError::NotOpen { .. } => ApiError::Conflict(error.to_string()),
            // The detail goes to the log, never to the client.
            DeadLetterError::Store(_) | DeadLetterError::NotReopened { .. } => {
                tracing::error!(%error, "dead letter request failed");
                ApiError::StoreUnavailable
            }
            DeadLetterError::Queue(_) => {
                tracing::error!(%error, "dead letter request failed");
                ApiError::QueueUnavailable
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_list_filter_defaults_to_every_status_and_fifty_letters() {
        let (status, limit) = list_filter("").unwrap();
        assert_eq!((status, limit), (None, DEFAULT_LIMIT));
        let (status, limit) = list_filter("status=replayed&limit=7&other=x").unwrap();
        assert_eq!((status, limit), (Some(DeadLetterStatus::Replayed), 7));
    }

    #[test]
    fn an_unknown_status_or_a_limit_out_of_range_is_a_malformed_request() {
        for query in ["status=closed", "limit=0", "limit=1001", "limit=ten"] {
            let error = list_filter(query).unwrap_err();
            assert_eq!(error.status(), StatusCode::BAD_REQUEST, "{query}");
        }
    }
}
