//! The NetSuite connector's metrics: requests by operation and outcome, and 429s.

use crate::connectors::error::ErrorClass;

/// Requests to a vendor API, by `system`, `operation` and `outcome`; one per HTTP attempt.
pub const REQUESTS: &str = "tandem_connector_requests_total";
/// 429 answers from NetSuite (the account's concurrency limit was reached).
pub const THROTTLED: &str = "tandem_netsuite_throttled_total";

pub const SUCCESS: &str = "success";
pub const THROTTLED_OUTCOME: &str = "throttled";

pub fn count_request(operation: &'static str, outcome: &'static str) {
    metrics::counter!(REQUESTS, "system" => "netsuite", "operation" => operation, "outcome" => outcome)
        .increment(1);
}

pub fn count_throttled() {
    metrics::counter!(THROTTLED).increment(1);
}

/// The `outcome` label of a failed attempt.
pub fn outcome_of(class: ErrorClass) -> &'static str {
    match class {
        ErrorClass::Retry => "retry",
        ErrorClass::BackOff => "back_off",
        ErrorClass::RefreshAuth => "refresh_auth",
        ErrorClass::Permanent => "permanent",
        ErrorClass::Conflict => "conflict",
    }
}
