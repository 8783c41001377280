//! What the sandbox saw: a bounded request log and counters (requests by status, 429s, auth
//! failures, in-flight and peak in-flight), for tests, the demo and curious users. A write's
//! log entry names the event whose origin stamp it carried, so a reader can tell which event
//! caused which write.

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::header::CONTENT_LENGTH;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;
use std::collections::{BTreeMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// Most requests kept in the log; older ones are dropped.
const LOG_CAPACITY: usize = 10_000;
/// Largest write body read for its origin stamp; a larger one is logged without it.
const MAX_STAMPED_BODY: usize = 1024 * 1024;

#[derive(Debug, Clone, Serialize)]
pub struct RequestRecord {
    /// The request's number, from 1 (since the last reset): a reader paging with `after`
    /// sees from a gap that older requests left the log before it read them.
    pub seq: u64,
    pub at: DateTime<Utc>,
    pub method: String,
    /// Path and query.
    pub path: String,
    pub status: u16,
    /// The `Sforce-Call-Options` header, when sent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub call_options: Option<String>,
    /// The origin stamp a write's JSON body carried (tandem's event id), when it had one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub origin: Option<String>,
    pub duration_ms: u64,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Counters {
    pub requests: u64,
    pub by_status: BTreeMap<u16, u64>,
    /// Requests refused for concurrency (NetSuite 429).
    pub throttled: u64,
    pub auth_failures: u64,
    pub faults_injected: u64,
    /// Admitted requests being served now, and the most ever at once.
    pub in_flight: u64,
    pub peak_in_flight: u64,
    /// API calls by operation name (e.g. `upsert`, `composite_upsert`, `query`, `token`).
    pub operations: BTreeMap<String, u64>,
    pub echoes_sent: u64,
    pub echoes_failed: u64,
}

#[derive(Clone, Default)]
pub struct Journal {
    inner: Arc<Mutex<Inner>>,
    in_flight: Arc<AtomicU64>,
    peak: Arc<AtomicU64>,
}

#[derive(Default)]
struct Inner {
    log: VecDeque<RequestRecord>,
    counters: Counters,
}

/// Held while an admitted request is served.
pub struct InFlight(Arc<AtomicU64>);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

impl Journal {
    fn with<T>(&self, f: impl FnOnce(&mut Inner) -> T) -> T {
        // A panic while holding the lock leaves plain data; keep using it.
        let mut inner = self
            .inner
            .lock()
            .unwrap_or_else(|poison| poison.into_inner());
        f(&mut inner)
    }

    /// Logs a request, numbering it (its `seq` is set here).
    pub fn record(&self, mut record: RequestRecord) {
        self.with(|inner| {
            inner.counters.requests += 1;
            record.seq = inner.counters.requests;
            *inner.counters.by_status.entry(record.status).or_default() += 1;
            if inner.log.len() == LOG_CAPACITY {
                inner.log.pop_front();
            }
            inner.log.push_back(record);
        });
    }

    pub fn count_throttled(&self) {
        self.with(|inner| inner.counters.throttled += 1);
    }

    pub fn count_auth_failure(&self) {
        self.with(|inner| inner.counters.auth_failures += 1);
    }

    pub fn count_fault(&self) {
        self.with(|inner| inner.counters.faults_injected += 1);
    }

    pub fn count_operation(&self, operation: &str) {
        self.with(|inner| {
            *inner
                .counters
                .operations
                .entry(operation.to_owned())
                .or_default() += 1
        });
    }

    pub fn count_echo(&self, delivered: bool) {
        self.with(|inner| {
            if delivered {
                inner.counters.echoes_sent += 1;
            } else {
                inner.counters.echoes_failed += 1;
            }
        });
    }

    /// Marks an admitted request in flight until the guard drops.
    pub fn enter(&self) -> InFlight {
        let now = self.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        self.peak.fetch_max(now, Ordering::SeqCst);
        InFlight(self.in_flight.clone())
    }

    pub fn counters(&self) -> Counters {
        let mut counters = self.with(|inner| inner.counters.clone());
        counters.in_flight = self.in_flight.load(Ordering::SeqCst);
        counters.peak_in_flight = self.peak.load(Ordering::SeqCst);
        counters
    }

    /// The newest `limit` requests, oldest first.
    pub fn requests(&self, limit: usize) -> Vec<RequestRecord> {
        self.with(|inner| {
            let skip = inner.log.len().saturating_sub(limit);
            inner.log.iter().skip(skip).cloned().collect()
        })
    }

    /// Up to `limit` requests numbered after `after`, oldest first.
    pub fn requests_after(&self, after: u64, limit: usize) -> Vec<RequestRecord> {
        self.with(|inner| {
            let start = inner.log.partition_point(|record| record.seq <= after);
            inner.log.iter().skip(start).take(limit).cloned().collect()
        })
    }

    /// Zeroes counters and the log (peak included).
    pub fn reset(&self) {
        self.with(|inner| *inner = Inner::default());
        self.peak
            .store(self.in_flight.load(Ordering::SeqCst), Ordering::SeqCst);
    }
}

/// Middleware: logs every API request (not `/_sandbox` ones) with its final status.
pub async fn log_requests(
    State(journal): State<Journal>,
    request: Request,
    next: Next,
) -> Response {
    let path = request
        .uri()
        .path_and_query()
        .map(|pq| pq.as_str().to_owned())
        .unwrap_or_default();
    if path.starts_with("/_sandbox") {
        return next.run(request).await;
    }
    let method = request.method().as_str().to_owned();
    let call_options = request
        .headers()
        .get("sforce-call-options")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let started = Instant::now();
    let (request, origin) = match stamped_write(request).await {
        Ok(read) => read,
        Err(refused) => return refused,
    };
    let response = next.run(request).await;
    journal.record(RequestRecord {
        seq: 0,
        at: Utc::now(),
        method,
        path,
        status: response.status().as_u16(),
        call_options,
        origin,
        duration_ms: started.elapsed().as_millis() as u64,
    });
    response
}

/// A write (`POST`, `PUT`, `PATCH`) of known, modest length is read for its origin stamp and
/// handed on with the same bytes; anything else passes untouched.
async fn stamped_write(request: Request) -> Result<(Request, Option<String>), Response> {
    let is_write = matches!(request.method().as_str(), "POST" | "PUT" | "PATCH");
    let length = request
        .headers()
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if !is_write || length.is_none_or(|length| length > MAX_STAMPED_BODY) {
        return Ok((request, None));
    }
    let (parts, body) = request.into_parts();
    let bytes = axum::body::to_bytes(body, MAX_STAMPED_BODY)
        .await
        .map_err(|_| axum::http::StatusCode::BAD_REQUEST.into_response())?;
    let origin = origin_stamp(&bytes);
    Ok((Request::from_parts(parts, Body::from(bytes)), origin))
}

/// tandem's origin stamp in a JSON body: a top-level field named like `Tandem_Sync_Origin__c`
/// or `custentity_tandem_origin` holding text.
fn origin_stamp(body: &[u8]) -> Option<String> {
    let value: Value = serde_json::from_slice(body).ok()?;
    value.as_object()?.iter().find_map(|(name, value)| {
        let name = name.to_ascii_lowercase();
        (name.contains("tandem") && name.contains("origin"))
            .then(|| value.as_str().map(str::to_owned))
            .flatten()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn peak_in_flight_remembers_the_most_at_once() {
        let journal = Journal::default();
        let a = journal.enter();
        let b = journal.enter();
        drop(a);
        let _c = journal.enter();
        drop(b);
        let counters = journal.counters();
        assert_eq!(counters.in_flight, 1);
        assert_eq!(counters.peak_in_flight, 2);
    }

    /// A `GET /x` answered with `status`.
    fn get_x(status: u16) -> RequestRecord {
        RequestRecord {
            seq: 0,
            at: Utc::now(),
            method: "GET".into(),
            path: "/x".into(),
            status,
            call_options: None,
            origin: None,
            duration_ms: 0,
        }
    }

    #[test]
    fn the_log_keeps_the_newest_requests() {
        let journal = Journal::default();
        for status in [200, 201, 429] {
            journal.record(get_x(status));
        }
        let last_two: Vec<_> = journal.requests(2).iter().map(|r| r.status).collect();
        assert_eq!(last_two, [201, 429]);
        assert_eq!(journal.counters().by_status[&429], 1);
    }

    #[test]
    fn requests_after_a_number_page_on_from_it() {
        let journal = Journal::default();
        for status in [200, 201, 204, 429] {
            journal.record(get_x(status));
        }
        let page: Vec<_> = journal
            .requests_after(1, 2)
            .iter()
            .map(|r| (r.seq, r.status))
            .collect();
        assert_eq!(page, [(2, 201), (3, 204)]);
        assert!(journal.requests_after(4, 10).is_empty());
    }

    #[test]
    fn a_write_names_the_event_whose_origin_stamp_it_carried() {
        let salesforce = br#"{"Credit_Limit__c": 5, "Tandem_Sync_Origin__c": "netsuite:w-1#0"}"#;
        assert_eq!(origin_stamp(salesforce).as_deref(), Some("netsuite:w-1#0"));
        let netsuite = br#"{"custentity_arr": 5, "custentity_tandem_origin": "salesforce:w-2#0"}"#;
        assert_eq!(origin_stamp(netsuite).as_deref(), Some("salesforce:w-2#0"));
        assert_eq!(origin_stamp(br#"{"Tandem_Sync_Origin__c": null}"#), None);
        assert_eq!(origin_stamp(br#"{"records": []}"#), None);
        assert_eq!(origin_stamp(b"not json"), None);
    }
}
