//! `GET /metrics` and the middleware that counts every request by route template.

use super::AppState;
use crate::ops::metrics::{HTTP_DURATION, HTTP_REQUESTS, QUEUE_DEPTH};
use axum::extract::{MatchedPath, Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::time::Instant;

/// Prometheus text exposition; queue depth is read fresh for each scrape.
pub async fn render(State(state): State<AppState>) -> impl IntoResponse {
    match state.queue.depth().await {
        Ok(depth) => {
            let gauge = |label: &'static str, value: u64| {
                metrics::gauge!(QUEUE_DEPTH, "state" => label).set(value as f64);
            };
            gauge("total", depth.total);
            gauge("delayed", depth.delayed);
            gauge("in_flight", depth.in_flight);
            gauge("dead_letter", depth.dead_letters);
        }
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

pub async fn track(request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|path| path.as_str().to_owned())
        .unwrap_or_else(|| "unmatched".to_owned());
    let method = request.method().as_str().to_owned();
    let started = Instant::now();
    let response = next.run(request).await;
    metrics::histogram!(HTTP_DURATION, "route" => route.clone(), "method" => method.clone())
        .record(started.elapsed().as_secs_f64());
    metrics::counter!(HTTP_REQUESTS, "route" => route, "method" => method, "status" => response.status().as_u16().to_string())
        .increment(1);
    response
}
