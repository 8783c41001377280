//! Reading a request body under a limit (`server.max_body_bytes`, or the Outbound Message
//! endpoint's own): refused from `Content-Length` before reading, and cut off while streaming
//! when the header lies or is absent.

use super::ApiError;
use crate::ingress::shown::shown;
use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, header};

/// The request's media type without parameters, lowercased (`text/xml; charset=utf-8` → `text/xml`).
pub fn media_type(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::CONTENT_TYPE)?.to_str().ok()?;
    let essence = value.split(';').next().unwrap_or_default().trim();
    Some(essence.to_ascii_lowercase())
}

pub fn require_media_type(headers: &HeaderMap, accepted: &[&str]) -> Result<(), ApiError> {
    match media_type(headers) {
        Some(found) if accepted.contains(&found.as_str()) => Ok(()),
        found => Err(ApiError::UnsupportedMediaType(format!(
            "Content-Type must be {}, found {}",
            accepted.join(" or "),
            shown(found.as_deref().unwrap_or("none"))
        ))),
    }
}

/// Refuses a body whose `Content-Length` is over `limit`, before any of it is read.
fn check_declared_length(headers: &HeaderMap, limit: usize) -> Result<(), ApiError> {
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<u64>().ok());
    if declared.is_some_and(|length| length > limit as u64) {
        return Err(ApiError::PayloadTooLarge { limit });
    }
    Ok(())
}

/// Reads the whole body under `limit`: refused from `Content-Length` first, then cut off
/// while streaming when the header lies or is absent.
pub async fn read_limited(
    headers: &HeaderMap,
    body: Body,
    limit: usize,
) -> Result<Bytes, ApiError> {
    check_declared_length(headers, limit)?;
    axum::body::to_bytes(body, limit).await.map_err(|error| {
        let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(&error);
        let mut too_large = false;
        while let Some(current) = cause {
            too_large |= current.is::<http_body_util::LengthLimitError>();
            cause = current.source();
        }
        if too_large {
            ApiError::PayloadTooLarge { limit }
        } else {
            ApiError::Malformed("the request body could not be read".into())
        }
    })
}
