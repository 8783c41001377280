//! Did every accepted event get applied exactly once, in order? Waits until the store has a
//! final history entry for every accepted event and the broker holds nothing of the prefix,
//! then compares three records: what the senders were told (2xx), what tandem's store says it
//! did with each event, and what the downstream received (each update names the event whose
//! origin stamp it carried) and holds — the Salesforce account for a NetSuite event, the
//! NetSuite customer for a relayed Salesforce one.

use crate::broker;
use crate::load::{Planned, Source};
pub use crate::verdict::Verdict;
use crate::world::World;
use std::collections::{HashMap, HashSet};
use std::time::Duration;
use tandem::store::{HistoryEntry, PostgresStore, Store};
use tokio::time::Instant;

/// The history actions that end an event's processing.
const FINAL: [&str; 3] = ["written", "skipped_stale", "echo_dropped"];

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
        if FINAL.contains(&entry.action.as_str()) {
            verdict.settled_ms.entry(event.n).or_insert(entry.at_ms);
        }
        let newest = newest_written.entry(record).or_default();
        match entry.action.as_str() {
            "written" => {
                verdict.written += 1;
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

    let seen = world.downstream.seen().await;
    verdict.downstream_unread = seen.salesforce.unread + seen.netsuite.unread;
    // Updates of the records each source's events change: the Salesforce account for a
    // NetSuite event, the NetSuite customer for a Salesforce one.
    let mut stamped: HashMap<u64, usize> = HashMap::new();
    for log in [&seen.salesforce, &seen.netsuite] {
        for (origin, updates) in &log.updates_by_event {
            verdict.downstream_updates += updates;
            match origin.as_deref().and_then(|id| by_id.get(id)) {
                Some(event) => *stamped.entry(event.n).or_default() += updates,
                None => verdict.strange.push(format!(
                    "{updates} updates stamped {origin:?}, no event of the plan"
                )),
            }
        }
    }

    let source_of: HashMap<u64, Source> = plan.iter().map(|p| (p.n, p.source)).collect();
    for n in accepted {
        let recorded = entries.get(n).cloned().unwrap_or_default();
        let writes = stamped.get(n).copied().unwrap_or_default();
        let written = recorded.iter().any(|action| action == "written");
        if written && writes == 0 {
            verdict.downstream_missing.push(*n);
        }
        if !written && writes == 1 {
            verdict.written_unrecorded.push(*n);
        }
        if recorded.len() > 1 {
            verdict.recorded_twice.push((*n, recorded.clone()));
        }
        if writes > 1 {
            verdict.written_twice.push((*n, writes));
        }
        let counts = verdict.by_source.entry(source_of[n]).or_default();
        counts.0 += 1;
        if recorded.is_empty() {
            verdict.lost.push(*n);
        } else if recorded.len() > 1 || writes > 1 {
            verdict.applied_twice.push(*n);
        } else {
            verdict.applied_once += 1;
            counts.1 += 1;
        }
    }
    for list in [
        &mut verdict.lost,
        &mut verdict.applied_twice,
        &mut verdict.downstream_missing,
        &mut verdict.written_unrecorded,
    ] {
        list.sort_unstable();
    }
    verdict.recorded_twice.sort_unstable();
    verdict.written_twice.sort_unstable();

    let finals = [
        (
            Source::Netsuite,
            world.credit_limits().await,
            &world.accounts,
        ),
        (
            Source::Salesforce,
            world.customer_arr().await,
            &world.relayed,
        ),
    ];
    for (source, values, pairs) in finals {
        for (record, pair) in pairs.iter().enumerate() {
            let newest = plan
                .iter()
                .filter(|p| p.source == source && p.record == record && accepted.contains(&p.n))
                .map(|p| p.n)
                .max();
            let holds = values[record];
            if newest.map(|n| n as f64) != holds {
                let target = match source {
                    Source::Netsuite => &pair.account_id,
                    Source::Salesforce => &pair.customer_id,
                };
                verdict.wrong_final_state.push(format!(
                    "{target} holds {holds:?}, its newest accepted {} event is {newest:?}",
                    source.name()
                ));
            }
        }
    }
    verdict
}
