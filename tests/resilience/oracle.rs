//! Did every accepted event get applied exactly once, in order? Waits until the store has a
//! final history entry for every accepted event and the broker holds nothing of the prefix,
//! then compares three records: what the senders were told (2xx), what tandem's store says it
//! did with each event, and what the downstream received and holds — the Salesforce account
//! for a NetSuite event, the NetSuite customer for a relayed Salesforce one.

use crate::broker;
use crate::load::{Planned, Source};
use crate::world::World;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::time::Duration;
use tandem::store::{HistoryEntry, PostgresStore, Store};
use tokio::time::Instant;

/// The history actions that end an event's processing.
const FINAL: [&str; 3] = ["written", "skipped_stale", "echo_dropped"];

#[derive(Debug, Default)]
pub struct Verdict {
    pub accepted: usize,
    /// Accepted events with exactly one final history entry.
    pub applied_once: usize,
    pub written: usize,
    pub skipped_stale: usize,
    /// Accepted events with no history entry at all.
    pub lost: Vec<u64>,
    /// Events with more than one history entry, with their actions in order.
    pub recorded_twice: Vec<(u64, Vec<String>)>,
    /// Entries that are not a final action, or for events never accepted.
    pub strange: Vec<String>,
    /// A write of an older version after a newer one, or a "stale" skip of a newer one.
    pub out_of_order: Vec<String>,
    /// Accounts not holding the credit limit of their newest accepted event.
    pub wrong_final_state: Vec<String>,
    /// Successful account updates the sandbox served, and how many more (or fewer) there were
    /// than distinct events the store says were written.
    pub downstream_updates: usize,
    pub downstream_extra: usize,
    pub downstream_missing: usize,
    /// What the broker still held when the wait for it to drain ran out.
    pub undrained: Option<String>,
    /// The records that received more updates than events written to them.
    pub updated_again: Vec<String>,
    /// Requests that left a sandbox's log before they were counted (the downstream counts
    /// mean nothing unless this is 0).
    pub downstream_unread: u64,
    /// Accepted and applied exactly once, by source.
    pub by_source: BTreeMap<Source, (usize, usize)>,
}

impl Verdict {
    /// The figures, one line each.
    pub fn print(&self, scenario: &str) {
        eprintln!(
            "[{scenario}] accepted {} | applied exactly once {} (written {}, skipped as stale {}) | \
             lost {} | recorded twice {} | strange {} | out of order {} | wrong final state {} | \
             downstream updates {} (extra {}, missing {}, unread {}) | by source (accepted, \
             applied once): {:?}",
            self.accepted,
            self.applied_once,
            self.written,
            self.skipped_stale,
            self.lost.len(),
            self.recorded_twice.len(),
            self.strange.len(),
            self.out_of_order.len(),
            self.wrong_final_state.len(),
            self.downstream_updates,
            self.downstream_extra,
            self.downstream_missing,
            self.downstream_unread,
            self.by_source,
        );
    }

    /// Exactly once: nothing lost, nothing processed twice, nothing written downstream twice,
    /// order and final state kept; details on failure.
    pub fn assert_exactly_once_in_order(&self) {
        self.assert_nothing_lost_in_order();
        assert!(
            self.recorded_twice.is_empty(),
            "processed twice: {:?}",
            self.recorded_twice
        );
        assert_eq!(self.applied_once, self.accepted);
        assert_eq!(
            self.downstream_extra, 0,
            "the downstream received more updates than events were written: {:?}",
            self.updated_again
        );
    }

    /// Nothing lost; no event written after a newer one of its record, or skipped as stale
    /// when it was not; every record ends at its newest event. An event may have been processed
    /// again (a repeat of the same version).
    pub fn assert_nothing_lost_in_order(&self) {
        if let Some(held) = &self.undrained {
            panic!("{held}");
        }
        assert_eq!(
            self.downstream_unread, 0,
            "requests left the sandbox's log unread: the downstream counts are incomplete"
        );
        assert!(
            self.lost.is_empty(),
            "accepted but never applied: {:?}",
            self.lost
        );
        assert!(self.strange.is_empty(), "{:?}", self.strange);
        assert!(self.out_of_order.is_empty(), "{:?}", self.out_of_order);
        assert!(
            self.wrong_final_state.is_empty(),
            "{:?}",
            self.wrong_final_state
        );
        assert_eq!(
            self.downstream_missing, 0,
            "written per the store but never received downstream"
        );
    }
}

/// Every history entry, oldest first.
async fn all_history(store: &PostgresStore) -> Vec<HistoryEntry> {
    let mut entries = store.recent_history(1_000_000).await.expect("history");
    entries.reverse();
    entries
}

