//! `/api/v1/dead-letters`: list, show, replay and discard dead letters kept in the store.

use crate::http::{ApiError, AppState};
use crate::ops::dead_letter_filter::FilterInput;
use crate::ops::dead_letter_view::DeadLetterView;
use crate::ops::dead_letters::{self, DeadLetterError};
use crate::store::DeadLetterStatus;
use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::PathRejection;
use axum::extract::{FromRequestParts, Path, RawQuery, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use serde::Deserialize;
use serde_json::{Value, json};

/// Letters listed when `limit` is not given, and the most one request may ask for.
const DEFAULT_LIMIT: usize = 50;
const MAX_LIMIT: usize = 1000;

/// `GET /api/v1/dead-letters?flow=&error_code=&record=&older_than=&newer_than=&status=&limit=&cursor=`,
/// newest first; `next_cursor` asks for the page after this one (`null` on the last page).
pub async fn list(
    State(state): State<AppState>,
    RawQuery(query): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let query = list_query(query.as_deref().unwrap_or_default())?;
    let filter = query
        .filter
        .resolve(chrono::Utc::now())
        .map_err(|error| ApiError::Malformed(error.to_string()))?;
    let letters = state
        .store
        .dead_letter_page(&filter, query.cursor, query.limit)
        .await
        .map_err(|error| ApiError::from(DeadLetterError::Store(error)))?;
    let next_cursor = (letters.len() == query.limit)
        .then(|| letters.last().map(|letter| letter.id.to_string()))
        .flatten();
    let letters: Vec<DeadLetterView> = letters.into_iter().map(DeadLetterView::from).collect();
    Ok(Json(
        json!({ "dead_letters": letters, "next_cursor": next_cursor }),
    ))
}

/// `GET /api/v1/dead-letters/{id}`: the letter with every failed attempt at its event.
pub async fn show(
    State(state): State<AppState>,
    LetterId(id): LetterId,
) -> Result<Json<DeadLetterView>, ApiError> {
    Ok(Json(dead_letters::show(state.store.as_ref(), id).await?))
}

/// The optional body of a single replay: `{"payload": {…}}`, the event's fields edited.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ReplayBody {
    payload: Value,
}

/// `POST /api/v1/dead-letters/{id}/replay`: 202 once the event is durable on the queue again.
/// With a body `{"payload": {…}}`, the event's fields are replaced by the payload first.
pub async fn replay(
    State(state): State<AppState>,
    LetterId(id): LetterId,
    body: Bytes,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let payload = if body.iter().all(u8::is_ascii_whitespace) {
        None
    } else {
        let body: ReplayBody = serde_json::from_slice(&body).map_err(|error| {
            ApiError::Malformed(format!("body: expected {{\"payload\": {{…}}}}: {error}"))
        })?;
        Some(body.payload)
    };
    let store = state.store.as_ref();
    let replayed = dead_letters::replay(state.queue.as_ref(), store, id, payload).await?;
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

/// What a listing asks for.
#[derive(Debug)]
struct ListQuery {
    filter: FilterInput,
    limit: usize,
    /// The id of the last letter of the previous page.
    cursor: Option<i64>,
}

/// Reads the filter, `limit` and `cursor` from the query string; unknown keys are ignored.
fn list_query(query: &str) -> Result<ListQuery, ApiError> {
    let mut list = ListQuery {
        filter: FilterInput::default(),
        limit: DEFAULT_LIMIT,
        cursor: None,
    };
    for (key, value) in url::form_urlencoded::parse(query.as_bytes()) {
        match key.as_ref() {
            "limit" => {
                list.limit = super::parse_limit(&value, MAX_LIMIT)?;
            }
            "cursor" => {
                let cursor = value.parse::<i64>().ok().filter(|id| *id > 0);
                list.cursor = Some(cursor.ok_or_else(|| {
                    ApiError::Malformed("cursor: the next_cursor of the previous page".into())
                })?);
            }
            key => {
                list.filter.set(key, value.into_owned());
            }
        }
    }
    Ok(list)
}

impl From<DeadLetterError> for ApiError {
    fn from(error: DeadLetterError) -> Self {
        match error {
            DeadLetterError::NotFound(_) => ApiError::UnknownResource(error.to_string()),
            DeadLetterError::InvalidPayload(_) => ApiError::Malformed(error.to_string()),
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
    fn the_list_query_defaults_to_every_letter_and_fifty_of_them() {
        let list = list_query("").unwrap();
        assert_eq!((list.limit, list.cursor), (DEFAULT_LIMIT, None));
        let list = list_query("status=replayed&limit=7&cursor=90&flow=x&other=y").unwrap();
        assert_eq!((list.limit, list.cursor), (7, Some(90)));
        assert_eq!(list.filter.status.as_deref(), Some("replayed"));
        assert_eq!(list.filter.flow.as_deref(), Some("x"));
    }

    #[test]
    fn a_limit_out_of_range_or_a_bad_cursor_is_a_malformed_request() {
        for query in [
            "limit=0",
            "limit=1001",
            "limit=ten",
            "cursor=-1",
            "cursor=x",
        ] {
            let error = list_query(query).unwrap_err();
            assert_eq!(error.status(), StatusCode::BAD_REQUEST, "{query}");
        }
    }
}
