//! The accept loop of the internet-facing port: hyper HTTP/1 connections with header, body and
//! idle deadlines, a cap on connections and on requests in flight, and a shutdown that lets
//! requests being handled finish while stalled connections are closed.

mod body;
mod connection;
mod lag;

pub use body::BodyTimeout;
pub use lag::SchedulingDelay;

use crate::config::ServerConfig;
use std::io;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

/// Connections admitted past `server.max_connections` when they send their request header
/// quickly; they keep `/healthz` answerable while slow clients hold every regular slot.
const QUICK_SLOTS: usize = 32;
/// The header deadline of a quick slot.
const QUICK_HEADER_TIMEOUT: Duration = Duration::from_secs(1);
/// Pause of the accept loop after an error such as EMFILE, so it does not spin.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(50);
/// At most one log line per this period about failing accepts.
const ACCEPT_LOG_PERIOD: Duration = Duration::from_secs(5);

/// The limits every connection is served under, from `[server]`.
#[derive(Debug, Clone)]
pub struct Limits {
    pub header_read_timeout: Duration,
    pub body_read_timeout: Duration,
    pub max_connections: usize,
    pub max_in_flight: usize,
    /// Past it, webhook requests are refused at once (see [`SchedulingDelay`]); `None`: never.
    pub max_scheduling_delay: Option<Duration>,
    pub shutdown_stall_timeout: Duration,
}

impl Limits {
    pub fn from_config(server: &ServerConfig) -> Self {
        Self {
            header_read_timeout: server.header_read_timeout,
            body_read_timeout: server.body_read_timeout,
            max_connections: server.max_connections,
            max_in_flight: server.max_in_flight,
            max_scheduling_delay: Some(server.max_scheduling_delay),
            shutdown_stall_timeout: server.shutdown_stall_timeout,
        }
    }
}

/// Serves `router` on `listener` until `stopping` is cancelled, then stops accepting and
/// returns once every connection has finished (the caller bounds that by its grace period).
pub async fn serve(
    listener: TcpListener,
    router: axum::Router,
    limits: Limits,
    stopping: CancellationToken,
) {
    let regular = Arc::new(Semaphore::new(limits.max_connections));
    let quick = Arc::new(Semaphore::new(QUICK_SLOTS));
    let scheduling_delay = match limits.max_scheduling_delay {
        Some(limit) => SchedulingDelay::watch(limit, stopping.clone()),
        None => SchedulingDelay::unmeasured(),
    };
    let shared = Arc::new(connection::Shared {
        router,
        in_flight: Arc::new(Semaphore::new(limits.max_in_flight)),
        scheduling_delay,
        limits,
        stopping: stopping.clone(),
    });
    let connections = TaskTracker::new();
    let mut failures = AcceptFailures::default();
    loop {
        let accepted = tokio::select! {
            _ = stopping.cancelled() => break,
            accepted = listener.accept() => accepted,
        };
        let stream = match accepted {
            Ok((stream, _peer)) => stream,
            Err(error) if is_per_connection(&error) => continue,
            Err(error) => {
                failures.record(&error);
                tokio::select! {
                    _ = stopping.cancelled() => break,
                    _ = tokio::time::sleep(ACCEPT_BACKOFF) => continue,
                }
            }
        };
        let (slot, header_timeout) = match regular.clone().try_acquire_owned() {
            Ok(slot) => (slot, None),
            Err(_) => match quick.clone().try_acquire_owned() {
                Ok(slot) => (slot, Some(QUICK_HEADER_TIMEOUT)),
                Err(_) => {
                    // Full: closing at once (with a reset, so no TIME_WAIT) frees the descriptor.
                    let _ = stream.set_zero_linger();
                    drop(stream);
                    metrics::counter!(crate::ops::metrics::CONNECTIONS_REFUSED).increment(1);
                    continue;
                }
            },
        };
        let shared = shared.clone();
        connections.spawn(async move {
            connection::run(stream, shared, header_timeout).await;
            drop(slot);
        });
    }
    drop(listener);
    connections.close();
    tracing::info!(
        open = connections.len(),
        "stopped accepting connections; waiting for open ones"
    );
    connections.wait().await;
}

/// Errors that concern one connection only (it was reset before we took it); the next accept
/// can go on at once.
fn is_per_connection(error: &io::Error) -> bool {
    matches!(
        error.kind(),
        io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionRefused
            | io::ErrorKind::Interrupted
    )
}

/// Rate-limited logging of failing accepts (EMFILE and the like come in bursts).
#[derive(Default)]
struct AcceptFailures {
    last_logged: Option<Instant>,
    suppressed: u64,
}

impl AcceptFailures {
    fn record(&mut self, error: &io::Error) {
        metrics::counter!(crate::ops::metrics::ACCEPT_ERRORS).increment(1);
        let due = self
            .last_logged
            .is_none_or(|at| at.elapsed() >= ACCEPT_LOG_PERIOD);
        if due {
            tracing::warn!(
                %error,
                suppressed = self.suppressed,
                "cannot accept connections (out of descriptors?); backing off"
            );
            self.last_logged = Some(Instant::now());
            self.suppressed = 0;
        } else {
            self.suppressed += 1;
        }
    }
}
