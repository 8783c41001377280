//! Hands verified events to the queue, measures how long that took, and counts the outcome.

use super::{ApiError, AppState};
use crate::domain::System;
use crate::ingress::shown::shown;
use crate::ops::metrics::{
    ENQUEUE_DURATION, EVENTS_RECEIVED, OTHER, REQUESTS_REJECTED, object_label,
};
use crate::queue::{Delivery, EnqueueOutcome, QueueError};
use std::time::Instant;

/// Makes the deliveries durable; `Ok` means every event is safe and the sender may be answered.
pub async fn enqueue(
    state: &AppState,
    source: System,
    deliveries: Vec<Delivery>,
) -> Result<EnqueueOutcome, ApiError> {
    // For the log line of a failure (the request's span is debug-level).
    let first_delivery = deliveries.first().map(|d| d.dedupe_key.clone());
    // One request carries events of one object in practice; label by the first.
    let object = deliveries
        .first()
        .and_then(|delivery| delivery.events.first())
        .map_or(OTHER, |event| object_label(source, &event.object));
    // Shed load at once rather than let requests wait behind a queue that is behind.
    let Ok(_pending) = state.pending_enqueues.clone().try_acquire_owned() else {
        return Err(ApiError::QueueBusy(format!(
            "{} requests already wait for the queue to make their events durable",
            state.config.queue.max_pending
        )));
    };
    let started = Instant::now();
    let result = state.queue.enqueue(deliveries).await;
    metrics::histogram!(ENQUEUE_DURATION, "backend" => state.queue.backend())
        .record(started.elapsed().as_secs_f64());
    match result {
        Ok(outcome) => {
            let count = |outcome_label: &'static str, n: usize| {
                if n > 0 {
                    metrics::counter!(EVENTS_RECEIVED, "source" => source.as_str(), "object" => object, "outcome" => outcome_label)
                        .increment(n as u64);
                }
            };
            count("accepted", outcome.accepted);
            count("duplicate", outcome.duplicates);
            Ok(outcome)
        }
        Err(QueueError::Busy(reason)) => Err(ApiError::QueueBusy(reason)),
        Err(error) => {
            tracing::error!(%error, %source, delivery = ?first_delivery.as_deref().map(shown), "could not queue events; answering 503");
            Err(ApiError::QueueUnavailable)
        }
    }
}

/// Counts a refused request (nothing of it was queued).
pub fn count_rejection(source: System, error: &ApiError) {
    metrics::counter!(REQUESTS_REJECTED, "source" => source.as_str(), "reason" => error.code())
        .increment(1);
}
