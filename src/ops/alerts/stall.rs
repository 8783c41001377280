//! Per-flow stalls: a flow whose events keep failing while it writes nothing to the other
//! system for `alerts.stall_after` is stalled, until it writes again. A paused flow is not
//! stalled. Read from the store (failed attempts, history, paused flows), so that every
//! instance sees the attempts and writes of all of them.

use super::conditions::{Conditions, Problem};
use crate::store::{Store, StoreError};
use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

/// The history action of an event that reached the other system. Echoes, ignored and stale
/// events need no call to it, so they say nothing about whether the flow can write.
const WRITTEN: &str = "written";

/// One flow's activity over a reading's window.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Activity {
    /// Failed attempts at its events (each one retried later or dead-lettered).
    pub failed: u64,
    /// Its events that wrote to the other system.
    pub written: u64,
}

/// Every flow's activity since the previous reading, and the flows paused now.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FlowReading {
    pub activity: BTreeMap<String, Activity>,
    pub paused: BTreeSet<String>,
}

impl FlowReading {
    /// Reads what each flow did from `since_ms` (milliseconds since the epoch) on.
    pub async fn read(store: &dyn Store, since_ms: i64) -> Result<FlowReading, StoreError> {
        let mut reading = FlowReading::default();
        for (flow, failed) in store.flow_failures(since_ms).await? {
            reading.activity.entry(flow).or_default().failed += failed;
        }
        for outcome in store.flow_outcomes(since_ms).await? {
            if outcome.action == WRITTEN {
                reading.activity.entry(outcome.flow).or_default().written += outcome.count;
            }
        }
        reading.paused = store
            .paused_flows()
            .await?
            .into_iter()
            .map(|(flow, _)| flow)
            .collect();
        Ok(reading)
    }
}

/// A flow failing with nothing written since `since`.
#[derive(Debug, Clone, Copy)]
struct Trouble {
    since: Instant,
    last_failure: Instant,
    failed: u64,
    stalled: bool,
}

/// Turns readings into `FlowStalled` problems and their recoveries. Pure: readings and time
/// are passed in.
#[derive(Debug)]
pub struct FlowStalls {
    stall_after: Duration,
    troubles: BTreeMap<String, Trouble>,
}

impl FlowStalls {
    pub fn new(stall_after: Duration) -> Self {
        Self {
            stall_after,
            troubles: BTreeMap::new(),
        }
    }

    /// A flow is raised when its events have failed (the latest within this reading) and it
    /// has written nothing for `stall_after`; recovered when it writes or is paused. A flow
    /// that stops failing before that (its events dead-lettered, say) is forgotten after
    /// `stall_after` without failures.
    pub fn observe(&mut self, reading: &FlowReading, now: Instant, news: &mut Conditions) {
        let flows: BTreeSet<String> = reading
            .activity
            .keys()
            .chain(self.troubles.keys())
            .cloned()
            .collect();
        for flow in flows {
            let activity = reading.activity.get(&flow).copied().unwrap_or_default();
            if reading.paused.contains(&flow) {
                self.end(
                    &flow,
                    news,
                    format!("{flow} is paused (a paused flow is not stalled)"),
                );
            } else if activity.written > 0 {
                self.end(
                    &flow,
                    news,
                    format!("{flow} writes again ({} events written)", activity.written),
                );
            } else if activity.failed > 0 {
                self.failing(&flow, activity.failed, now, news);
            } else if let Some(trouble) = self.troubles.get(&flow) {
                let quiet = now.saturating_duration_since(trouble.last_failure);
                if !trouble.stalled && quiet >= self.stall_after {
                    self.troubles.remove(&flow);
                }
            }
        }
    }

    fn failing(&mut self, flow: &str, failed: u64, now: Instant, news: &mut Conditions) {
        let trouble = self.troubles.entry(flow.to_owned()).or_insert(Trouble {
            since: now,
            last_failure: now,
            failed: 0,
            stalled: false,
        });
        trouble.failed += failed;
        trouble.last_failure = now;
        let stalled_for = now.saturating_duration_since(trouble.since);
        if trouble.stalled || stalled_for < self.stall_after {
            return;
        }
        trouble.stalled = true;
        news.raise(
            Problem::FlowStalled {
                flow: flow.to_owned(),
            },
            format!(
                "{flow} is stalled: {} failed attempts and nothing written for {}",
                trouble.failed,
                humantime::format_duration(Duration::from_secs(stalled_for.as_secs()))
            ),
        );
    }

    /// The flow is not in trouble any more; a stall raised for it is reported recovered.
    fn end(&mut self, flow: &str, news: &mut Conditions, detail: String) {
        if let Some(trouble) = self.troubles.remove(flow)
            && trouble.stalled
        {
            news.recover(
                Problem::FlowStalled {
                    flow: flow.to_owned(),
                },
                detail,
            );
        }
    }

    /// The flows stalled now.
    pub fn stalled(&self) -> impl Iterator<Item = &str> {
        self.troubles
            .iter()
            .filter(|(_, trouble)| trouble.stalled)
            .map(|(flow, _)| flow.as_str())
    }
}

#[cfg(test)]
mod tests;
