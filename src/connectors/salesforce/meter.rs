//! The Salesforce client's metrics: calls by operation and outcome with their duration, and
//! the org's API usage. Names and label sets live in `ops::metrics`.

use crate::connectors::error::{ConnectorError, System};
use crate::ops::metrics::{
    CallOutcome, Operation, SALESFORCE_API_LIMIT, SALESFORCE_API_USAGE, record_connector_call,
};
use std::time::Duration;

pub fn record_call<T>(operation: Operation, result: &Result<T, ConnectorError>, elapsed: Duration) {
    record_connector_call(
        System::Salesforce,
        operation,
        CallOutcome::of(result),
        elapsed,
    );
}

pub fn record_usage((used, limit): (u64, u64)) {
    metrics::gauge!(SALESFORCE_API_USAGE).set(used as f64);
    metrics::gauge!(SALESFORCE_API_LIMIT).set(limit as f64);
    crate::ops::signals::record_salesforce_usage(used, limit);
}
