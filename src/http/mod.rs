//! The HTTP surface (axum only): routes, layers, verifying extractors and thin handlers.

mod admin_token;
mod body;
mod error;
mod health;
mod intake;
mod json_webhooks;
mod metrics;
mod ops_api;
mod ops_page;
mod outbound_message;
mod refusals;
mod signed_webhook;
mod state;

pub use error::ApiError;
pub use state::AppState;

use axum::Router;
use axum::routing::{get, post};

/// Every route of tandem's contract. The OpenAPI document lists the same set (a test checks).
pub const ROUTES: &[(&str, &str)] = &[
    ("post", "/webhooks/salesforce/outbound-message"),
    ("post", "/webhooks/salesforce/events"),
    ("post", "/webhooks/netsuite/events"),
    ("get", "/healthz"),
    ("get", "/readyz"),
    ("get", "/metrics"),
    ("get", ops_api::DEAD_LETTERS),
    ("get", ops_api::DEAD_LETTER),
    ("post", ops_api::REPLAY_DEAD_LETTER),
    ("post", ops_api::DISCARD_DEAD_LETTER),
    ("post", ops_api::REPLAY_DEAD_LETTERS),
    ("post", ops_api::DISCARD_DEAD_LETTERS),
    ("get", ops_api::FLOWS),
    ("post", ops_api::PAUSE_FLOW),
    ("post", ops_api::RESUME_FLOW),
    ("get", ops_api::RECORD),
    ("get", ops_api::CONFLICTS),
    ("get", ops_api::CONFLICT),
    ("post", ops_api::RESOLVE_CONFLICT),
    ("get", ops_page::PAGE),
    ("get", ops_page::LOGIN),
    ("post", ops_page::LOGIN),
];

/// Every page and form action of the ops page under `/ops`. The OpenAPI document lists only
/// its entry points (`/ops` and the log-in): the rest is HTML reached by its links and forms.
pub use ops_page::ROUTES as OPS_PAGE_ROUTES;

/// The routes one listener serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Surface {
    /// Everything on one port (no `server.admin_listen`).
    All,
    /// The internet-facing port beside an admin listener: webhooks and health checks only.
    Webhooks,
    /// The internal port (`server.admin_listen`): health checks, `/metrics` and the ops API.
    Admin,
}

/// Every route, on one port.
pub fn router(state: AppState) -> Router {
    router_for(state, Surface::All)
}

/// The routes of `surface`; the others answer 404 there.
pub fn router_for(state: AppState, surface: Surface) -> Router {
    let mut routes = Router::new()
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz));
    if surface != Surface::Admin {
        routes = routes
            .route(
                "/webhooks/salesforce/outbound-message",
                post(outbound_message::receive),
            )
            .route(
                "/webhooks/salesforce/events",
                post(json_webhooks::salesforce),
            )
            .route("/webhooks/netsuite/events", post(json_webhooks::netsuite));
    }
    if surface != Surface::Webhooks {
        routes = routes
            .route("/metrics", get(metrics::render))
            .merge(ops_api::routes(state.clone()))
            .merge(ops_page::routes(state.clone()));
    }
    routes
        .fallback(error::not_found)
        .method_not_allowed_fallback(error::method_not_allowed)
        .layer(axum::middleware::from_fn(metrics::track))
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(
            error::handler_panicked,
        ))
        .layer(tower_http::trace::TraceLayer::new_for_http().make_span_with(request_span))
        .with_state(state)
}

/// The span of one request: its method and path, never its query (the Outbound Message token
/// travels there).
fn request_span(request: &axum::http::Request<axum::body::Body>) -> tracing::Span {
    tracing::debug_span!(
        "request",
        method = %request.method(),
        path = request.uri().path(),
        version = ?request.version()
    )
}
