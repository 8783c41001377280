//! Remembering ingress delivery ids without an fsync in every request's path: ids of queued
//! events are written to the store in batches by one task, and kept in memory until then so a
//! redelivery arriving meanwhile is still recognised. (Across instances a redelivery inside that
//! window may be queued twice; workers apply each event id once.)

use crate::store::Store;
use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use tokio::sync::mpsc;

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
