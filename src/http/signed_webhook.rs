//! The extractor for Standard Webhooks endpoints: a handler receives a body only after its
//! signature verified, so unverified bytes have no type a handler can take.

use super::body::{read_limited, require_media_type};
use super::{ApiError, AppState};
use crate::domain::System;
use crate::ingress::standard_webhooks::{Verifier, WebhookHeaders};
use crate::ops::metrics::SIGNATURE_FAILURES;
use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use std::marker::PhantomData;

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
    source: PhantomData<S>,
}

impl<S: WebhookSource> FromRequest<AppState> for SignedWebhook<S> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, ApiError> {
        let (parts, body) = request.into_parts();
        require_media_type(&parts.headers, &["application/json"])?;
        let body = read_limited(&parts.headers, body, state.config.server.max_body_bytes).await?;
        let header = |name: &str| parts.headers.get(name).and_then(|v| v.to_str().ok());
        let headers = WebhookHeaders {
            id: header("webhook-id"),
            timestamp: header("webhook-timestamp"),
            signature: header("webhook-signature"),
        };
        let now = chrono::Utc::now().timestamp();
        match S::verifier(state).verify(headers, &body, now) {
            Ok(id) => Ok(SignedWebhook {
                webhook_id: id.to_owned(),
                body,
                source: PhantomData,
            }),
            Err(error) => {
                metrics::counter!(SIGNATURE_FAILURES, "source" => S::SOURCE.as_str(), "reason" => error.reason())
                    .increment(1);
                tracing::warn!(source = %S::SOURCE, reason = error.reason(), "webhook refused");
                Err(ApiError::Unauthorized(error.to_string()))
            }
        }
    }
}
