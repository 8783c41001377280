//! Remembering ingress delivery ids without an fsync in every request's path: ids of queued
//! events are written to the store in batches by one task, and kept in memory until then so a
//! redelivery arriving meanwhile is still recognised. (Across instances a redelivery inside that
//! window may be queued twice; workers apply each event id once.) Ids older than
//! `queue.dedupe_retention` are forgotten.

use crate::store::Store;
use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

/// Most ids written in one store transaction.
const BATCH: usize = 1000;

#[derive(Clone)]
pub(super) struct DeliveryMemory {
    pending: Arc<Mutex<HashSet<String>>>,
    writes: mpsc::UnboundedSender<Vec<String>>,
}

impl DeliveryMemory {
    pub(super) fn start(store: Arc<dyn Store>) -> Self {
        let pending: Arc<Mutex<HashSet<String>>> = Arc::default();
        let (writes, mut queued) = mpsc::unbounded_channel::<Vec<String>>();
        let written = pending.clone();
        tokio::spawn(async move {
            while let Some(mut batch) = queued.recv().await {
                while batch.len() < BATCH {
                    match queued.try_recv() {
                        Ok(more) => batch.extend(more),
                        Err(_) => break,
                    }
                }
                if let Err(error) = store.remember_deliveries(&batch).await {
                    // The events are durable, which is what the senders were told; a
                    // redelivery would queue them again (workers are idempotent).
                    tracing::warn!(%error, "events queued, but their delivery ids could not be remembered");
                }
                let mut pending = written.lock().unwrap_or_else(|p| p.into_inner());
                for key in &batch {
                    pending.remove(key);
                }
            }
        });
        Self { pending, writes }
    }

    /// Whether a key is queued but not yet written to the store.
    pub(super) fn is_pending(&self, key: &str) -> bool {
        self.pending
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .contains(key)
    }

    /// Remembers keys whose events the broker has confirmed.
    pub(super) fn remember(&self, keys: Vec<String>) {
        if keys.is_empty() {
            return;
        }
        self.pending
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .extend(keys.iter().cloned());
        // The writer task lives as long as the queue; a send error means it is shutting down.
        let _ = self.writes.send(keys);
    }
}

/// Forgets delivery ids remembered more than `retention` ago, at start and then every tenth of
/// `retention` (between 100 ms and an hour), so that an id is forgotten at most a tenth late.
pub(super) async fn forget_old_deliveries(
    store: Arc<dyn Store>,
    retention: Duration,
    stop: CancellationToken,
) {
    let every = (retention / 10).clamp(Duration::from_millis(100), Duration::from_secs(3600));
    loop {
        let retention_ms = i64::try_from(retention.as_millis()).unwrap_or(i64::MAX);
        let before = chrono::Utc::now()
            .timestamp_millis()
            .saturating_sub(retention_ms);
        match store.prune_deliveries(before).await {
            Ok(count) => tracing::debug!(count, "forgot old ingress delivery ids"),
            Err(error) => tracing::warn!(%error, "could not prune ingress delivery ids"),
        }
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = tokio::time::sleep(every) => {}
        }
    }
}
