//! NetSuite's REST error bodies and what each one means for the caller (the `ErrorClass`).

use crate::connectors::error::{ConnectorError, ErrorClass, System, class_of_status};
use reqwest::header::HeaderMap;
use serde::Deserialize;

/// `o:errorCode` values that name their class regardless of the HTTP status.
const RETRY_CODES: &[&str] = &["CONCURRENCY_LIMIT_EXCEEDED", "SSS_REQUEST_LIMIT_EXCEEDED"];
const REFRESH_AUTH_CODES: &[&str] = &["INVALID_LOGIN"];
const PERMANENT_CODES: &[&str] = &[
    "INVALID_CONTENT",
    "USER_ERROR",
    "NONEXISTENT_ID",
    // A repeated async idempotency key: the first job exists, a retry cannot change that.
    "IDEMPOTENCY_ERROR",
];

/// Longest slice of a non-JSON body (an HTML page from a proxy) kept in the message.
const MAX_RAW_MESSAGE: usize = 200;

/// The REST service's RFC 7807-style body:
/// `{"type","title","status","o:errorDetails":[{"detail","o:errorCode","o:errorPath"}]}`.
#[derive(Debug, Default, Deserialize)]
struct ErrorBody {
    #[serde(default)]
    title: Option<String>,
    #[serde(default, rename = "o:errorDetails")]
    details: Vec<ErrorDetail>,
}

#[derive(Debug, Deserialize)]
struct ErrorDetail {
    #[serde(default)]
    detail: Option<String>,
    #[serde(default, rename = "o:errorCode")]
    code: Option<String>,
    #[serde(default, rename = "o:errorPath")]
    path: Option<String>,
}

/// The class of a NetSuite answer: a known `o:errorCode` decides, else the HTTP status does.
pub fn class_of(status: u16, code: Option<&str>) -> ErrorClass {
    match code {
        Some(code) if RETRY_CODES.contains(&code) => ErrorClass::Retry,
        Some(code) if REFRESH_AUTH_CODES.contains(&code) => ErrorClass::RefreshAuth,
        Some(code) if PERMANENT_CODES.contains(&code) => ErrorClass::Permanent,
        _ => class_of_status(status),
    }
}

/// Turns a non-2xx answer into a classified error. Any body is tolerated: a NetSuite error
/// body gives code, details and error paths; anything else gives its first characters.
pub fn classify(status: u16, headers: &HeaderMap, body: &[u8]) -> ConnectorError {
    let parsed: Option<ErrorBody> = serde_json::from_slice(body).ok();
    let (code, message, fields) = match parsed {
        Some(body) if !body.details.is_empty() || body.title.is_some() => describe(body),
        _ => (None, raw_message(status, body), Vec::new()),
    };
    let mut error =
        ConnectorError::new(System::Netsuite, class_of(status, code.as_deref()), message)
            .with_status(status)
            .with_fields(fields)
            .with_retry_after(headers);
    if let Some(code) = code {
        error = error.with_code(code);
    }
    error
}

fn describe(body: ErrorBody) -> (Option<String>, String, Vec<String>) {
    let code = body.details.iter().find_map(|detail| detail.code.clone());
    let details: Vec<&str> = body
        .details
        .iter()
        .filter_map(|detail| detail.detail.as_deref())
        .collect();
    let message = if details.is_empty() {
        body.title.unwrap_or_default()
    } else {
        details.join("; ")
    };
    let fields = body
        .details
        .iter()
        .filter_map(|detail| detail.path.clone())
        .collect();
    (code, message, fields)
}

fn raw_message(status: u16, body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    if text.is_empty() {
        return format!("HTTP {status} with an empty body");
    }
    match text.char_indices().nth(MAX_RAW_MESSAGE) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests;
