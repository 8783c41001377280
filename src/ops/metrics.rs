//! Metric names (`tandem_<noun>_<unit>[_total]`), their descriptions, and the process-wide
//! Prometheus recorder. Labels are route templates, sources, objects and reasons, never record ids.

use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use std::sync::OnceLock;

/// Change events received, by `source`, `object` and `outcome` (`accepted`, `duplicate`).
pub const EVENTS_RECEIVED: &str = "tandem_events_received_total";
/// Requests refused at ingress, by `source` and `reason`; nothing of them was queued.
pub const REQUESTS_REJECTED: &str = "tandem_ingress_rejected_total";
/// Webhooks whose signature (or Outbound Message organisation/token) did not verify, by `source` and `reason`.
pub const SIGNATURE_FAILURES: &str = "tandem_signature_failures_total";
/// Time to make a request's events durable, by `backend`.
pub const ENQUEUE_DURATION: &str = "tandem_enqueue_duration_seconds";
/// Events in the queue, by `state` (`total`, `delayed`, `in_flight`, `dead_letter`).
pub const QUEUE_DEPTH: &str = "tandem_queue_depth_events";
/// HTTP requests served, by `route` template, `method` and `status`.
pub const HTTP_REQUESTS: &str = "tandem_http_requests_total";
/// HTTP request duration, by `route` template and `method`.
pub const HTTP_DURATION: &str = "tandem_http_request_duration_seconds";

const LATENCY_BUCKETS: &[f64] = &[
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// The recorder is global to the process; every `App` in it (tests start several) shares it.
pub fn install() -> PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let recorder = PrometheusBuilder::new()
                .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), LATENCY_BUCKETS)
                .expect("bucket list is not empty")
                .build_recorder();
            let handle = recorder.handle();
            // Another recorder may already be installed (an embedding program); ours then
            // only renders what it sees, which is still a valid exposition.
            let _ = metrics::set_global_recorder(recorder);
            describe();
            handle
        })
        .clone()
}

fn describe() {
    use metrics::{Unit, describe_counter, describe_gauge, describe_histogram};
    describe_counter!(
        EVENTS_RECEIVED,
        "Change events received, by source, object and outcome"
    );
    describe_counter!(
        REQUESTS_REJECTED,
        "Ingress requests refused, by source and reason"
    );
    describe_counter!(
        SIGNATURE_FAILURES,
        "Webhooks that failed verification, by source and reason"
    );
    describe_histogram!(
        ENQUEUE_DURATION,
        Unit::Seconds,
        "Time to make a request's events durable"
    );
    describe_gauge!(QUEUE_DEPTH, "Events in the queue, by state");
    describe_counter!(
        HTTP_REQUESTS,
        "HTTP requests, by route template, method and status"
    );
    describe_histogram!(
        HTTP_DURATION,
        Unit::Seconds,
        "HTTP request duration, by route template"
    );
}
