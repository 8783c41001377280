//! Waiting for a window of queued backfill events to be settled by the running workers: each
//! is settled once its record's history shows an outcome for it (written, unchanged, stale,
//! parked as a conflict, dead-lettered…). Retries are not outcomes; they are waited out.

use crate::domain::ChangeEvent;
use crate::store::Store;
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

/// How often the store is asked.
const POLL: Duration = Duration::from_millis(200);
/// After this long with nothing settled, say why the wait may be long.
const QUIET: Duration = Duration::from_secs(30);

/// Outcomes by history action (`written`, `echo_dropped`, `conflict`…).
pub type Tally = BTreeMap<String, u64>;

/// Waits until every one of `events` has an outcome in the store, adding them to `tally`.
/// `progress` is called with the number settled so far after each poll that settled some.
pub async fn wait(
    store: &dyn Store,
    events: &[ChangeEvent],
    tally: &mut Tally,
    mut progress: impl FnMut(usize),
) -> anyhow::Result<()> {
    let mut pending: Vec<&ChangeEvent> = events.iter().collect();
    let mut quiet_since = Instant::now();
    let mut warned = false;
    loop {
        let before = pending.len();
        let mut still = Vec::with_capacity(before);
        for event in pending {
            match outcome(store, event).await? {
                Some(action) => *tally.entry(action).or_default() += 1,
                None => still.push(event),
            }
        }
        pending = still;
        if pending.len() < before {
            progress(events.len() - pending.len());
            quiet_since = Instant::now();
        }
        if pending.is_empty() {
            return Ok(());
        }
        if !warned && quiet_since.elapsed() >= QUIET {
            warned = true;
            eprintln!(
                "no backfill event settled for {} s: is `tandem serve` running on this queue and \
                 store, and is the flow not paused (`tandem flows`)? Waiting…",
                QUIET.as_secs()
            );
        }
        tokio::time::sleep(POLL).await;
    }
}

/// The history action recorded for `event`, if it has one that settles it.
async fn outcome(store: &dyn Store, event: &ChangeEvent) -> anyhow::Result<Option<String>> {
    let history = store.history(&event.record_key(), 20).await?;
    if let Some(entry) = history
        .into_iter()
        .find(|entry| entry.event_id == event.id && entry.action != "retry")
    {
        return Ok(Some(entry.action));
    }
    // Queued by an earlier run and applied long ago (its record's history has moved on).
    Ok(store
        .was_processed(&event.id)
        .await?
        .then(|| "settled_earlier".to_owned()))
}
