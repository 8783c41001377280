//! NetSuite's account-wide concurrency governance: a request that finds every slot taken is
//! refused at once with 429 (NetSuite does not queue). An admitted request holds its slot
//! through the service latency, any injected fault and the handler.

use super::NetsuiteState;
use super::error::NsError;
use crate::sandbox::faults::FaultKind;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// Middleware: admits a request if a slot is free, else answers 429.
pub async fn admit(State(state): State<NetsuiteState>, request: Request, next: Next) -> Response {
    let Ok(_permit) = state.permits.clone().try_acquire_owned() else {
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
