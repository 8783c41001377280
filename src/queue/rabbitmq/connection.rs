//! Opening broker connections within a bounded time, and the jittered exponential backoff that
//! every reconnect path uses so that an unreachable broker is retried without a busy loop.

use crate::queue::QueueError;
use lapin::{Connection, ConnectionProperties};
use std::time::Duration;

/// How long opening a connection (TCP, TLS, AMQP handshake) may take before the broker counts
/// as unreachable; ingress answers 503 after at most this.
pub(super) const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);

/// Connects under `name` (shown in the broker's connection list, e.g. `tandem-publisher`).
/// Error messages never carry the URL: it holds the password.
pub(super) async fn connect(url: &str, name: &str) -> Result<Connection, QueueError> {
    let properties = ConnectionProperties::default().with_connection_name(name.into());
    match tokio::time::timeout(CONNECT_TIMEOUT, Connection::connect(url, properties)).await {
        Ok(Ok(connection)) => Ok(connection),
        Ok(Err(error)) => Err(QueueError::Unavailable(format!(
            "cannot connect to RabbitMQ: {error}"
        ))),
        Err(_) => Err(QueueError::Unavailable(format!(
            "cannot connect to RabbitMQ within {CONNECT_TIMEOUT:?}"
        ))),
    }
}

/// A broker error as the queue reports it: the operation, then lapin's reason.
pub(super) fn unavailable(doing: &str) -> impl Fn(lapin::Error) -> QueueError + '_ {
    move |error| QueueError::Unavailable(format!("RabbitMQ: cannot {doing}: {error}"))
}

/// Exponential backoff with "equal jitter": each delay is between half and all of the current
/// step, and the step doubles up to `max`.
#[derive(Debug, Clone)]
pub(super) struct Backoff {
    min: Duration,
    max: Duration,
    step: Duration,
}

impl Backoff {
    pub(super) fn new(min: Duration, max: Duration) -> Self {
        Self {
            min,
            max,
            step: min,
        }
    }

    pub(super) fn reset(&mut self) {
        self.step = self.min;
    }

    pub(super) fn next_delay(&mut self) -> Duration {
        let step = self.step;
        self.step = (self.step * 2).min(self.max);
        step.mul_f64(0.5 + rand::random::<f64>() / 2.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_its_bound_with_jitter_and_resets() {
        let mut backoff = Backoff::new(Duration::from_millis(100), Duration::from_secs(1));
        let delays: Vec<Duration> = (0..8).map(|_| backoff.next_delay()).collect();
        assert!(delays[0] >= Duration::from_millis(50) && delays[0] <= Duration::from_millis(100));
        assert!(delays.iter().all(|d| *d <= Duration::from_secs(1)));
        assert!(delays[7] >= Duration::from_millis(500), "{delays:?}");
        backoff.reset();
        assert!(backoff.next_delay() <= Duration::from_millis(100));
    }
}
