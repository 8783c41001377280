//! One error type for both connectors, classified beside it: what a worker should do next.

use reqwest::header::{HeaderMap, RETRY_AFTER};
use std::fmt;
use std::time::Duration;

pub use crate::domain::System;

/// What to do about a failed call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorClass {
    /// Transient (timeout, connection refused, 5xx, 408, 429, row lock): retry on the schedule.
    Retry,
    /// The org's API allowance is spent (`REQUEST_LIMIT_EXCEEDED`): retry much later.
    BackOff,
    /// The credentials were refused: refresh the token once; if it persists, a human must act.
    RefreshAuth,
    /// The request itself is wrong (validation, missing field, bad id): retrying cannot help.
    Permanent,
    /// Several records matched (Salesforce upsert 300): never guess, park for review.
    Conflict,
}

/// A failed call to Salesforce or NetSuite, with what the vendor said.
#[derive(Debug, Clone, PartialEq)]
pub struct ConnectorError {
    pub system: System,
    pub class: ErrorClass,
    /// HTTP status, when the server answered.
    pub status: Option<u16>,
    /// The vendor's error code (`errorCode` / `o:errorCode`), e.g. `INVALID_CONTENT`.
    pub code: Option<String>,
    /// The vendor's message, or what went wrong on the way.
    pub message: String,
    /// Fields the vendor named (`fields` / `o:errorPath`).
    pub fields: Vec<String>,
    /// The server's `Retry-After`, when it sent one.
    pub retry_after: Option<Duration>,
}

impl std::error::Error for ConnectorError {}

impl fmt::Display for ConnectorError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.system)?;
        if let Some(status) = self.status {
            write!(f, " {status}")?;
        }
        if let Some(code) = &self.code {
            write!(f, " {code}")?;
        }
        write!(f, ": {}", self.message)?;
        if !self.fields.is_empty() {
            write!(f, " (fields: {})", self.fields.join(", "))?;
        }
        Ok(())
    }
}

impl ConnectorError {
    pub fn new(system: System, class: ErrorClass, message: impl Into<String>) -> Self {
        Self {
            system,
            class,
            status: None,
            code: None,
            message: message.into(),
            fields: Vec::new(),
            retry_after: None,
        }
    }

    /// A failure before any answer (connect, timeout, broken body): always transient.
    /// The URL is left out: it may carry ids, never secrets, but it adds nothing for ops.
    pub fn transport(system: System, error: reqwest::Error) -> Self {
        let what = if error.is_timeout() {
            "timed out"
        } else if error.is_connect() {
            "could not connect"
        } else {
            "request failed"
        };
        Self::new(
            system,
            ErrorClass::Retry,
            format!("{what}: {}", error.without_url()),
        )
    }

    pub fn is_retryable(&self) -> bool {
        matches!(self.class, ErrorClass::Retry | ErrorClass::BackOff)
    }

    pub fn with_status(mut self, status: u16) -> Self {
        self.status = Some(status);
        self
    }

    pub fn with_code(mut self, code: impl Into<String>) -> Self {
        self.code = Some(code.into());
        self
    }

    pub fn with_fields(mut self, fields: Vec<String>) -> Self {
        self.fields = fields;
        self
    }

    pub fn with_retry_after(mut self, headers: &HeaderMap) -> Self {
        self.retry_after = retry_after(headers);
        self
    }
}

/// The class of an HTTP status when the body names no more specific code.
pub fn class_of_status(status: u16) -> ErrorClass {
    match status {
        300 => ErrorClass::Conflict,
        401 => ErrorClass::RefreshAuth,
        408 | 425 | 429 => ErrorClass::Retry,
        500..=599 => ErrorClass::Retry,
        _ => ErrorClass::Permanent,
    }
}

/// `Retry-After` in seconds or as an HTTP date.
pub fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let when = chrono::DateTime::parse_from_rfc2822(value).ok()?;
    let wait = when.with_timezone(&chrono::Utc) - chrono::Utc::now();
    Some(wait.to_std().unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    #[test]
    fn statuses_map_to_classes() {
        assert_eq!(class_of_status(300), ErrorClass::Conflict);
        assert_eq!(class_of_status(401), ErrorClass::RefreshAuth);
        assert_eq!(class_of_status(429), ErrorClass::Retry);
        assert_eq!(class_of_status(503), ErrorClass::Retry);
        assert_eq!(class_of_status(400), ErrorClass::Permanent);
        assert_eq!(class_of_status(404), ErrorClass::Permanent);
    }

    #[test]
    fn retry_after_reads_seconds_and_dates() {
        let mut headers = HeaderMap::new();
        headers.insert(RETRY_AFTER, HeaderValue::from_static("120"));
        assert_eq!(retry_after(&headers), Some(Duration::from_secs(120)));
        headers.insert(
            RETRY_AFTER,
            HeaderValue::from_static("Wed, 21 Oct 2015 07:28:00 GMT"),
        );
        assert_eq!(
            retry_after(&headers),
            Some(Duration::ZERO),
            "a past date means now"
        );
        headers.insert(RETRY_AFTER, HeaderValue::from_static("soon"));
        assert_eq!(retry_after(&headers), None);
    }

    #[test]
    fn the_display_names_system_status_code_and_fields() {
        let error = ConnectorError::new(
            System::Netsuite,
            ErrorClass::Permanent,
            "Invalid Field Value 9999",
        )
        .with_status(400)
        .with_code("INVALID_CONTENT")
        .with_fields(vec!["item.items[0].item".into()]);
        assert_eq!(
            error.to_string(),
            "netsuite 400 INVALID_CONTENT: Invalid Field Value 9999 (fields: item.items[0].item)"
        );
        assert!(!error.is_retryable());
    }
}
