//! NetSuite's account-wide concurrency governance: a request that finds every slot taken is
//! refused at once with 429 (NetSuite does not queue). An admitted request holds its slot
//! through the service latency, any injected fault and the handler. The limit can change while
//! requests run (`PUT /_sandbox/concurrency`), as it does when another integration of the
//! account starts taking slots or the account's licence changes.

use super::NetsuiteState;
use super::error::NsError;
use crate::sandbox::faults::FaultKind;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};
use std::sync::Arc;
use tokio::sync::{Mutex, OwnedSemaphorePermit, Semaphore};

/// The account's slots. Lowering the limit takes slots out of circulation as requests give
/// them back (an admitted request always finishes); raising it puts them back.
pub struct Slots {
    permits: Arc<Semaphore>,
    limit: Mutex<Limit>,
}

struct Limit {
    /// The limit in force.
    limit: usize,
    /// Slots held back from the semaphore to keep it at `limit`.
    withheld: Vec<OwnedSemaphorePermit>,
}

impl Slots {
    pub fn new(limit: usize) -> Self {
        Self {
            permits: Arc::new(Semaphore::new(limit)),
            limit: Mutex::new(Limit {
                limit,
                withheld: Vec::new(),
            }),
        }
    }

    fn try_admit(&self) -> Option<OwnedSemaphorePermit> {
        self.permits.clone().try_acquire_owned().ok()
    }

    /// The limit in force.
    pub async fn limit(&self) -> usize {
        self.limit.lock().await.limit
    }

    /// Sets the limit; returns once it is in force: when lowering, after enough requests in
    /// flight have finished (released slots go to this waiter before any new request).
    pub async fn set_limit(&self, limit: usize) {
        let mut current = self.limit.lock().await;
        while current.limit > limit {
            let held = self
                .permits
                .clone()
                .acquire_owned()
                .await
                .expect("the slots' semaphore is never closed");
            current.withheld.push(held);
            current.limit -= 1;
        }
        while current.limit < limit {
            if current.withheld.pop().is_none() {
                self.permits.add_permits(1);
            }
            current.limit += 1;
        }
    }
}

#[derive(Deserialize)]
struct NewLimit {
    /// Requests NetSuite admits at once; at least 1.
    limit: usize,
}

/// `GET|PUT /_sandbox/concurrency`: the account's limit, and changing it mid-run.
pub fn routes<S: Clone + Send + Sync + 'static>(state: NetsuiteState) -> Router<S> {
    Router::new()
        .route("/_sandbox/concurrency", get(show).put(change))
        .with_state(state)
}

async fn show(State(state): State<NetsuiteState>) -> Json<Value> {
    Json(json!({ "limit": state.slots.limit().await }))
}

async fn change(State(state): State<NetsuiteState>, Json(new): Json<NewLimit>) -> Response {
    if new.limit == 0 {
        let body = json!({ "error": "invalid_limit", "message": "limit must be at least 1" });
        return (StatusCode::BAD_REQUEST, Json(body)).into_response();
    }
    state.slots.set_limit(new.limit).await;
    Json(json!({ "limit": new.limit })).into_response()
}

/// Middleware: admits a request if a slot is free, else answers 429.
pub async fn admit(State(state): State<NetsuiteState>, request: Request, next: Next) -> Response {
    let Some(_permit) = state.slots.try_admit() else {
        state.journal.count_throttled();
        return NsError::concurrency_limit().into_response();
    };
    let _in_flight = state.journal.enter();
    match state.faults.before_call().await {
        None => next.run(request).await,
        Some(fault) => {
            state.journal.count_fault();
            fault_error(fault).into_response()
        }
    }
}

/// An injected fault as NetSuite would answer it.
fn fault_error(fault: FaultKind) -> NsError {
    match fault {
        FaultKind::Lock => NsError::record_changed(),
        FaultKind::Status { status: 429 } => NsError::concurrency_limit(),
        FaultKind::Status { status } => NsError::unexpected(
            StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
        ),
        // `before_call` hangs on a timeout; if it ever returns, the gateway gave up.
        FaultKind::Timeout => NsError::unexpected(StatusCode::GATEWAY_TIMEOUT),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn injected_faults_carry_netsuite_codes() {
        assert_eq!(fault_error(FaultKind::Lock).code, "RCRD_HAS_BEEN_CHANGED");
        let unavailable = fault_error(FaultKind::Status { status: 503 });
        assert_eq!(
            (unavailable.status.as_u16(), unavailable.code),
            (503, "UNEXPECTED_ERROR")
        );
        assert_eq!(
            fault_error(FaultKind::Status { status: 429 }).code,
            "CONCURRENCY_LIMIT_EXCEEDED"
        );
    }
}