/// Waits (until `deadline`) for a history entry of every accepted event and an empty broker,
/// then judges.
pub async fn settle(
    world: &World,
    store: &PostgresStore,
    plan: &[Planned],
    accepted: &HashSet<u64>,
    deadline: Instant,
) -> Verdict {
    let by_id: HashMap<String, &Planned> = plan.iter().map(|p| (p.event_id(), p)).collect();
    loop {
        let seen: HashSet<u64> = all_history(store)
            .await
            .iter()
            .filter_map(|entry| by_id.get(&entry.event_id).map(|p| p.n))
            .collect();
        let waiting = accepted.difference(&seen).count();
        if waiting == 0 {
            break;
        }
        if Instant::now() >= deadline {
            eprintln!("{waiting} accepted events still have no history entry");
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // Everything acknowledged: no redelivery can still add an entry.
    let drained = broker::wait_until_drained(
        &world.prefix,
        deadline.max(Instant::now() + Duration::from_secs(5)),
    )
    .await;
    let history = all_history(store).await;
    let mut verdict = judge(world, plan, accepted, &history).await;
    verdict.undrained = drained.err();
    verdict
}

async fn judge(
    world: &World,
    plan: &[Planned],
    accepted: &HashSet<u64>,
    history: &[HistoryEntry],
) -> Verdict {
    let by_id: HashMap<String, &Planned> = plan.iter().map(|p| (p.event_id(), p)).collect();
    let mut verdict = Verdict {
        accepted: accepted.len(),
        ..Verdict::default()
    };
    let mut entries: HashMap<u64, Vec<String>> = HashMap::new();
    // Per record: the newest `n` written so far.
    let mut newest_written: HashMap<(Source, usize), u64> = HashMap::new();
    // Per record: the distinct events written (a second entry for one is counted apart).
    let mut written_per_record: HashMap<(Source, usize), HashSet<u64>> = HashMap::new();
    for entry in history {
        let Some(event) = by_id.get(&entry.event_id) else {
            verdict
                .strange
                .push(format!("entry for unknown event {}", entry.event_id));
            continue;
        };
        let record = (event.source, event.record);
        entries
            .entry(event.n)
            .or_default()
            .push(entry.action.clone());
        if !accepted.contains(&event.n) {
            verdict
                .strange
                .push(format!("event {} applied but never accepted", event.n));
        }
        if !FINAL.contains(&entry.action.as_str()) {
            verdict.strange.push(format!(
                "event {}: {} ({})",
                event.n, entry.action, entry.detail
            ));
        }
        let newest = newest_written.entry(record).or_default();
        match entry.action.as_str() {
            "written" => {
                verdict.written += 1;
                written_per_record
                    .entry(record)
                    .or_default()
                    .insert(event.n);
                // The same event again is a repeat (counted as recorded twice), not disorder.
                if event.n < *newest {
                    verdict.out_of_order.push(format!(
                        "{record:?}: event {} written after event {}",
                        event.n, newest
                    ));
                }
                *newest = (*newest).max(event.n);
            }
            "skipped_stale" => {
                verdict.skipped_stale += 1;
                if event.n > *newest {
                    verdict.out_of_order.push(format!(
                        "{record:?}: event {} skipped as stale, but the newest written was {}",
                        event.n, newest
                    ));
                }
            }
            _ => {}
        }
    }
    let source_of: HashMap<u64, Source> = plan.iter().map(|p| (p.n, p.source)).collect();
    for n in accepted {
        let counts = verdict.by_source.entry(source_of[n]).or_default();
        counts.0 += 1;
        match entries.get(n).map_or(0, Vec::len) {
            0 => verdict.lost.push(*n),
            1 => {
                verdict.applied_once += 1;
                counts.1 += 1;
            }
            _ => verdict.recorded_twice.push((*n, entries[n].clone())),
        }
    }
    verdict.lost.sort_unstable();
    verdict.recorded_twice.sort_unstable();

    let seen = world.downstream.seen().await;
    verdict.downstream_unread = seen.salesforce.unread + seen.netsuite.unread;
    let sources = [
        (
            Source::Netsuite,
            world.credit_limits().await,
            &world.accounts,
            &seen.salesforce.updates,
        ),
        (
            Source::Salesforce,
            world.customer_arr().await,
            &world.relayed,
            &seen.netsuite.updates,
        ),
    ];
    for (source, values, pairs, updates) in sources {
        if !plan.iter().any(|p| p.source == source) {
            continue;
        }
        for (record, pair) in pairs.iter().enumerate() {
            // What the event changes lives on the other side: the account for a NetSuite
            // event, the customer for a Salesforce one.
            let target = match source {
                Source::Netsuite => &pair.account_id,
                Source::Salesforce => &pair.customer_id,
            };
            let newest = plan
                .iter()
                .filter(|p| p.source == source && p.record == record && accepted.contains(&p.n))
                .map(|p| p.n)
                .max();
            let holds = values[record];
            if newest.map(|n| n as f64) != holds {
                verdict.wrong_final_state.push(format!(
                    "{target} holds {holds:?}, its newest accepted {} event is {newest:?}",
                    source.name()
                ));
            }
            let received = updates.get(target).copied().unwrap_or_default();
            let written = written_per_record
                .get(&(source, record))
                .map_or(0, HashSet::len);
            verdict.downstream_updates += received;
            verdict.downstream_extra += received.saturating_sub(written);
            if received > written {
                verdict.updated_again.push(format!(
                    "{target} received {received} updates for {written} events written"
                ));
            }
            verdict.downstream_missing += written.saturating_sub(received);
        }
    }
    verdict
}
