//! At most one digest per channel per `alerts.digest_interval`: the first may go out as soon
//! as there is something to say, each next one no sooner than an interval after the last.
//! Pure: the caller passes the time in.

use std::time::{Duration, Instant};

#[derive(Debug, Clone)]
pub struct RateLimit {
    interval: Duration,
    last: Option<Instant>,
}

impl RateLimit {
    pub fn new(interval: Duration) -> Self {
        Self {
            interval,
            last: None,
        }
    }

    /// Whether a digest may be sent at `now`.
    pub fn allows(&self, now: Instant) -> bool {
        match self.last {
            None => true,
            Some(last) => now.saturating_duration_since(last) >= self.interval,
        }
    }

    /// A digest was handed to the channel at `now` (sent or not: a failed attempt also
    /// waits an interval before the next, so that a broken channel is not hammered).
    pub fn took(&mut self, now: Instant) {
        self.last = Some(now);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const INTERVAL: Duration = Duration::from_secs(60);

    #[test]
    fn the_first_digest_may_go_out_at_once() {
        assert!(RateLimit::new(INTERVAL).allows(Instant::now()));
    }

    #[test]
    fn the_next_digest_waits_a_full_interval() {
        let start = Instant::now();
        let mut limit = RateLimit::new(INTERVAL);
        limit.took(start);
        assert!(!limit.allows(start));
        assert!(!limit.allows(start + INTERVAL - Duration::from_millis(1)));
        assert!(limit.allows(start + INTERVAL));
    }

    #[test]
    fn digests_asked_for_every_second_go_out_once_an_interval() {
        let start = Instant::now();
        let mut limit = RateLimit::new(INTERVAL);
        let mut sent = 0;
        for second in 0..=300 {
            let now = start + Duration::from_secs(second);
            if limit.allows(now) {
                limit.took(now);
                sent += 1;
            }
        }
        // At 0, 60, 120, 180, 240 and 300 seconds.
        assert_eq!(sent, 6);
    }
}
