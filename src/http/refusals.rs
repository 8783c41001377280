//! Refused requests in the log without one line each: the first refusal of a source and
//! reason is logged with its detail, the ones after it are counted and summed up in one WARN
//! line a minute later. A flood of bad signatures costs a counter increment per request (the
//! metrics count every one), not a log line.

use std::collections::HashMap;
use std::fmt::Display;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::time::Instant;

/// At most one WARN line per source and reason in this time.
pub const WINDOW: Duration = Duration::from_secs(60);

type Key = (&'static str, &'static str);

/// The refusal windows of every source and reason; the set of keys is fixed and small.
#[derive(Default)]
pub struct RefusalLog {
    windows: Mutex<HashMap<Key, Window>>,
}

struct Window {
    opened: Instant,
    counted: u64,
    summary_scheduled: bool,
}

/// What to do with one refusal.
#[derive(Debug, PartialEq, Eq)]
enum Decision {
    /// Log it now, with its detail.
    Log,
    /// Count it; when `summary_at` is set, a summary line is due then.
    Count { summary_at: Option<Instant> },
}

impl RefusalLog {
    /// Records one refused request: logs it, or counts it for the next summary line.
    /// `detail` must already be safe to show (see `ingress::shown`).
    pub fn refused(
        self: &Arc<Self>,
        source: &'static str,
        reason: &'static str,
        detail: impl Display,
    ) {
        match self.decide((source, reason), Instant::now()) {
            Decision::Log => tracing::warn!(
                source,
                reason,
                detail = %detail,
                "request refused; more refusals like it are summed up once a minute"
            ),
            Decision::Count {
                summary_at: Some(at),
            } => {
                let log = Arc::clone(self);
                tokio::spawn(async move {
                    tokio::time::sleep_until(at).await;
                    log.summarize((source, reason), Instant::now());
                });
            }
            Decision::Count { summary_at: None } => {}
        }
    }

    fn decide(&self, key: Key, now: Instant) -> Decision {
        let mut windows = self.windows.lock().unwrap_or_else(|e| e.into_inner());
        match windows.get_mut(&key) {
            Some(window) if window.summary_scheduled || now < window.opened + WINDOW => {
                window.counted += 1;
                if window.summary_scheduled {
                    Decision::Count { summary_at: None }
                } else {
                    window.summary_scheduled = true;
                    Decision::Count {
                        summary_at: Some(window.opened + WINDOW),
                    }
                }
            }
            _ => {
                windows.insert(
                    key,
                    Window {
                        opened: now,
                        counted: 0,
                        summary_scheduled: false,
                    },
                );
                Decision::Log
            }
        }
    }

    /// Logs how many refusals were counted since the last line and opens a new window.
    fn summarize(&self, key: Key, now: Instant) -> u64 {
        let counted = {
            let mut windows = self.windows.lock().unwrap_or_else(|e| e.into_inner());
            let Some(window) = windows.get_mut(&key) else {
                return 0;
            };
            window.opened = now;
            window.summary_scheduled = false;
            std::mem::take(&mut window.counted)
        };
        if counted > 0 {
            let (source, reason) = key;
            tracing::warn!(
                source,
                reason,
                refused = counted,
                "{counted} more requests refused since the last line"
            );
        }
        counted
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: Key = ("netsuite", "no_matching_signature");

    #[tokio::test(start_paused = true)]
    async fn the_first_refusal_is_logged_and_the_rest_of_the_minute_counted() {
        let log = RefusalLog::default();
        let start = Instant::now();
        assert_eq!(log.decide(KEY, start), Decision::Log);
        assert_eq!(
            log.decide(KEY, start + Duration::from_secs(1)),
            Decision::Count {
                summary_at: Some(start + WINDOW)
            }
        );
        for second in 2..1000 {
            assert_eq!(
                log.decide(KEY, start + Duration::from_millis(second)),
                Decision::Count { summary_at: None }
            );
        }
        // Another reason has its own window.
        assert_eq!(log.decide(("netsuite", "invalid_id"), start), Decision::Log);

        assert_eq!(log.summarize(KEY, start + WINDOW), 999);
        // Right after a summary, refusals are counted towards the next one.
        assert_eq!(
            log.decide(KEY, start + WINDOW + Duration::from_secs(1)),
            Decision::Count {
                summary_at: Some(start + WINDOW * 2)
            }
        );
        assert_eq!(log.summarize(KEY, start + WINDOW * 2), 1);
        // A quiet minute later, the next refusal is logged on its own again.
        assert_eq!(log.decide(KEY, start + WINDOW * 4), Decision::Log);
    }

    #[tokio::test(start_paused = true)]
    async fn the_summary_is_written_when_its_minute_is_over() {
        let log = Arc::new(RefusalLog::default());
        for _ in 0..1000 {
            log.refused(KEY.0, KEY.1, "detail");
        }
        let counted = |log: &RefusalLog| {
            log.windows
                .lock()
                .map(|windows| windows[&KEY].counted)
                .unwrap_or_default()
        };
        assert_eq!(counted(&log), 999);
        tokio::time::sleep(WINDOW + Duration::from_millis(1)).await;
        assert_eq!(counted(&log), 0, "the summary task took the count");
    }
}
