//! The watch: turns periodic samples of tandem's state (store and queue health, open dead
//! letters, queue depth, API usage, 429s, events settled, each flow's failures and writes)
//! into conditions — new dead letters past a watermark, problems when they start, recoveries
//! when they end. Pure: samples and time are passed in.

use super::conditions::{Conditions, Example, Problem};
use super::stall::{FlowReading, FlowStalls};
use crate::ops::signals::Readings;
use crate::queue::QueueDepth;
use std::collections::BTreeSet;
use std::time::{Duration, Instant};

/// The limits that turn readings into problems (from `[alerts]`).
#[derive(Debug, Clone, Copy)]
pub struct Thresholds {
    pub salesforce_usage_percent: u8,
    pub netsuite_throttles: u32,
    /// The window 429s are counted over: the digest interval.
    pub throttle_window: Duration,
    pub stall_after: Duration,
}

/// An open dead letter as sampled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Letter {
    pub id: i64,
    pub flow: String,
    pub record: String,
    pub error_code: String,
    pub reason: String,
}

/// tandem's state at one moment.
#[derive(Debug, Clone, Default)]
pub struct Sample {
    /// `None`: the store did not answer; the letters are unknown.
    pub open_letters: Option<Vec<Letter>>,
    /// The open letters listed are all there are (not cut at the listing's limit); only
    /// then can a flow be seen to have none left.
    pub letters_complete: bool,
    /// `None`: the queue did not answer.
    pub queue: Option<QueueDepth>,
    pub readings: Readings,
    /// Each flow's failures and writes since the previous sample; `None`: not read.
    pub flows: Option<FlowReading>,
}

#[derive(Debug)]
pub struct Watch {
    thresholds: Thresholds,
    /// The newest dead letter seen; `None` before the first sample that reached the store
    /// (letters already there at start are not news).
    watermark: Option<i64>,
    /// Flows with new dead letters that are still open.
    flows_with_letters: BTreeSet<String>,
    store_down: bool,
    queue_down: bool,
    usage_high: bool,
    throttle_window: Option<(Instant, u64)>,
    throttling: bool,
    /// Since when the queue held ready events with none settled, and the settled count then.
    stall: Option<(Instant, u64)>,
    stalled: bool,
    flows: FlowStalls,
}

impl Watch {
    pub fn new(thresholds: Thresholds) -> Self {
        Self {
            thresholds,
            watermark: None,
            flows_with_letters: BTreeSet::new(),
            store_down: false,
            queue_down: false,
            usage_high: false,
            throttle_window: None,
            throttling: false,
            stall: None,
            stalled: false,
            flows: FlowStalls::new(thresholds.stall_after),
        }
    }

    /// What changed since the last sample.
    pub fn observe(&mut self, sample: &Sample, now: Instant) -> Conditions {
        let mut news = Conditions::default();
        self.store(
            sample.open_letters.as_deref(),
            sample.letters_complete,
            &mut news,
        );
        self.queue(sample.queue, sample.readings.events_settled, now, &mut news);
        self.usage(&sample.readings, &mut news);
        self.throttles(sample.readings.netsuite_throttled, now, &mut news);
        if let Some(reading) = &sample.flows {
            self.flows.observe(reading, now, &mut news);
        }
        news
    }

    fn store(&mut self, letters: Option<&[Letter]>, complete: bool, news: &mut Conditions) {
        let Some(letters) = letters else {
            if !self.store_down {
                self.store_down = true;
                news.raise(
                    Problem::StoreUnavailable,
                    "The store does not answer: events cannot be applied or dead-lettered",
                );
            }
            return;
        };
        if self.store_down {
            self.store_down = false;
            news.recover(Problem::StoreUnavailable, "The store answers again");
        }
        let newest = letters.iter().map(|letter| letter.id).max();
        match self.watermark {
            None => self.watermark = Some(newest.unwrap_or(0)),
            Some(watermark) => {
                // Listed newest first; examples go oldest first.
                for letter in letters.iter().rev().filter(|letter| letter.id > watermark) {
                    news.dead_letter(Example::new(
                        letter.id,
                        &letter.flow,
                        &letter.record,
                        &letter.error_code,
                        &letter.reason,
                    ));
                    self.flows_with_letters.insert(letter.flow.clone());
                }
                self.watermark = Some(newest.unwrap_or(watermark).max(watermark));
            }
        }
        if !complete {
            return;
        }
        let open: BTreeSet<&str> = letters.iter().map(|letter| letter.flow.as_str()).collect();
        let cleared: Vec<String> = self
            .flows_with_letters
            .iter()
            .filter(|flow| !open.contains(flow.as_str()))
            .cloned()
            .collect();
        for flow in cleared {
            self.flows_with_letters.remove(&flow);
            news.recover(
                Problem::DeadLetters { flow: flow.clone() },
                format!("{flow}: no open dead letters left (replayed or discarded)"),
            );
        }
    }

