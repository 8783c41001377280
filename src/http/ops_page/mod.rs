//! The ops page at `/ops`: server-rendered HTML for operators (flows, queue, vendor limits,
//! dead letters, conflicts, record history), behind a log-in with the admin token, every action
//! a POST with a CSRF check. No build step and no external assets.

mod conflicts;
mod csrf;
mod dead_letter_actions;
mod dead_letter_list;
mod dead_letter_page;
mod errors;
mod flows;
mod guard;
mod layout;
mod live;
mod login;
mod login_throttle;
mod overview;
mod records;
mod session;
mod vendors;

use super::AppState;
use axum::Router;
use axum::routing::{get, post};

pub const PAGE: &str = "/ops";
pub const LOGIN: &str = "/ops/login";
pub const LOGOUT: &str = "/ops/logout";
pub const OVERVIEW_PANEL: &str = "/ops/overview";
pub const PAUSE_FLOW: &str = "/ops/flows/{flow}/pause";
pub const RESUME_FLOW: &str = "/ops/flows/{flow}/resume";
pub const DEAD_LETTERS: &str = "/ops/dead-letters";
pub const DEAD_LETTER: &str = "/ops/dead-letters/{id}";
pub const REPLAY_DEAD_LETTER: &str = "/ops/dead-letters/{id}/replay";
pub const DISCARD_DEAD_LETTER: &str = "/ops/dead-letters/{id}/discard";
pub const REPLAY_DEAD_LETTERS: &str = "/ops/dead-letters/replay";
pub const DISCARD_DEAD_LETTERS: &str = "/ops/dead-letters/discard";
pub const CONFLICTS: &str = "/ops/conflicts";
pub const CONFLICT: &str = "/ops/conflicts/{id}";
pub const RESOLVE_CONFLICT: &str = "/ops/conflicts/{id}/resolve";
pub const RECORDS: &str = "/ops/records";

/// Every page and action under `/ops`.
pub const ROUTES: &[(&str, &str)] = &[
    ("get", PAGE),
    ("get", LOGIN),
    ("post", LOGIN),
    ("post", LOGOUT),
    ("get", OVERVIEW_PANEL),
    ("post", PAUSE_FLOW),
    ("post", RESUME_FLOW),
    ("get", DEAD_LETTERS),
    ("get", DEAD_LETTER),
    ("post", REPLAY_DEAD_LETTER),
    ("post", DISCARD_DEAD_LETTER),
    ("post", REPLAY_DEAD_LETTERS),
    ("post", DISCARD_DEAD_LETTERS),
    ("get", CONFLICTS),
    ("get", CONFLICT),
    ("post", RESOLVE_CONFLICT),
    ("get", RECORDS),
];

pub fn routes(state: AppState) -> Router<AppState> {
    let behind_login = Router::new()
        .route(PAGE, get(overview::page))
        .route(LOGOUT, post(login::logout))
        .route(OVERVIEW_PANEL, get(live::panel))
        .route(PAUSE_FLOW, post(flows::pause))
        .route(RESUME_FLOW, post(flows::resume))
        .route(DEAD_LETTERS, get(dead_letter_list::list))
        .route(DEAD_LETTER, get(dead_letter_page::show))
        .route(REPLAY_DEAD_LETTER, post(dead_letter_actions::replay))
        .route(DISCARD_DEAD_LETTER, post(dead_letter_actions::discard))
        .route(
            REPLAY_DEAD_LETTERS,
            post(dead_letter_actions::replay_matching),
        )
        .route(
            DISCARD_DEAD_LETTERS,
            post(dead_letter_actions::discard_matching),
        )
        .route(CONFLICTS, get(conflicts::list))
        .route(CONFLICT, get(conflicts::show))
        .route(RESOLVE_CONFLICT, post(conflicts::resolve))
        .route(RECORDS, get(records::search))
        .route_layer(axum::middleware::from_fn_with_state(
            state,
            guard::require_session,
        ));
    Router::new()
        .route(LOGIN, get(login::show).post(login::submit))
        .merge(behind_login)
        .layer(axum::middleware::map_response(layout::security_headers))
}
