//! The one retry policy: a schedule of delays with jitter, `Retry-After` honoured, and what to
//! do when the schedule is spent. Classification of failures lives beside the error types.

use crate::connectors::ErrorClass;
use std::time::Duration;

/// The org's API allowance is spent: never come back sooner than this.
const BACK_OFF_FLOOR: Duration = Duration::from_secs(15 * 60);
/// Jitter spreads retries of a burst: up to 20 % added to the scheduled delay, never taken
/// off, so no retry comes sooner than its schedule says.
const JITTER: f64 = 0.2;

#[derive(Debug, Clone)]
pub struct RetryPolicy {
    schedule: Vec<Duration>,
}

/// What to do with an event whose attempt failed.
#[derive(Debug, Clone, PartialEq)]
pub enum Decision {
    RetryAfter(Duration),
    DeadLetter,
}

impl RetryPolicy {
    pub fn new(schedule: Vec<Duration>) -> Self {
        Self { schedule }
    }

    /// How many attempts an event gets in all (the first plus one per delay).
    pub fn max_attempts(&self) -> u32 {
        self.schedule.len() as u32 + 1
    }

    /// After failed attempt `attempt` (1-based) of class `class`.
    pub fn decide(
        &self,
        attempt: u32,
        class: ErrorClass,
        retry_after: Option<Duration>,
    ) -> Decision {
        match class {
            ErrorClass::Permanent | ErrorClass::Conflict => return Decision::DeadLetter,
            ErrorClass::Retry | ErrorClass::BackOff | ErrorClass::RefreshAuth => {}
        }
        let Some(scheduled) = self.schedule.get(attempt.saturating_sub(1) as usize) else {
            return Decision::DeadLetter;
        };
        let mut delay = jitter(*scheduled);
        if class == ErrorClass::BackOff {
            delay = delay.max(BACK_OFF_FLOOR);
        }
        if let Some(asked) = retry_after {
            delay = delay.max(asked);
        }
        Decision::RetryAfter(delay)
    }

    /// A short, bounded delay for a dependency that is not there yet (retried within the schedule).
    pub fn dependency_delay(&self, attempt: u32, wanted: Duration) -> Decision {
        if attempt >= self.max_attempts() {
            Decision::DeadLetter
        } else {
            Decision::RetryAfter(jitter(wanted))
        }
    }
}

fn jitter(delay: Duration) -> Duration {
    let factor = 1.0 + JITTER * rand::random::<f64>();
    delay.mul_f64(factor)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> RetryPolicy {
        RetryPolicy::new(crate::config::SyncConfig::default().retry_schedule)
    }

    #[test]
    fn the_default_schedule_spans_a_day_in_at_most_ten_attempts() {
        let schedule = crate::config::SyncConfig::default().retry_schedule;
        let total: Duration = schedule.iter().sum();
        assert!(total >= Duration::from_secs(24 * 3600), "{total:?}");
        assert!(policy().max_attempts() <= 10);
    }

    #[test]
    fn transient_failures_follow_the_schedule_with_jitter_then_dead_letter() {
        let policy = policy();
        let schedule = crate::config::SyncConfig::default().retry_schedule;
        for (index, scheduled) in schedule.iter().enumerate() {
            match policy.decide(index as u32 + 1, ErrorClass::Retry, None) {
                Decision::RetryAfter(delay) => {
                    assert!(
                        delay >= *scheduled && delay <= scheduled.mul_f64(1.21),
                        "{delay:?} vs {scheduled:?}"
                    );
                }
                other => panic!("attempt {}: {other:?}", index + 1),
            }
        }
        assert_eq!(
            policy.decide(policy.max_attempts(), ErrorClass::Retry, None),
            Decision::DeadLetter
        );
    }

    #[test]
    fn permanent_failures_and_conflicts_are_never_retried() {
        assert_eq!(
            policy().decide(1, ErrorClass::Permanent, None),
            Decision::DeadLetter
        );
        assert_eq!(
            policy().decide(1, ErrorClass::Conflict, None),
            Decision::DeadLetter
        );
    }

    #[test]
    fn retry_after_and_the_back_off_floor_lengthen_the_wait() {
        let Decision::RetryAfter(delay) =
            policy().decide(1, ErrorClass::Retry, Some(Duration::from_secs(120)))
        else {
            panic!()
        };
        assert!(delay >= Duration::from_secs(120));
        let Decision::RetryAfter(delay) = policy().decide(1, ErrorClass::BackOff, None) else {
            panic!()
        };
        assert!(delay >= BACK_OFF_FLOOR);
    }
}
