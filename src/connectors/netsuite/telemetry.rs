//! The NetSuite connector's metrics: requests by operation and outcome with their duration,
//! 429s, and the governor's slots in use against its limit. Names and label sets live in
//! `ops::metrics`.

use crate::connectors::error::{ErrorClass, System};
use crate::ops::metrics::{
    CallOutcome, NETSUITE_CONCURRENCY_LIMIT, NETSUITE_EFFECTIVE_LIMIT, NETSUITE_IN_FLIGHT,
    NETSUITE_THROTTLED, Operation, record_connector_call,
};
use std::time::{Duration, Instant};

/// One HTTP attempt, timed from just before it is sent.
pub struct Attempt {
    operation: Operation,
    started: Instant,
}

impl Attempt {
    pub fn start(operation: Operation) -> Self {
        Self {
            operation,
            started: Instant::now(),
        }
    }

    pub fn succeeded(&self) {
        self.finish(CallOutcome::Ok);
    }

    /// A 429: counted as `throttled` and in `tandem_netsuite_throttled_total`.
    pub fn throttled(&self) {
        metrics::counter!(NETSUITE_THROTTLED).increment(1);
        crate::ops::signals::record_netsuite_throttled();
        self.finish(CallOutcome::Throttled);
    }

    pub fn failed(&self, class: ErrorClass) {
        self.finish(CallOutcome::Failed(class));
    }

    fn finish(&self, outcome: CallOutcome) {
        record_connector_call(
            System::Netsuite,
            self.operation,
            outcome,
            self.started.elapsed(),
        );
    }
}

/// Counts a call timed elsewhere (the M2M token request).
pub fn record(operation: Operation, outcome: CallOutcome, elapsed: Duration) {
    record_connector_call(System::Netsuite, operation, outcome, elapsed);
}

/// A governor slot was taken.
pub fn slot_taken() {
    metrics::gauge!(NETSUITE_IN_FLIGHT).increment(1.0);
    crate::ops::signals::record_netsuite_slot(true);
}

/// A governor slot was given back.
pub fn slot_released() {
    metrics::gauge!(NETSUITE_IN_FLIGHT).decrement(1.0);
    crate::ops::signals::record_netsuite_slot(false);
}

/// The configured limit, and the limit in force now.
pub fn limits(configured: usize, effective: usize) {
    metrics::gauge!(NETSUITE_CONCURRENCY_LIMIT).set(configured as f64);
    metrics::gauge!(NETSUITE_EFFECTIVE_LIMIT).set(effective as f64);
    crate::ops::signals::record_netsuite_limits(configured as u64, effective as u64);
}
