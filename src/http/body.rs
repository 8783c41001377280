//! Reading a request body under a limit (`server.max_body_bytes`, or the Outbound Message
//! endpoint's own): refused from `Content-Length` before reading, and cut off while streaming
//! when the header lies or is absent; the bytes of every body being read share one budget.

use super::ApiError;
use crate::ingress::shown::shown;
use crate::serve::BodyTimeout;
use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, header};
use bytes::BytesMut;
use http_body_util::{BodyExt, LengthLimitError, Limited};
use std::sync::Arc;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

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

/// Request body bytes held in memory at once, across every request being read
/// (`server.max_buffered_body_bytes`): a sender needs no secret to make well-formed signature
/// headers, so the bodies read before verification share one bound. Past it, 503.
#[derive(Clone)]
pub struct BodyBudget(Arc<Semaphore>);

impl BodyBudget {
    pub fn new(bytes: usize) -> Self {
        Self(Arc::new(Semaphore::new(bytes.min(Semaphore::MAX_PERMITS))))
    }

    fn take(&self, bytes: usize) -> Result<OwnedSemaphorePermit, ApiError> {
        let permits = u32::try_from(bytes).map_err(|_| ApiError::Busy)?;
        Arc::clone(&self.0)
            .try_acquire_many_owned(permits)
            .map_err(|_| ApiError::Busy)
    }
}

/// A body read whole; its bytes count against the [`BodyBudget`] until this is dropped.
pub struct BufferedBody {
    pub bytes: Bytes,
    pub held: OwnedSemaphorePermit,
}

/// Reads the whole body under `limit`: refused from `Content-Length` first, then cut off
/// while streaming when the header lies or is absent; every chunk is taken from `budget`.
pub async fn read_limited(
    headers: &HeaderMap,
    body: Body,
    limit: usize,
    budget: &BodyBudget,
) -> Result<BufferedBody, ApiError> {
    check_declared_length(headers, limit)?;
    let mut held = budget.take(0)?;
    let mut body = Limited::new(body, limit);
    let mut buffer = BytesMut::new();
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|error| read_error(error.as_ref(), limit))?;
        if let Ok(data) = frame.into_data() {
            held.merge(budget.take(data.len())?);
            buffer.extend_from_slice(&data);
        }
    }
    Ok(BufferedBody {
        bytes: buffer.freeze(),
        held,
    })
}

fn read_error(error: &(dyn std::error::Error + 'static), limit: usize) -> ApiError {
    let mut cause = Some(error);
    let (mut too_large, mut too_late) = (false, false);
    while let Some(current) = cause {
        too_large |= current.is::<LengthLimitError>();
        too_late |= current.is::<BodyTimeout>();
        cause = current.source();
    }
    if too_large {
        ApiError::PayloadTooLarge { limit }
    } else if too_late {
        ApiError::BodyTimeout
    } else {
        ApiError::Malformed("the request body could not be read".into())
    }
}
