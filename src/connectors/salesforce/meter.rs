//! The Salesforce client's metrics: calls by operation and outcome, and the org's API usage.

use crate::connectors::error::{ConnectorError, ErrorClass};

/// Connector HTTP calls, by `system`, `operation` and `outcome` (`ok` or the error class).
pub const CONNECTOR_REQUESTS: &str = "tandem_connector_requests_total";
/// API calls the org has made in the last 24 hours, from the latest `Sforce-Limit-Info`.
pub const API_USAGE: &str = "tandem_salesforce_api_usage_calls";
/// The org's 24-hour API call allowance, from the latest `Sforce-Limit-Info`.
pub const API_LIMIT: &str = "tandem_salesforce_api_limit_calls";

pub fn record_call<T>(operation: &'static str, result: &Result<T, ConnectorError>) {
    let outcome = match result {
        Ok(_) => "ok",
        Err(error) => outcome_of(error.class),
    };
    metrics::counter!(CONNECTOR_REQUESTS, "system" => "salesforce", "operation" => operation, "outcome" => outcome)
        .increment(1);
}

pub fn record_usage((used, limit): (u64, u64)) {
    metrics::gauge!(API_USAGE).set(used as f64);
    metrics::gauge!(API_LIMIT).set(limit as f64);
}

fn outcome_of(class: ErrorClass) -> &'static str {
    match class {
        ErrorClass::Retry => "retry",
        ErrorClass::BackOff => "back_off",
        ErrorClass::RefreshAuth => "refresh_auth",
        ErrorClass::Permanent => "permanent",
        ErrorClass::Conflict => "conflict",
    }
}
