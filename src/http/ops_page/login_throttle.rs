//! Failed log-ins slow guessing down: after [`MAX_FAILURES`] wrong tokens within [`WINDOW`],
//! every log-in of this process answers 429 until the oldest failure leaves the window.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub const MAX_FAILURES: usize = 10;
pub const WINDOW: Duration = Duration::from_secs(60);

static FAILURES: Mutex<VecDeque<Instant>> = Mutex::new(VecDeque::new());

/// How long until a log-in may be tried again, when too many failed just now.
pub fn wait(now: Instant) -> Option<Duration> {
    let mut failures = FAILURES
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    wait_in(&mut failures, now)
}

/// Counts one wrong token.
pub fn failed(now: Instant) {
    let mut failures = FAILURES
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    failures.push_back(now);
    while failures.len() > MAX_FAILURES {
        failures.pop_front();
    }
}

fn wait_in(failures: &mut VecDeque<Instant>, now: Instant) -> Option<Duration> {
    while failures
        .front()
        .is_some_and(|at| now.duration_since(*at) >= WINDOW)
    {
        failures.pop_front();
    }
    (failures.len() >= MAX_FAILURES).then(|| WINDOW.saturating_sub(now.duration_since(failures[0])))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tenth_failure_within_a_minute_closes_log_in_until_the_first_ages_out() {
        let start = Instant::now();
        let mut failures = VecDeque::new();
        for n in 0..MAX_FAILURES as u64 {
            assert_eq!(wait_in(&mut failures, start + Duration::from_secs(n)), None);
            failures.push_back(start + Duration::from_secs(n));
        }
        let waited = wait_in(&mut failures, start + Duration::from_secs(20));
        assert_eq!(waited, Some(Duration::from_secs(40)));
        assert_eq!(
            wait_in(&mut failures, start + WINDOW),
            None,
            "the first aged out"
        );
    }
}
