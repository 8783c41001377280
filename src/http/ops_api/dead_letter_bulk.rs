//! `POST /api/v1/dead-letters/replay` and `/discard`: every open dead letter a filter matches,
//! answered with counts once all are done.

use crate::http::{ApiError, AppState};
use crate::ops::dead_letter_bulk::{self, BulkAction, BulkOutcome};
use crate::ops::dead_letter_filter::FilterInput;
use crate::store::DeadLetterFilter;
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use serde::Deserialize;
use serde_json::{Value, json};

/// `{"filter": {…}}`; `{"filter": {}}` matches every open letter.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BulkBody {
    filter: FilterInput,
}

/// `POST /api/v1/dead-letters/replay`: `{"matched": N, "replayed": N}`.
pub async fn replay(State(state): State<AppState>, body: Bytes) -> Result<Json<Value>, ApiError> {
    let filter = filter(&body)?;
    let action = BulkAction::Replay(state.queue.as_ref());
    let outcome = dead_letter_bulk::run(state.store.as_ref(), &filter, action, drop).await?;
    Ok(Json(answer(outcome, "replayed")))
}

/// `POST /api/v1/dead-letters/discard`: `{"matched": N, "discarded": N}`.
pub async fn discard(State(state): State<AppState>, body: Bytes) -> Result<Json<Value>, ApiError> {
    let filter = filter(&body)?;
    let action = BulkAction::Discard;
    let outcome = dead_letter_bulk::run(state.store.as_ref(), &filter, action, drop).await?;
    Ok(Json(answer(outcome, "discarded")))
}

fn filter(body: &[u8]) -> Result<DeadLetterFilter, ApiError> {
    let body: BulkBody = serde_json::from_slice(body).map_err(|error| {
        ApiError::Malformed(format!("body: expected {{\"filter\": {{…}}}}: {error}"))
    })?;
    body.filter
        .resolve(chrono::Utc::now())
        .map_err(|error| ApiError::Malformed(format!("filter.{error}")))
}

fn answer(outcome: BulkOutcome, done: &str) -> Value {
    json!({ "matched": outcome.matched, done: outcome.done })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_body_needs_a_filter_and_refuses_unknown_keys() {
        assert!(filter(br#"{"filter": {}}"#).is_ok());
        let flow = filter(br#"{"filter": {"flow": "account_to_customer"}}"#).unwrap();
        assert_eq!(flow.flow.as_deref(), Some("account_to_customer"));
        for body in [
            &b""[..],
            b"{}",
            br#"{"filter": {"flows": "x"}}"#,
            br#"{"filter": {"flow": "x"}}"#,
        ] {
            assert!(filter(body).is_err(), "{}", String::from_utf8_lossy(body));
        }
    }
}
