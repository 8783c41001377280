//! Every metric tandem exports: its name, type, unit, labels and HELP text, in one table.
//!
//! The `catalogue!` table below defines both the name constants the recording code uses and
//! [`CATALOGUE`], from which `describe()` gives every metric its HELP line; a metric cannot
//! be added to one and forgotten in the other.

use metrics::Unit;

/// The Prometheus type of a metric.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Counter,
    Gauge,
    Histogram,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Counter => "counter",
            Kind::Gauge => "gauge",
            Kind::Histogram => "histogram",
        }
    }
}

/// One exported metric.
#[derive(Debug, Clone, Copy)]
pub struct Metric {
    pub name: &'static str,
    pub kind: Kind,
    pub unit: Option<Unit>,
    /// Label names; every value of each comes from a fixed set (see `labels`).
    pub labels: &'static [&'static str],
    /// The HELP text.
    pub help: &'static str,
}

macro_rules! catalogue {
    ($(
        $(#[doc = $doc:literal])*
        $ident:ident = $name:literal, $kind:ident, $unit:expr, [$($label:literal),*], $help:literal;
    )*) => {
        $(
            $(#[doc = $doc])*
            pub const $ident: &str = $name;
        )*

        /// Every metric above, in the order of this file.
        pub const CATALOGUE: &[Metric] = &[$(
            Metric {
                name: $ident,
                kind: Kind::$kind,
                unit: $unit,
                labels: &[$($label),*],
                help: $help,
            },
        )*];
    };
}

catalogue! {
    // Ingress.

    /// Change events received, by `source`, `object` (a known object name or `other`) and
    /// `outcome` (`accepted`, `duplicate`).
    EVENTS_RECEIVED = "tandem_events_received_total", Counter, Some(Unit::Count),
        ["source", "object", "outcome"],
        "Change events received, by source, object and outcome (accepted, duplicate)";
    /// Requests refused at ingress, by `source` and `reason` (an `ApiError` code); nothing of
    /// them was queued.
    REQUESTS_REJECTED = "tandem_ingress_rejected_total", Counter, Some(Unit::Count),
        ["source", "reason"],
        "Ingress requests refused (nothing of them was queued), by source and reason";
    /// Webhooks whose signature (or Outbound Message organisation/token) did not verify, by
    /// `source` and `reason`.
    SIGNATURE_FAILURES = "tandem_signature_failures_total", Counter, Some(Unit::Count),
        ["source", "reason"],
        "Webhooks that failed verification (signature, Outbound Message token or organization), by source and reason";
    /// Salesforce Pub/Sub API change events received, by `object` (as for
    /// [`EVENTS_RECEIVED`]) and `outcome`: `queued` (new), `duplicate` (a redelivery the queue
    /// already had) or `undecodable` (skipped; logged with its replay id).
    PUBSUB_EVENTS = "tandem_pubsub_events_total", Counter, Some(Unit::Count),
        ["object", "outcome"],
        "Salesforce Pub/Sub API change events received, by object and outcome (queued, duplicate, undecodable)";
    /// From a change's commit in Salesforce to its events being queued (Pub/Sub API).
    PUBSUB_LAG = "tandem_pubsub_lag_seconds", Histogram, Some(Unit::Seconds),
        [],
        "Time from a Salesforce commit to its change events being queued (Pub/Sub API)";
    /// Pub/Sub API subscriptions opened again after they ended, by `reason` (`stream_error`,
    /// `auth` for a refused or expired session, `ended` when the server closed the stream).
    PUBSUB_RESUBSCRIBES = "tandem_pubsub_resubscribes_total", Counter, Some(Unit::Count),
        ["reason"],
        "Salesforce Pub/Sub API subscriptions opened again, by reason (stream_error, auth, ended)";
    /// Time to make one request's events durable, by queue `backend`.
    ENQUEUE_DURATION = "tandem_enqueue_duration_seconds", Histogram, Some(Unit::Seconds),
        ["backend"],
        "Time to make one request's events durable, by queue backend";

    // Queue.

    /// Events in the queue, by `state`: `ready` (waiting for a worker), `delayed` (waiting
    /// for a retry delay to pass) or `in_flight` (handed to a worker, not yet settled). The
    /// states are disjoint, so `sum()` is the number of events queued. Dead letters are not
    /// queued events; they have their own gauge.
    QUEUE_DEPTH = "tandem_queue_depth_events", Gauge, Some(Unit::Count),
        ["state"],
        "Events in the queue by state (ready, delayed, in_flight); states are disjoint, sum() is the events queued";
    /// How long the oldest queued event has waited (the embedded queue; RabbitMQ does not tell
    /// over AMQP, so there the gauge is absent).
    QUEUE_OLDEST_AGE = "tandem_queue_oldest_event_age_seconds", Gauge, Some(Unit::Seconds),
        [],
        "How long the oldest queued event has waited (embedded queue only)";
    /// Work-queue shards this instance consumes: on RabbitMQ its share of `queue.shards` among
    /// the live instances on the broker prefix. A shard counts for its new owner from when its
    /// consumer is attached (it may wait briefly behind the old owner's); the embedded queue
    /// does not set it.
    QUEUE_SHARDS_OWNED = "tandem_queue_shards_owned", Gauge, Some(Unit::Count),
        [],
        "Work-queue shards this instance consumes (RabbitMQ: its share among the live instances)";
    /// Dead letters waiting for an operator (replay or discard); not part of the queue depth.
    DEAD_LETTERS = "tandem_dead_letters_events", Gauge, Some(Unit::Count),
        [],
        "Dead letters waiting for an operator to replay or discard them (not part of the queue depth)";

    // HTTP.

    /// HTTP requests served, by `route` (template, or `unmatched`), `method` (a standard
    /// method, or `other`) and `status`.
    HTTP_REQUESTS = "tandem_http_requests_total", Counter, Some(Unit::Count),
        ["route", "method", "status"],
        "HTTP requests served, by route template (or unmatched), method (or other) and status";
    /// HTTP request duration, by `route` and `method` as for [`HTTP_REQUESTS`].
    HTTP_DURATION = "tandem_http_request_duration_seconds", Histogram, Some(Unit::Seconds),
        ["route", "method"],
        "HTTP request duration, by route template (or unmatched) and method (or other)";
    /// Connections closed on accept because every slot (`server.max_connections` and the quick
    /// slots) was taken.
    CONNECTIONS_REFUSED = "tandem_connections_refused_total", Counter, Some(Unit::Count),
        [],
        "Connections closed on accept because every connection slot was taken";
    /// Failed accepts of the listener (EMFILE and the like), each followed by a short pause.
    ACCEPT_ERRORS = "tandem_accept_errors_total", Counter, Some(Unit::Count),
        [],
        "Failed accepts of the listener (out of descriptors and the like)";
    /// Requests answered 503 `overloaded` because `server.max_in_flight` were in progress.
    REQUESTS_OVERLOADED = "tandem_requests_overloaded_total", Counter, Some(Unit::Count),
        [],
        "Requests answered 503 overloaded because server.max_in_flight were in progress";

    // Sync.

    /// Events settled by a worker, by `source`, `object` and `outcome` (`written`, `echo`,
    /// `ignored`, `stale`, `duplicate`, `conflict`, `retry`, `dead_letter`).
    EVENTS_PROCESSED = "tandem_events_processed_total", Counter, Some(Unit::Count),
        ["source", "object", "outcome"],
        "Events settled by a worker, by source, object and outcome";
    /// Time from receipt at ingress to the end of processing, by `source` and `object`. A
    /// retried event can take hours, so the buckets reach a day.
    SYNC_LATENCY = "tandem_sync_latency_seconds", Histogram, Some(Unit::Seconds),
        ["source", "object"],
        "Time from receipt at ingress to the end of processing (retries included), by source and object";
    /// Requests sent to Salesforce and NetSuite while applying events, by `flow` and `system`;
    /// divided by the events processed, the requests one event of a flow costs.
    SYNC_REQUESTS = "tandem_sync_requests_total", Counter, Some(Unit::Count),
        ["flow", "system"],
        "Requests sent to Salesforce and NetSuite while applying events, by flow and system";
    /// Events whose previous worker died while applying them (they are applied again, after a
    /// check for the write having landed).
    EVENTS_IN_DOUBT = "tandem_events_in_doubt_total", Counter, Some(Unit::Count),
        [],
        "Events whose previous worker died while applying them; they are applied again";

    // Connectors.

    /// HTTP calls to Salesforce and NetSuite, one per attempt, by `system`, `operation` and
    /// `outcome` (`ok`, `throttled`, or the error class).
    CONNECTOR_REQUESTS = "tandem_connector_requests_total", Counter, Some(Unit::Count),
        ["system", "operation", "outcome"],
        "HTTP calls to Salesforce and NetSuite (one per attempt), by system, operation and outcome";
    /// Duration of one HTTP call to Salesforce or NetSuite (NetSuite's wait for a governor
    /// slot excluded), by `system`, `operation` and `outcome`.
    CONNECTOR_DURATION = "tandem_connector_request_duration_seconds", Histogram, Some(Unit::Seconds),
        ["system", "operation", "outcome"],
        "Duration of one HTTP call to Salesforce or NetSuite (slot wait excluded), by system, operation and outcome";
    /// 429 answers from NetSuite (the account's concurrency limit was reached).
    NETSUITE_THROTTLED = "tandem_netsuite_throttled_total", Counter, Some(Unit::Count),
        [],
        "429 answers from NetSuite (the account's concurrency limit was reached)";
    /// NetSuite requests holding a governor slot now; compare with
    /// [`NETSUITE_CONCURRENCY_LIMIT`].
    NETSUITE_IN_FLIGHT = "tandem_netsuite_requests_in_flight", Gauge, Some(Unit::Count),
        [],
        "NetSuite requests holding a concurrency slot now";
    /// The configured NetSuite concurrency limit (`netsuite.concurrency`).
    NETSUITE_CONCURRENCY_LIMIT = "tandem_netsuite_concurrency_limit", Gauge, Some(Unit::Count),
        [],
        "Configured NetSuite concurrency limit (netsuite.concurrency)";
    /// The NetSuite concurrency limit in force now: halved after a 429, raised back one slot
    /// at a time after successes.
    NETSUITE_EFFECTIVE_LIMIT = "tandem_netsuite_effective_concurrency_limit", Gauge, Some(Unit::Count),
        [],
        "NetSuite concurrency limit in force now (lowered after 429s, back to the configured one after successes)";
    /// API calls the Salesforce org has made in the last 24 hours (latest `Sforce-Limit-Info`).
    SALESFORCE_API_USAGE = "tandem_salesforce_api_usage_calls", Gauge, Some(Unit::Count),
        [],
        "API calls the Salesforce org made in the last 24 hours (latest Sforce-Limit-Info)";
    /// The Salesforce org's 24-hour API call allowance (latest `Sforce-Limit-Info`).
    SALESFORCE_API_LIMIT = "tandem_salesforce_api_limit_calls", Gauge, Some(Unit::Count),
        [],
        "The Salesforce org's 24-hour API call allowance (latest Sforce-Limit-Info)";

    // Reconciliation.

    /// Reconciliation runs, by `flow` and `outcome` (`ok`, `failed`).
    RECONCILE_RUNS = "tandem_reconcile_runs_total", Counter, Some(Unit::Count),
        ["flow", "outcome"],
        "Reconciliation runs, by flow and outcome (ok, failed)";
    /// Linked records a reconciliation run compared with their counterpart, by `flow`.
    RECONCILE_COMPARED = "tandem_reconcile_records_compared_total", Counter, Some(Unit::Count),
        ["flow"],
        "Linked records reconciliation compared with their counterpart, by flow";
    /// Differences no event explained, by `flow` and `action` (`repaired`: a repair event was
    /// queued; `review`: a conflict was parked).
    RECONCILE_DIFFERENCES = "tandem_reconcile_differences_total", Counter, Some(Unit::Count),
        ["flow", "action"],
        "Differences reconciliation found that no event explained, by flow and action (repaired, review)";
    /// When the last successful run of a flow ended (Unix seconds).
    RECONCILE_LAST_SUCCESS = "tandem_reconcile_last_success_timestamp_seconds", Gauge, Some(Unit::Seconds),
        ["flow"],
        "When the flow's last successful reconciliation run ended (Unix seconds)";

    // Alerts.

    /// Alert digests a channel took, by `channel` (`slack`, `webhook`, `email`).
    ALERTS_SENT = "tandem_alerts_sent_total", Counter, Some(Unit::Count),
        ["channel"],
        "Alert digests a channel took, by channel (slack, webhook, email)";
    /// Alert digests a channel failed to take (error answer, refused, or no answer within
    /// `alerts.send_timeout`), by `channel`; their content goes with the channel's next digest.
    ALERTS_FAILED = "tandem_alerts_failed_total", Counter, Some(Unit::Count),
        ["channel"],
        "Alert digests a channel failed to take (their content goes with the next digest), by channel";
}
