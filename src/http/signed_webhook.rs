//! The extractor for Standard Webhooks endpoints: a handler receives a body only after its
//! signature verified, so unverified bytes have no type a handler can take; and the body is
//! read only after the checks that need none of it passed.

use super::body::{read_limited, require_media_type};
use super::{ApiError, AppState};
use crate::domain::System;
use crate::ingress::standard_webhooks::{Verifier, VerifyError, WebhookHeaders};
use crate::ops::metrics::SIGNATURE_FAILURES;
use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use std::marker::PhantomData;
use tokio::sync::OwnedSemaphorePermit;

/// Which configured secrets verify a source's webhooks.
pub trait WebhookSource: Send + Sync + 'static {
    const SOURCE: System;
    fn verifier(state: &AppState) -> &Verifier;
}

pub struct FromSalesforce;
pub struct FromNetsuite;

impl WebhookSource for FromSalesforce {
    const SOURCE: System = System::Salesforce;
    fn verifier(state: &AppState) -> &Verifier {
        &state.salesforce_verifier
    }
}

impl WebhookSource for FromNetsuite {
    const SOURCE: System = System::Netsuite;
    fn verifier(state: &AppState) -> &Verifier {
        &state.netsuite_verifier
    }
}

/// A body whose Standard Webhooks signature verified against one of `S`'s secrets.
pub struct SignedWebhook<S> {
    pub webhook_id: String,
    pub body: Bytes,
    /// Keeps the body's bytes counted in the body budget while the handler runs.
    _held: OwnedSemaphorePermit,
    source: PhantomData<S>,
}

impl<S: WebhookSource> FromRequest<AppState> for SignedWebhook<S> {
    type Rejection = ApiError;

    /// Every check that needs no body comes first (content type, signature headers, timestamp,
    /// declared length), so an unsigned or stale request is refused without reading a byte of
    /// it; only then is the body read and the signature verified over its raw bytes.
    async fn from_request(request: Request, state: &AppState) -> Result<Self, ApiError> {
        let (parts, body) = request.into_parts();
        require_media_type(&parts.headers, &["application/json"])?;
        let header = |name: &str| parts.headers.get(name).and_then(|v| v.to_str().ok());
        let headers = WebhookHeaders {
            id: header("webhook-id"),
            timestamp: header("webhook-timestamp"),
            signature: header("webhook-signature"),
        };
        let verifier = S::verifier(state);
        let now = chrono::Utc::now().timestamp();
        let checked = verifier
            .check_headers(headers, now)
            .map_err(|error| refuse::<S>(state, error))?;
        // Refuses an over-limit Content-Length before reading, then reads under the limit.
        let limit = state.config.server.max_body_bytes;
        let body = read_limited(&parts.headers, body, limit, &state.body_budget).await?;
        match verifier.verify_body(&checked, &body.bytes) {
            Ok(id) => Ok(SignedWebhook {
                webhook_id: id.to_owned(),
                body: body.bytes,
                _held: body.held,
                source: PhantomData,
            }),
            Err(error) => Err(refuse::<S>(state, error)),
        }
    }
}

/// Counts a refused signature, logs it through the refusal log, and names the reason.
fn refuse<S: WebhookSource>(state: &AppState, error: VerifyError) -> ApiError {
    let (source, reason) = (S::SOURCE.as_str(), error.reason());
    metrics::counter!(SIGNATURE_FAILURES, "source" => source, "reason" => reason).increment(1);
    state.refusals.refused(source, reason, error);
    ApiError::Unauthorized(error.to_string())
}
