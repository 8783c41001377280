//! How long a ready task waits for a CPU: a probe task asks to wake every few milliseconds and
//! measures how late it ran. When the cores are saturated every request waits that long before
//! it is even read, so past `server.max_scheduling_delay` new webhook requests are refused at
//! once, which costs far less than serving them late and lets the admitted ones finish quickly.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tokio::time::{Instant, MissedTickBehavior};
use tokio_util::sync::CancellationToken;

/// How often the probe asks to be woken.
const PERIOD: Duration = Duration::from_millis(5);

/// The scheduling delay last measured, shared with every connection.
#[derive(Clone)]
pub struct SchedulingDelay {
    /// Microseconds; the lesser lateness of the last two probes, kept until the next one.
    micros: Arc<AtomicU64>,
    limit: Duration,
}

impl SchedulingDelay {
    /// Starts the probe; it stops when `stopping` is cancelled.
    pub fn watch(limit: Duration, stopping: CancellationToken) -> Self {
        let delay = Self {
            micros: Arc::new(AtomicU64::new(0)),
            limit,
        };
        let micros = delay.micros.clone();
        tokio::spawn(async move {
            let mut ticks = tokio::time::interval(PERIOD);
            ticks.set_missed_tick_behavior(MissedTickBehavior::Delay);
            let mut previous = Duration::ZERO;
            loop {
                let due = tokio::select! {
                    _ = stopping.cancelled() => return,
                    due = ticks.tick() => due,
                };
                let late = Instant::now().saturating_duration_since(due);
                // The lesser of two probes in a row: one hiccup (the process descheduled
                // once) refuses nothing; saturated cores make every probe late.
                micros.store(late.min(previous).as_micros() as u64, Ordering::Relaxed);
                previous = late;
            }
        });
        delay
    }

    /// A delay that is never measured (tests, and servers without the limit).
    pub fn unmeasured() -> Self {
        Self {
            micros: Arc::new(AtomicU64::new(0)),
            limit: Duration::MAX,
        }
    }

    /// The latest measured delay.
    pub fn current(&self) -> Duration {
        Duration::from_micros(self.micros.load(Ordering::Relaxed))
    }

    /// Whether ready work now waits longer than the limit for a CPU.
    pub fn exceeded(&self) -> bool {
        self.current() > self.limit
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(flavor = "current_thread")]
    async fn a_blocked_runtime_is_measured_and_then_forgotten() {
        let stopping = CancellationToken::new();
        let delay = SchedulingDelay::watch(Duration::from_millis(20), stopping.clone());
        // Let the probe take its first tick.
        tokio::time::sleep(PERIOD * 2).await;
        // Hold the only runtime thread twice, as saturated cores would: one stall alone is
        // a hiccup, two probes late in a row are not.
        std::thread::sleep(Duration::from_millis(80));
        tokio::task::yield_now().await;
        std::thread::sleep(Duration::from_millis(80));
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        while !delay.exceeded() {
            assert!(
                std::time::Instant::now() < deadline,
                "the probe never saw the 80 ms stall"
            );
            tokio::task::yield_now().await;
        }
        assert!(delay.current() >= Duration::from_millis(20));
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        while delay.exceeded() {
            assert!(
                std::time::Instant::now() < deadline,
                "the delay stayed high on an idle runtime"
            );
            tokio::time::sleep(PERIOD).await;
        }
        stopping.cancel();
    }

    #[tokio::test(flavor = "current_thread")]
    async fn one_stall_alone_refuses_nothing() {
        let stopping = CancellationToken::new();
        let delay = SchedulingDelay::watch(Duration::from_millis(20), stopping.clone());
        tokio::time::sleep(PERIOD * 2).await;
        std::thread::sleep(Duration::from_millis(80));
        let until = std::time::Instant::now() + Duration::from_millis(60);
        let mut probes_seen = 0;
        while std::time::Instant::now() < until {
            assert!(!delay.exceeded(), "a single stall was taken for saturation");
            tokio::time::sleep(PERIOD).await;
            probes_seen += 1;
        }
        assert!(probes_seen >= 3, "the probe had time to run: {probes_seen}");
        stopping.cancel();
    }

    #[test]
    fn an_unmeasured_delay_never_exceeds() {
        assert!(!SchedulingDelay::unmeasured().exceeded());
    }
}
