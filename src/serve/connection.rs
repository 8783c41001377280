//! One HTTP/1 connection: hyper with a header deadline, each request under the in-flight cap
//! and a body deadline, and its end on shutdown (finish the request being handled, close a
//! connection that stalls).

use super::Limits;
use super::body::DeadlineBody;
use crate::ingress::soap_response::{self, FaultCode};
use axum::body::Body;
use axum::http::{HeaderValue, Request, Response, StatusCode, header};
use axum::response::IntoResponse;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use serde_json::json;
use std::convert::Infallible;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use tokio::net::TcpStream;
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;
use tower::ServiceExt;

/// How often, during shutdown, a connection whose request is being handled is looked at again.
const SHUTDOWN_CHECK_INTERVAL: Duration = Duration::from_millis(100);

/// What every connection shares.
pub(super) struct Shared {
    pub router: axum::Router,
    pub in_flight: Arc<Semaphore>,
    pub scheduling_delay: super::SchedulingDelay,
    pub limits: Limits,
    pub stopping: CancellationToken,
}

/// Serves one connection to its end. `quick_header_timeout` marks a connection admitted past
/// `server.max_connections`: a shorter header deadline and no keep-alive.
pub(super) async fn run(
    stream: TcpStream,
    shared: Arc<Shared>,
    quick_header_timeout: Option<Duration>,
) {
    let activity = Arc::new(Activity::new());
    let header_timeout = quick_header_timeout.map_or(shared.limits.header_read_timeout, |quick| {
        quick.min(shared.limits.header_read_timeout)
    });
    let service = {
        let shared = shared.clone();
        let activity = activity.clone();
        hyper::service::service_fn(move |request: Request<Incoming>| {
            let shared = shared.clone();
            let activity = activity.clone();
            async move { Ok::<_, Infallible>(handle(request, &shared, activity).await) }
        })
    };
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(header_timeout)
        .keep_alive(quick_header_timeout.is_none());
    let connection = builder.serve_connection(TokioIo::new(stream), service);
    let mut connection = std::pin::pin!(connection);
    tokio::select! {
        result = connection.as_mut() => return finished(result),
        _ = shared.stopping.cancelled() => {}
    }
    // Closes the connection now if it is between requests, or after the response being made.
    connection.as_mut().graceful_shutdown();
    let window = shared.limits.shutdown_stall_timeout;
    loop {
        // Until the connection stalls, look again a little later (never in a busy loop).
        let next = activity
            .stall_deadline(window)
            .max(Instant::now() + SHUTDOWN_CHECK_INTERVAL);
        let check = tokio::time::sleep_until(next.into());
        tokio::select! {
            result = connection.as_mut() => return finished(result),
            _ = check => {
                if activity.stalled(window) {
                    tracing::debug!("closing a stalled connection on shutdown");
                    return;
                }
            }
        }
    }
}

fn finished(result: Result<(), hyper::Error>) {
    if let Err(error) = result {
        // Timeouts, resets and garbage from clients: theirs to fix, not ours to alarm about.
        tracing::debug!(%error, "connection closed with an error");
    }
}

async fn handle(
    request: Request<Incoming>,
    shared: &Shared,
    activity: Arc<Activity>,
) -> Response<Body> {
    let _handling = Handling::begin(&activity);
    let path = request.uri().path().to_owned();
    let exempt = path == "/healthz" || path == "/readyz";
    // The cores are saturated and requests pile up: refusing now is what keeps the admitted
    // ones fast. A few requests on a busy host are served: refusing them would free nothing.
    if path.starts_with(WEBHOOKS)
        && shared.scheduling_delay.exceeded()
        && in_flight(shared) >= SATURATED_IN_FLIGHT
    {
        metrics::counter!(crate::ops::metrics::REQUESTS_OVERLOADED).increment(1);
        return overloaded(&path);
    }
    let _permit = if exempt {
        None
    } else {
        match shared.in_flight.clone().try_acquire_owned() {
            Ok(permit) => Some(permit),
            Err(_) => {
                metrics::counter!(crate::ops::metrics::REQUESTS_OVERLOADED).increment(1);
                return overloaded(&path);
            }
        }
    };
    let expired = Arc::new(AtomicBool::new(false));
    let (parts, body) = request.into_parts();
    let body = DeadlineBody::new(
        body,
        shared.limits.body_read_timeout,
        expired.clone(),
        activity,
    );
    let request = Request::from_parts(parts, Body::new(body));
    let response = match shared.router.clone().oneshot(request).await {
        Ok(response) => response,
        Err(never) => match never {},
    };
    if expired.load(Ordering::Acquire) {
        return request_timeout(&path, shared.limits.body_read_timeout);
    }
    response
}

/// The routes senders retry on a 503, so the ones refused when the cores are saturated.
const WEBHOOKS: &str = "/webhooks/";
/// Requests being handled from which a scheduling delay past the limit refuses new ones.
pub(super) const SATURATED_IN_FLIGHT: usize = 8;

fn in_flight(shared: &Shared) -> usize {
    shared
        .limits
        .max_in_flight
        .saturating_sub(shared.in_flight.available_permits())
}

