//! Metrics: every name (`tandem_<noun>_<unit>[_total]`) and its HELP text, the fixed sets
//! label values come from, histogram buckets, the process-wide Prometheus recorder, and the
//! few recording helpers shared by more than one module. Labels are route templates, sources,
//! objects and reasons, never record ids or anything secret.

mod labels;
mod names;

pub use labels::{
    CallOutcome, NETSUITE_OBJECTS, OTHER, Operation, SALESFORCE_OBJECTS, UNMATCHED_ROUTE,
    method_label, object_label,
};
pub use names::*;

use crate::connectors::error::System;
use crate::queue::QueueDepth;
use metrics::{KeyName, SharedString};
use metrics_exporter_prometheus::{BuildError, Matcher, PrometheusBuilder, PrometheusHandle};
use std::sync::OnceLock;
use std::time::Duration;

/// Request-scale durations (HTTP, enqueue, connector calls): 0.5 ms to 30 s.
pub const REQUEST_BUCKETS: &[f64] = &[
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

/// Receipt-to-applied latency: seconds when all goes well, hours when an event waits out its
/// retry schedule; the last bucket is a day.
pub const SYNC_LATENCY_BUCKETS: &[f64] = &[
    0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0, 900.0, 1800.0, 3600.0, 7200.0,
    14400.0, 28800.0, 86400.0,
];

/// The builder with tandem's buckets (also used by tests with a local recorder).
pub fn builder() -> Result<PrometheusBuilder, BuildError> {
    PrometheusBuilder::new()
        .set_buckets(REQUEST_BUCKETS)?
        .set_buckets_for_metric(Matcher::Full(SYNC_LATENCY.into()), SYNC_LATENCY_BUCKETS)
}

/// The recorder is global to the process; every `App` in it (tests start several) shares it.
pub fn install() -> PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let recorder = builder()
                .expect("the bucket lists are constant and not empty")
                .build_recorder();
            let handle = recorder.handle();
            // Another recorder may already be installed (an embedding program); ours then
            // only renders what it sees, which is still a valid exposition.
            let _ = metrics::set_global_recorder(recorder);
            describe();
            spawn_upkeep(handle.clone());
            handle
        })
        .clone()
}

/// How often recorded histogram samples are folded into their buckets.
const UPKEEP_EVERY: Duration = Duration::from_secs(5);

/// Histogram samples are kept raw until upkeep folds them into buckets; without it they pile
/// up between scrapes (8 bytes a request, for ever when nothing scrapes). A thread of its own,
/// since the recorder outlives any one runtime.
fn spawn_upkeep(handle: PrometheusHandle) {
    let spawned = std::thread::Builder::new()
        .name("metrics-upkeep".into())
        .spawn(move || {
            loop {
                std::thread::sleep(UPKEEP_EVERY);
                handle.run_upkeep();
            }
        });
    if let Err(error) = spawned {
        tracing::warn!(%error, "could not start metrics upkeep; histograms fold only on scrape");
    }
}

/// Gives every metric of the catalogue its HELP text and unit, on the current recorder.
pub fn describe() {
    metrics::with_recorder(|recorder| {
        for metric in CATALOGUE {
            let name = KeyName::from_const_str(metric.name);
            let help = SharedString::const_str(metric.help);
            match metric.kind {
                Kind::Counter => recorder.describe_counter(name, metric.unit, help),
                Kind::Gauge => recorder.describe_gauge(name, metric.unit, help),
                Kind::Histogram => recorder.describe_histogram(name, metric.unit, help),
            }
        }
    });
}

/// Sets the queue depth gauges from the queue's counts: `ready`, `delayed` and `in_flight`
/// are disjoint (a queue's `total` holds all three), dead letters go to their own gauge.
pub fn record_queue_depth(depth: &QueueDepth) {
    let ready = depth
        .total
        .saturating_sub(depth.delayed)
        .saturating_sub(depth.in_flight);
    for (state, value) in [
        ("ready", ready),
        ("delayed", depth.delayed),
        ("in_flight", depth.in_flight),
    ] {
        metrics::gauge!(QUEUE_DEPTH, "state" => state).set(value as f64);
    }
    metrics::gauge!(DEAD_LETTERS).set(depth.dead_letters as f64);
    if let Some(age) = depth.oldest_age_ms {
        metrics::gauge!(QUEUE_OLDEST_AGE).set(age as f64 / 1000.0);
    }
}

/// Counts one HTTP call to Salesforce or NetSuite and records how long it took.
pub fn record_connector_call(
    system: System,
    operation: Operation,
    outcome: CallOutcome,
    elapsed: Duration,
) {
    let labels = [
        ("system", system.as_str()),
        ("operation", operation.as_str()),
        ("outcome", outcome.as_str()),
    ];
    metrics::counter!(CONNECTOR_REQUESTS, &labels).increment(1);
    metrics::histogram!(CONNECTOR_DURATION, &labels).record(elapsed.as_secs_f64());
}

#[cfg(test)]
mod tests;
