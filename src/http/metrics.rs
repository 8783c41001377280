//! `GET /metrics` and the middleware that counts every request by route template.

use super::AppState;
use crate::ops::metrics::{
    HTTP_DURATION, HTTP_REQUESTS, UNMATCHED_ROUTE, method_label, record_queue_depth,
};
use axum::extract::{MatchedPath, Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
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
/// method (or `other`), so requests with invented paths or methods add no series.
pub async fn track(request: Request, next: Next) -> Response {
    let route = request.extensions().get::<MatchedPath>().map_or_else(
        || UNMATCHED_ROUTE.to_owned(),
        |path| path.as_str().to_owned(),
    );
    let method = method_label(request.method());
    let started = Instant::now();
    let response = next.run(request).await;
    metrics::histogram!(HTTP_DURATION, "route" => route.clone(), "method" => method)
        .record(started.elapsed().as_secs_f64());
    metrics::counter!(HTTP_REQUESTS, "route" => route, "method" => method, "status" => response.status().as_u16().to_string())
        .increment(1);
    response
}
