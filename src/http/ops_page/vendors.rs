//! What the overview shows of both vendors' limits, from `ops::signals`: Salesforce's API calls
//! against the org's 24-hour allowance, NetSuite's requests in flight against the concurrency
//! limit, and its recent 429s (the process-wide count, sampled here into a short window).

use crate::ops::signals;
use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The window "recent" 429s are counted over.
pub const THROTTLE_WINDOW: Duration = Duration::from_secs(15 * 60);

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct VendorReadings {
    pub salesforce_used: u64,
    /// 0 until Salesforce has answered a call with `Sforce-Limit-Info`.
    pub salesforce_limit: u64,
    /// `None` until the NetSuite connector has started (sync off).
    pub netsuite_in_flight: Option<u64>,
    pub netsuite_limit: Option<u64>,
    /// The limit in force now: lower than the configured one after 429s.
    pub netsuite_effective_limit: Option<u64>,
    /// 429s since the process started.
    pub netsuite_throttled: u64,
    /// 429s within [`THROTTLE_WINDOW`], and how far back the samples go (shorter than the
    /// window while the process or the page is young).
    pub netsuite_throttled_recently: u64,
    pub sampled_for: Duration,
}

/// Readings of the 429 count, oldest first: at most one every few seconds, none older than
/// the window.
static SAMPLES: Mutex<VecDeque<(Instant, u64)>> = Mutex::new(VecDeque::new());
const SAMPLE_EVERY: Duration = Duration::from_secs(5);

/// Every reading, now.
pub fn read() -> VendorReadings {
    let signals = signals::read();
    // The connector sets its limit when it starts; before that (sync off) nothing is known.
    let started = signals.netsuite_limit > 0;
    let (recently, sampled_for) = throttled_recently(Instant::now(), signals.netsuite_throttled);
    VendorReadings {
        salesforce_used: signals.salesforce_api_used,
        salesforce_limit: signals.salesforce_api_limit,
        netsuite_in_flight: started.then_some(signals.netsuite_in_flight),
        netsuite_limit: started.then_some(signals.netsuite_limit),
        netsuite_effective_limit: started.then_some(signals.netsuite_effective_limit),
        netsuite_throttled: signals.netsuite_throttled,
        netsuite_throttled_recently: recently,
        sampled_for,
    }
}

/// Records the count and answers the 429s since the oldest sample within the window.
fn throttled_recently(now: Instant, count: u64) -> (u64, Duration) {
    let mut samples = SAMPLES
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    sample(&mut samples, now, count);
    let (oldest_at, oldest) = samples.front().copied().unwrap_or((now, count));
    (count.saturating_sub(oldest), now - oldest_at)
}

fn sample(samples: &mut VecDeque<(Instant, u64)>, now: Instant, count: u64) {
    while samples
        .front()
        .is_some_and(|(at, _)| now.duration_since(*at) > THROTTLE_WINDOW)
    {
        samples.pop_front();
    }
    let due = samples
        .back()
        .is_none_or(|(at, _)| now.duration_since(*at) >= SAMPLE_EVERY);
    if due {
        samples.push_back((now, count));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn samples_older_than_the_window_are_dropped_and_close_ones_skipped() {
        let start = Instant::now();
        let mut samples = VecDeque::new();
        sample(&mut samples, start, 1);
        sample(&mut samples, start + Duration::from_secs(1), 2);
        assert_eq!(samples.len(), 1, "within SAMPLE_EVERY of the last one");
        sample(&mut samples, start + Duration::from_secs(60), 5);
        sample(
            &mut samples,
            start + THROTTLE_WINDOW + Duration::from_secs(30),
            9,
        );
        assert_eq!(
            samples.iter().map(|(_, n)| *n).collect::<Vec<_>>(),
            vec![5, 9]
        );
    }
}