/// The SOAP endpoint answers Faults, every other one JSON `{"error","message"}`.
const SOAP_PATH: &str = "/webhooks/salesforce/outbound-message";

fn overloaded(path: &str) -> Response<Body> {
    let mut response = refusal(
        path,
        StatusCode::SERVICE_UNAVAILABLE,
        "overloaded",
        "too many requests in progress; retry later".to_owned(),
    );
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
    response
}

fn request_timeout(path: &str, limit: Duration) -> Response<Body> {
    let message = format!(
        "the request body did not arrive within {}",
        humantime::format_duration(limit)
    );
    let mut response = refusal(
        path,
        StatusCode::REQUEST_TIMEOUT,
        "request_timeout",
        message,
    );
    // The rest of the body may never come: do not wait for it to reuse the connection.
    response
        .headers_mut()
        .insert(header::CONNECTION, HeaderValue::from_static("close"));
    response
}

fn refusal(path: &str, status: StatusCode, code: &str, message: String) -> Response<Body> {
    if path == SOAP_PATH {
        let fault = if status.is_server_error() {
            FaultCode::Server
        } else {
            FaultCode::Client
        };
        (
            status,
            [(header::CONTENT_TYPE, soap_response::CONTENT_TYPE)],
            soap_response::fault(fault, &message),
        )
            .into_response()
    } else {
        (
            status,
            axum::Json(json!({ "error": code, "message": message })),
        )
            .into_response()
    }
}

/// What the shutdown check needs to know about a connection: whether a request is being
/// handled, whether its body is still arriving, and when anything last moved.
pub(super) struct Activity {
    origin: Instant,
    handling: AtomicUsize,
    body_pending: AtomicBool,
    /// Nanoseconds after `origin` of the last progress (a request begun or ended, body bytes).
    last_progress: AtomicU64,
}

impl Activity {
    fn new() -> Self {
        Self {
            origin: Instant::now(),
            handling: AtomicUsize::new(0),
            body_pending: AtomicBool::new(false),
            last_progress: AtomicU64::new(0),
        }
    }

    pub(super) fn progressed(&self) {
        let nanos = u64::try_from(self.origin.elapsed().as_nanos()).unwrap_or(u64::MAX);
        self.last_progress.store(nanos, Ordering::Release);
    }

    pub(super) fn body_pending(&self, pending: bool) {
        self.body_pending.store(pending, Ordering::Release);
    }

    fn stall_deadline(&self, window: Duration) -> Instant {
        self.origin + Duration::from_nanos(self.last_progress.load(Ordering::Acquire)) + window
    }

    /// No complete request is being handled, or its body stopped arriving, for `window`.
    fn stalled(&self, window: Duration) -> bool {
        let waiting =
            self.handling.load(Ordering::Acquire) == 0 || self.body_pending.load(Ordering::Acquire);
        waiting && Instant::now() >= self.stall_deadline(window)
    }
}

/// Marks a request as being handled for as long as it lives.
struct Handling(Arc<Activity>);

impl Handling {
    fn begin(activity: &Arc<Activity>) -> Self {
        activity.handling.fetch_add(1, Ordering::AcqRel);
        activity.progressed();
        Self(activity.clone())
    }
}

impl Drop for Handling {
    fn drop(&mut self) {
        self.0.body_pending(false);
        self.0.handling.fetch_sub(1, Ordering::AcqRel);
        self.0.progressed();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LONG: Duration = Duration::from_secs(3600);

    #[test]
    fn a_connection_without_a_request_stalls_once_the_window_has_passed() {
        let activity = Arc::new(Activity::new());
        assert!(activity.stalled(Duration::ZERO));
        assert!(!activity.stalled(LONG));
    }

    #[test]
    fn a_request_being_handled_with_its_whole_body_never_stalls() {
        let activity = Arc::new(Activity::new());
        let handling = Handling::begin(&activity);
        assert!(!activity.stalled(Duration::ZERO));
        drop(handling);
        assert!(
            activity.stalled(Duration::ZERO),
            "done: the connection is idle"
        );
    }

    #[test]
    fn a_request_whose_body_stopped_arriving_stalls() {
        let activity = Arc::new(Activity::new());
        let _handling = Handling::begin(&activity);
        activity.body_pending(true);
        assert!(activity.stalled(Duration::ZERO));
        activity.progressed();
        assert!(!activity.stalled(LONG), "bytes just arrived");
    }

    #[test]
    fn refusals_answer_json_or_a_soap_fault_by_endpoint() {
        let json = overloaded("/webhooks/netsuite/events");
        assert_eq!(json.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(json.headers()[header::RETRY_AFTER], "1");
        assert_eq!(json.headers()[header::CONTENT_TYPE], "application/json");
        let soap = request_timeout(SOAP_PATH, Duration::from_secs(30));
        assert_eq!(soap.status(), StatusCode::REQUEST_TIMEOUT);
        assert_eq!(
            soap.headers()[header::CONTENT_TYPE],
            soap_response::CONTENT_TYPE
        );
        assert_eq!(soap.headers()[header::CONNECTION], "close");
    }
}
