//! The one error type of the JSON endpoints: a status code and `{"error","message"}`, never
//! internals.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    Malformed(String),
    #[error("{0}")]
    Unauthorized(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("body larger than {limit} bytes")]
    PayloadTooLarge { limit: usize },
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// The body did not arrive within `server.body_read_timeout`.
    #[error("the request body did not arrive in time")]
    BodyTimeout,
    /// Too many request bodies are held in memory at once (`server.max_buffered_body_bytes`).
    #[error("too many request bodies are being received at once; retry later")]
    Busy,
    #[error("the queue cannot accept events now; retry later")]
    QueueUnavailable,
    /// The queue is behind: `queue.max_pending` events already wait to be made durable, or the
    /// broker blocked publishing (a memory or disk alarm). Answered at once.
    #[error("{0}; retry later")]
    QueueBusy(String),
    #[error("the store cannot be reached now; retry later")]
    StoreUnavailable,
    /// A resource that does not exist, named in the message (`no dead letter 42`).
    #[error("{0}")]
    UnknownResource(String),
    /// The resource is not in a state that allows the request (a dead letter no longer open).
    #[error("{0}")]
    Conflict(String),
    #[error("no such endpoint")]
    NotFound,
    #[error("method not allowed on this endpoint")]
    MethodNotAllowed,
    /// tandem failed on the request (a bug: the handler panicked); nothing of it is kept.
    #[error("tandem failed on this request; the failure is in its log")]
    Internal,
}

impl ApiError {
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::Malformed(_) => StatusCode::BAD_REQUEST,
            ApiError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::BodyTimeout => StatusCode::REQUEST_TIMEOUT,
            ApiError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::Busy
            | ApiError::QueueUnavailable
            | ApiError::QueueBusy(_)
            | ApiError::StoreUnavailable => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::UnknownResource(_) | ApiError::NotFound => StatusCode::NOT_FOUND,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// Machine-readable code, also the `reason` label of the rejection metric.
    pub fn code(&self) -> &'static str {
        match self {
            ApiError::Malformed(_) => "malformed_body",
            ApiError::Unauthorized(_) => "unauthorized",
            ApiError::Forbidden(_) => "forbidden",
            ApiError::PayloadTooLarge { .. } => "payload_too_large",
            ApiError::BodyTimeout => "request_timeout",
            ApiError::UnsupportedMediaType(_) => "unsupported_media_type",
            ApiError::Busy => "busy",
            ApiError::QueueUnavailable => "queue_unavailable",
            ApiError::QueueBusy(_) => "queue_busy",
            ApiError::StoreUnavailable => "store_unavailable",
            ApiError::UnknownResource(_) | ApiError::NotFound => "not_found",
            ApiError::Conflict(_) => "conflict",
            ApiError::MethodNotAllowed => "method_not_allowed",
            ApiError::Internal => "internal_error",
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = (
            self.status(),
            Json(json!({ "error": self.code(), "message": self.to_string() })),
        )
            .into_response();
        let retry_after = match self {
            ApiError::Busy | ApiError::QueueUnavailable | ApiError::StoreUnavailable => Some("30"),
            // A moment behind, not an outage: come back soon.
            ApiError::QueueBusy(_) => Some("1"),
            _ => None,
        };
        if let Some(seconds) = retry_after {
            response
                .headers_mut()
                .insert("retry-after", axum::http::HeaderValue::from_static(seconds));
        }
        response
    }
}

pub async fn not_found() -> ApiError {
    ApiError::NotFound
}

pub async fn method_not_allowed() -> ApiError {
    ApiError::MethodNotAllowed
}

/// The answer to a request whose handler panicked: a 500 with the JSON error, instead of a
/// connection closed without a word. The panic itself is logged.
pub fn handler_panicked(_panic: Box<dyn std::any::Any + Send + 'static>) -> Response {
    tracing::error!("a request handler panicked; answered 500");
    ApiError::Internal.into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_panicked_handler_answers_500_with_the_json_error() {
        let response = handler_panicked(Box::new("index out of bounds"));
        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let body = axum::body::to_bytes(response.into_body(), 1024)
            .await
            .unwrap();
        let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(body["error"], "internal_error");
        assert!(
            !body["message"].as_str().unwrap().contains("index"),
            "{body}"
        );
    }
}
