//! `POST /webhooks/{salesforce,netsuite}/events`: signed JSON change events, answered 202 once queued.

use super::intake::{count_rejection, enqueue};
use super::signed_webhook::{FromNetsuite, FromSalesforce, SignedWebhook, WebhookSource};
use super::{ApiError, AppState};
use crate::ingress::json_event;
use crate::ingress::shown::shown;
use crate::queue::Delivery;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

pub async fn salesforce(
    State(state): State<AppState>,
    webhook: Result<SignedWebhook<FromSalesforce>, ApiError>,
) -> Response {
    accept(state, webhook).await
}

pub async fn netsuite(
    State(state): State<AppState>,
    webhook: Result<SignedWebhook<FromNetsuite>, ApiError>,
) -> Response {
    accept(state, webhook).await
}

// A debug-level span: at the default level it costs nothing per request; the one line logged
// inside (a queue failure, in `intake`) names the delivery itself.
#[tracing::instrument(level = "debug", skip_all, fields(source = %S::SOURCE, webhook_id))]
async fn accept<S: WebhookSource>(
    state: AppState,
    webhook: Result<SignedWebhook<S>, ApiError>,
) -> Response {
    let result = async {
        let webhook = webhook?;
        tracing::Span::current().record(
            "webhook_id",
            tracing::field::display(shown(&webhook.webhook_id)),
        );
        let events = json_event::parse(
            &webhook.body,
            S::SOURCE,
            &webhook.webhook_id,
            chrono::Utc::now(),
        )
        .map_err(|error| ApiError::Malformed(error.to_string()))?;
        let delivery = Delivery {
            dedupe_key: format!("{}:webhook:{}", S::SOURCE, webhook.webhook_id),
            events,
        };
        enqueue(&state, S::SOURCE, vec![delivery]).await
    }
    .await;
    match result {
        Ok(outcome) if outcome.duplicates > 0 => (
            StatusCode::ACCEPTED,
            Json(json!({ "accepted": outcome.accepted, "duplicates": outcome.duplicates })),
        )
            .into_response(),
        Ok(outcome) => (
            StatusCode::ACCEPTED,
            Json(json!({ "accepted": outcome.accepted })),
        )
            .into_response(),
        Err(error) => {
            count_rejection(S::SOURCE, &error);
            error.into_response()
        }
    }
}
