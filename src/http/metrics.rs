//! `GET /metrics` and the middleware that counts every request by route template.

use super::AppState;
use crate::ops::metrics::{
    HTTP_DURATION, HTTP_REQUESTS, UNMATCHED_ROUTE, method_label, record_queue_depth,
};
use axum::extract::{MatchedPath, Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use metrics::SharedString;
use std::time::Instant;

/// Prometheus text exposition; queue depth is read fresh for each scrape.
pub async fn render(State(state): State<AppState>) -> impl IntoResponse {
    match state.queue.depth().await {
        Ok(depth) => record_queue_depth(&depth),
        Err(error) => tracing::warn!(%error, "queue depth unavailable for /metrics"),
    }
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        state.metrics.render(),
    )
}

/// Labels come from fixed sets: the matched route's template (or `unmatched`) and a standard
/// method (or `other`), so requests with invented paths or methods add no series. The label
/// values are the route table's own strings: counting a request allocates nothing.
pub async fn track(request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or(SharedString::const_str(UNMATCHED_ROUTE), |path| {
            route_label(path.as_str())
        });
    let method = method_label(request.method());
    let started = Instant::now();
    let response = next.run(request).await;
    metrics::histogram!(HTTP_DURATION, "route" => route.clone(), "method" => method)
        .record(started.elapsed().as_secs_f64());
    metrics::counter!(HTTP_REQUESTS, "route" => route, "method" => method, "status" => status_label(response.status()))
        .increment(1);
    response
}

/// The route template as the route tables spell it.
fn route_label(matched: &str) -> SharedString {
    super::ROUTES
        .iter()
        .chain(super::OPS_PAGE_ROUTES)
        .find(|(_, path)| *path == matched)
        .map_or_else(
            || SharedString::from(matched.to_owned()),
            |(_, path)| SharedString::const_str(path),
        )
}

/// The status code's three digits.
fn status_label(status: StatusCode) -> SharedString {
    const COMMON: &[(StatusCode, &str)] = &[
        (StatusCode::OK, "200"),
        (StatusCode::ACCEPTED, "202"),
        (StatusCode::BAD_REQUEST, "400"),
        (StatusCode::UNAUTHORIZED, "401"),
        (StatusCode::SERVICE_UNAVAILABLE, "503"),
    ];
    COMMON.iter().find(|(code, _)| *code == status).map_or_else(
        || SharedString::from(status.as_u16().to_string()),
        |(_, digits)| SharedString::const_str(digits),
    )
}
