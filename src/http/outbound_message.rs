//! `POST /webhooks/salesforce/outbound-message`: Salesforce Outbound Messages. Answers the SOAP
//! Ack only after every notification is queued; any failure is a SOAP Fault with a 4xx/5xx
//! status, so Salesforce keeps the message and retries.

use super::body::{read_limited, require_media_type};
use super::intake::{count_rejection, enqueue};
use super::{ApiError, AppState};
use crate::domain::System;
use crate::ingress::notification_events::change_events;
use crate::ingress::outbound_message::{self, OutboundMessage};
use crate::ingress::shown::shown;
use crate::ingress::soap_response::{self, FaultCode};
use crate::ops::metrics::SIGNATURE_FAILURES;
use crate::queue::Delivery;
use axum::body::Body;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use subtle::ConstantTimeEq;

#[derive(Deserialize)]
pub struct TokenQuery {
    token: Option<String>,
}

#[tracing::instrument(level = "debug", skip_all, fields(notifications))]
pub async fn receive(
    State(state): State<AppState>,
    Query(query): Query<TokenQuery>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let result = async {
        check_token(&state, query.token.as_deref())?;
        require_media_type(&headers, &["text/xml", "application/soap+xml"])?;
        let limit = state.config.server.outbound_message_max_body_bytes;
        let body = read_limited(&headers, body, limit, &state.body_budget).await?;
        let message = outbound_message::parse(&body.bytes).map_err(|error| {
            ApiError::Malformed(format!("not a valid Outbound Message: {error}"))
        })?;
        check_organization(&state, &message)?;
        tracing::Span::current().record("notifications", message.notifications.len());
        let deliveries = change_events(message, chrono::Utc::now())
            .into_iter()
            .map(|event| Delivery {
                dedupe_key: format!("salesforce:notification:{}", event.id),
                events: vec![event],
            })
            .collect();
        enqueue(&state, System::Salesforce, deliveries).await
    }
    .await;
    match result {
        Ok(_) => soap(StatusCode::OK, soap_response::ack().to_owned()),
        Err(error) => {
            count_rejection(System::Salesforce, &error);
            let code = if error.status().is_server_error() {
                FaultCode::Server
            } else {
                FaultCode::Client
            };
            soap(
                error.status(),
                soap_response::fault(code, &error.to_string()),
            )
        }
    }
}

fn soap(status: StatusCode, body: String) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, soap_response::CONTENT_TYPE)],
        body,
    )
        .into_response()
}

fn check_token(state: &AppState, given: Option<&str>) -> Result<(), ApiError> {
    let Some(expected) = &state.config.salesforce.outbound_message_token else {
        return Ok(());
    };
    let matches =
        given.is_some_and(|given| bool::from(given.as_bytes().ct_eq(expected.expose().as_bytes())));
    if matches {
        Ok(())
    } else {
        refuse(state, "outbound_message_token", "Outbound Message ?token=");
        Err(ApiError::Unauthorized(
            "missing or wrong ?token= for this endpoint".into(),
        ))
    }
}

/// Salesforce sends the 18-character organisation id; a configured 15-character id matches
/// its first 15 characters.
fn check_organization(state: &AppState, message: &OutboundMessage) -> Result<(), ApiError> {
    let received = message.organization_id.as_str();
    let accepted = match state.config.salesforce.organization_id.as_deref() {
        Some(expected) if expected.len() == 15 => received.get(..15) == Some(expected),
        Some(expected) => received == expected,
        None => false,
    };
    if accepted {
        return Ok(());
    }
    let received = shown(received);
    refuse(
        state,
        "organization_id",
        format_args!("Outbound Message from organisation {received}"),
    );
    Err(ApiError::Forbidden(format!(
        "OrganizationId {received} is not the configured salesforce.organization_id"
    )))
}

/// Counts a refused Outbound Message and logs it through the refusal log.
fn refuse(state: &AppState, reason: &'static str, detail: impl std::fmt::Display) {
    let source = System::Salesforce.as_str();
    metrics::counter!(SIGNATURE_FAILURES, "source" => source, "reason" => reason).increment(1);
    state.refusals.refused(source, reason, detail);
}
