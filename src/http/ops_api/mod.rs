//! The ops API under `/api/v1`: dead letters, one at a time or by filter, flows, records, and
//! parked conflicts and their resolution. Every route sits behind the admin token
//! guard, which runs before any of the request is read.

mod auth;
mod conflicts;
mod dead_letter_bulk;
mod dead_letters;
mod flows;
mod records;

use super::AppState;
use axum::Router;
use axum::routing::{get, post};

pub const DEAD_LETTERS: &str = "/api/v1/dead-letters";
pub const DEAD_LETTER: &str = "/api/v1/dead-letters/{id}";
pub const REPLAY_DEAD_LETTER: &str = "/api/v1/dead-letters/{id}/replay";
pub const DISCARD_DEAD_LETTER: &str = "/api/v1/dead-letters/{id}/discard";
pub const REPLAY_DEAD_LETTERS: &str = "/api/v1/dead-letters/replay";
pub const DISCARD_DEAD_LETTERS: &str = "/api/v1/dead-letters/discard";
pub const FLOWS: &str = "/api/v1/flows";
pub const PAUSE_FLOW: &str = "/api/v1/flows/{flow}/pause";
pub const RESUME_FLOW: &str = "/api/v1/flows/{flow}/resume";
pub const RECORD: &str = "/api/v1/records/{system}/{id}";
pub const CONFLICTS: &str = "/api/v1/conflicts";
pub const CONFLICT: &str = "/api/v1/conflicts/{id}";
pub const RESOLVE_CONFLICT: &str = "/api/v1/conflicts/{id}/resolve";

/// A `limit` query value: an integer from 1 to `max`.
fn parse_limit(value: &str, max: usize) -> Result<usize, super::ApiError> {
    value
        .parse::<usize>()
        .ok()
        .filter(|n| (1..=max).contains(n))
        .ok_or_else(|| super::ApiError::Malformed(format!("limit: an integer from 1 to {max}")))
}

pub fn routes(state: AppState) -> Router<AppState> {
    Router::new()
        .route(DEAD_LETTERS, get(dead_letters::list))
        .route(DEAD_LETTER, get(dead_letters::show))
        .route(REPLAY_DEAD_LETTER, post(dead_letters::replay))
        .route(DISCARD_DEAD_LETTER, post(dead_letters::discard))
        .route(REPLAY_DEAD_LETTERS, post(dead_letter_bulk::replay))
        .route(DISCARD_DEAD_LETTERS, post(dead_letter_bulk::discard))
        .route(FLOWS, get(flows::list))
        .route(PAUSE_FLOW, post(flows::pause))
        .route(RESUME_FLOW, post(flows::resume))
        .route(RECORD, get(records::show))
        .route(CONFLICTS, get(conflicts::list))
        .route(CONFLICT, get(conflicts::show))
        .route(RESOLVE_CONFLICT, post(conflicts::resolve))
        .route_layer(axum::middleware::from_fn_with_state(
            state,
            auth::require_admin_token,
        ))
}
