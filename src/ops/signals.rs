//! Process-wide readings the alert loop and the ops page sample: the Salesforce org's API
//! usage, NetSuite's requests in flight against its limits and its 429s, and the events workers
//! settled. Kept beside the metrics that export the same values
//! (recorded at the same places), so that alerts read shared state instead of scraping
//! `/metrics`; like the Prometheus recorder they are global to the process.

use std::sync::atomic::{AtomicU64, Ordering};

static SALESFORCE_API_USED: AtomicU64 = AtomicU64::new(0);
static SALESFORCE_API_LIMIT: AtomicU64 = AtomicU64::new(0);
static NETSUITE_THROTTLED: AtomicU64 = AtomicU64::new(0);
static NETSUITE_IN_FLIGHT: AtomicU64 = AtomicU64::new(0);
static NETSUITE_LIMIT: AtomicU64 = AtomicU64::new(0);
static NETSUITE_EFFECTIVE_LIMIT: AtomicU64 = AtomicU64::new(0);
static EVENTS_SETTLED: AtomicU64 = AtomicU64::new(0);

/// The latest `Sforce-Limit-Info` reading: calls used and allowed in the last 24 hours.
pub fn record_salesforce_usage(used: u64, limit: u64) {
    SALESFORCE_API_USED.store(used, Ordering::Relaxed);
    SALESFORCE_API_LIMIT.store(limit, Ordering::Relaxed);
}

/// One 429 answer from NetSuite.
pub fn record_netsuite_throttled() {
    NETSUITE_THROTTLED.fetch_add(1, Ordering::Relaxed);
}

/// A NetSuite concurrency slot was taken (`true`) or given back.
pub fn record_netsuite_slot(taken: bool) {
    if taken {
        NETSUITE_IN_FLIGHT.fetch_add(1, Ordering::Relaxed);
    } else {
        // Never below zero, whatever the order of a release and a reading.
        let _ = NETSUITE_IN_FLIGHT.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| {
            Some(n.saturating_sub(1))
        });
    }
}

/// NetSuite's configured concurrency limit, and the one in force now (lower after 429s).
pub fn record_netsuite_limits(configured: u64, effective: u64) {
    NETSUITE_LIMIT.store(configured, Ordering::Relaxed);
    NETSUITE_EFFECTIVE_LIMIT.store(effective, Ordering::Relaxed);
}

/// One event settled by a worker, whatever its outcome.
pub fn record_event_settled() {
    EVENTS_SETTLED.fetch_add(1, Ordering::Relaxed);
}

/// A copy of every reading at one moment.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Readings {
    pub salesforce_api_used: u64,
    /// 0 until Salesforce has answered with a `Sforce-Limit-Info` header.
    pub salesforce_api_limit: u64,
    /// 429s since the process started.
    pub netsuite_throttled: u64,
    pub netsuite_in_flight: u64,
    /// 0 until the NetSuite connector has started (sync off).
    pub netsuite_limit: u64,
    pub netsuite_effective_limit: u64,
    /// Events settled since the process started.
    pub events_settled: u64,
}

pub fn read() -> Readings {
    Readings {
        salesforce_api_used: SALESFORCE_API_USED.load(Ordering::Relaxed),
        salesforce_api_limit: SALESFORCE_API_LIMIT.load(Ordering::Relaxed),
        netsuite_throttled: NETSUITE_THROTTLED.load(Ordering::Relaxed),
        netsuite_in_flight: NETSUITE_IN_FLIGHT.load(Ordering::Relaxed),
        netsuite_limit: NETSUITE_LIMIT.load(Ordering::Relaxed),
        netsuite_effective_limit: NETSUITE_EFFECTIVE_LIMIT.load(Ordering::Relaxed),
        events_settled: EVENTS_SETTLED.load(Ordering::Relaxed),
    }
}