    fn queue(
        &mut self,
        depth: Option<QueueDepth>,
        settled: u64,
        now: Instant,
        news: &mut Conditions,
    ) {
        let Some(depth) = depth else {
            if !self.queue_down {
                self.queue_down = true;
                news.raise(
                    Problem::QueueUnavailable,
                    "The queue does not answer: webhooks are refused and nothing is applied",
                );
            }
            return;
        };
        if self.queue_down {
            self.queue_down = false;
            news.recover(Problem::QueueUnavailable, "The queue answers again");
        }
        // Events waiting out a retry delay are not expected to move.
        let ready = depth.total.saturating_sub(depth.delayed);
        let progressed = match self.stall {
            Some((_, settled_then)) => ready == 0 || settled != settled_then,
            None => true,
        };
        if progressed {
            self.stall = (ready > 0).then_some((now, settled));
            if self.stalled {
                self.stalled = false;
                news.recover(Problem::QueueStalled, "Queued events are settled again");
            }
            return;
        }
        let Some((since, _)) = self.stall else { return };
        let stalled_for = now.saturating_duration_since(since);
        if !self.stalled && stalled_for >= self.thresholds.stall_after {
            self.stalled = true;
            news.raise(
                Problem::QueueStalled,
                format!(
                    "{ready} events are queued and none was settled for {}",
                    humantime::format_duration(round(stalled_for))
                ),
            );
        }
    }

    fn usage(&mut self, readings: &Readings, news: &mut Conditions) {
        let (used, limit) = (readings.salesforce_api_used, readings.salesforce_api_limit);
        if limit == 0 {
            return;
        }
        let percent = used.saturating_mul(100) / limit;
        let threshold = u64::from(self.thresholds.salesforce_usage_percent);
        if percent >= threshold && !self.usage_high {
            self.usage_high = true;
            news.raise(
                Problem::SalesforceUsage,
                format!(
                    "Salesforce API usage is at {percent}% ({used} of {limit} calls in 24 hours; alert at {threshold}%)"
                ),
            );
        } else if percent < threshold && self.usage_high {
            self.usage_high = false;
            news.recover(
                Problem::SalesforceUsage,
                format!("Salesforce API usage is back under {threshold}% ({percent}%)"),
            );
        }
    }

    fn throttles(&mut self, total: u64, now: Instant, news: &mut Conditions) {
        let window = self.thresholds.throttle_window;
        let threshold = u64::from(self.thresholds.netsuite_throttles);
        let (started, at_start) = *self.throttle_window.get_or_insert((now, total));
        let in_window = total.saturating_sub(at_start);
        if in_window >= threshold && !self.throttling {
            self.throttling = true;
            news.raise(
                Problem::NetsuiteThrottling,
                format!(
                    "NetSuite answered 429 (concurrency limit) {in_window} times within {}",
                    humantime::format_duration(window)
                ),
            );
        }
        if now.saturating_duration_since(started) >= window {
            if self.throttling && in_window < threshold {
                self.throttling = false;
                news.recover(
                    Problem::NetsuiteThrottling,
                    format!(
                        "NetSuite throttling eased: {in_window} 429s in the last {}",
                        humantime::format_duration(window)
                    ),
                );
            }
            self.throttle_window = Some((now, total));
        }
    }
}

/// Whole seconds, for readable durations.
fn round(duration: Duration) -> Duration {
    Duration::from_secs(duration.as_secs())
}

#[cfg(test)]
mod tests;
