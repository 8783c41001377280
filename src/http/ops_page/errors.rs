//! The one error type of the ops page: a status and a sentence for the operator, rendered as
//! a page; store and queue details go to the log, never to the browser.

use super::layout;
use crate::ops::conflicts::ConflictError;
use crate::ops::dead_letter_filter::FilterError;
use crate::ops::dead_letters::DeadLetterError;
use crate::ops::flows::FlowError;
use crate::ops::records::RecordError;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

#[derive(Debug)]
pub struct PageError {
    status: StatusCode,
    message: String,
}

impl PageError {
    pub fn new(status: u16, message: impl Into<String>) -> Self {
        Self {
            status: StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            message: message.into(),
        }
    }

    /// The page without a configured admin token, as the ops API answers then.
    pub fn disabled() -> Self {
        Self::new(
            403,
            "The ops page is off until server.admin_token is set (best given as \
             TANDEM_SERVER__ADMIN_TOKEN).",
        )
    }

    fn unavailable(what: &str, error: &dyn std::fmt::Display) -> Self {
        tracing::error!(%error, "ops page: {what} failed");
        Self::new(
            503,
            "The store or the queue is not answering now; try again in a moment.",
        )
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let title = self.status.canonical_reason().unwrap_or("Error");
        (self.status, layout::bare(title, &self.message)).into_response()
    }
}

impl From<DeadLetterError> for PageError {
    fn from(error: DeadLetterError) -> Self {
        match error {
            DeadLetterError::NotFound(_) => Self::new(404, error.to_string()),
            DeadLetterError::InvalidPayload(_) => Self::new(400, error.to_string()),
            DeadLetterError::NotOpen { .. } => Self::new(409, error.to_string()),
            _ => Self::unavailable("a dead letter request", &error),
        }
    }
}

impl From<FlowError> for PageError {
    fn from(error: FlowError) -> Self {
        match error {
            FlowError::Unknown(..) => Self::new(404, error.to_string()),
            FlowError::Store(_) => Self::unavailable("a flow request", &error),
        }
    }
}

impl From<RecordError> for PageError {
    fn from(error: RecordError) -> Self {
        match error {
            RecordError::UnknownSystem(_) => Self::new(400, error.to_string()),
            RecordError::Store(_) => Self::unavailable("a record search", &error),
        }
    }
}

impl From<ConflictError> for PageError {
    fn from(error: ConflictError) -> Self {
        match error {
            ConflictError::NotFound(_) => Self::new(404, error.to_string()),
            ConflictError::NotOpen { .. } => Self::new(409, error.to_string()),
            ConflictError::NotACandidate { .. } => Self::new(400, error.to_string()),
            ConflictError::NoSubject(_) => Self::new(409, error.to_string()),
            _ => Self::unavailable("a conflict request", &error),
        }
    }
}

impl From<FilterError> for PageError {
    fn from(error: FilterError) -> Self {
        Self::new(400, format!("Filter: {error}"))
    }
}

impl From<crate::store::StoreError> for PageError {
    fn from(error: crate::store::StoreError) -> Self {
        Self::unavailable("a store read", &error)
    }
}
