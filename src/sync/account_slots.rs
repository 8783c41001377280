//! NetSuite's concurrency limit shared by every instance on one store: each request leases one
//! of `netsuite.concurrency` slots in the store, renews the lease while it runs and gives the
//! slot back when done. An instance that dies loses its slots when their leases lapse.

use crate::connectors::error::{ConnectorError, ErrorClass, System};
use crate::connectors::netsuite::{AccountSlot, AccountSlots};
use crate::store::{SlotLease, Store};
use async_trait::async_trait;
use rand::Rng;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

/// The store's name for NetSuite's slots.
const POOL: &str = "netsuite";
/// How long a slot outlives an instance that stopped renewing it.
pub const LEASE_LIFETIME: Duration = Duration::from_secs(10);
/// The first wait while every slot is held elsewhere; it doubles up to `MAX_WAIT`.
const FIRST_WAIT: Duration = Duration::from_millis(5);
const MAX_WAIT: Duration = Duration::from_millis(50);

/// This process's view of the account's shared slots.
pub struct StoreSlots {
    shared: Arc<Shared>,
}

struct Shared {
    store: Arc<dyn Store>,
    slots: u32,
    owner: String,
    lifetime: Duration,
    leases: AtomicU64,
    /// Woken when this process gives a slot back: a local waiter tries again at once.
    released: Notify,
}

impl std::fmt::Debug for StoreSlots {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoreSlots")
            .field("slots", &self.shared.slots)
            .field("owner", &self.shared.owner)
            .finish()
    }
}

impl StoreSlots {
    /// `slots` slots in `store`, leased for `lifetime` and renewed every third of it.
    pub fn new(store: Arc<dyn Store>, slots: u16, lifetime: Duration) -> Self {
        let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "tandem".into());
        let owner = format!(
            "{host}:{}:{}",
            std::process::id(),
            &uuid::Uuid::new_v4().simple().to_string()[..8]
        );
        Self {
            shared: Arc::new(Shared {
                store,
                slots: u32::from(slots.max(1)),
                owner,
                lifetime,
                leases: AtomicU64::new(0),
                released: Notify::new(),
            }),
        }
    }
}

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

impl Shared {
    fn lease(&self, holder: &str) -> SlotLease {
        SlotLease {
            pool: POOL.into(),
            holder: holder.to_owned(),
            until_ms: now_ms() + i64::try_from(self.lifetime.as_millis()).unwrap_or(i64::MAX),
        }
    }

    /// Renews the lease every third of its lifetime until `done`, then gives the slot back.
    async fn hold(self: Arc<Self>, holder: String, slot: u32, done: CancellationToken) {
        loop {
            tokio::select! {
                _ = done.cancelled() => break,
                _ = tokio::time::sleep(self.lifetime / 3) => {
                    match self.store.renew_slot(&self.lease(&holder), slot).await {
                        Ok(true) => {}
                        Ok(false) => tracing::error!(slot, "a NetSuite slot lease lapsed and was taken over; the account may briefly exceed its limit"),
                        Err(error) => tracing::warn!(%error, slot, "could not renew a NetSuite slot lease"),
                    }
                }
            }
        }
        if let Err(error) = self.store.release_slot(&self.lease(&holder), slot).await {
            tracing::warn!(%error, slot, "could not give a NetSuite slot back; it lapses");
        }
        self.released.notify_waiters();
    }
}

#[async_trait]
impl AccountSlots for StoreSlots {
    async fn acquire(&self) -> Result<AccountSlot, ConnectorError> {
        let shared = &self.shared;
        let n = shared.leases.fetch_add(1, Ordering::Relaxed);
        let holder = format!("{}#{n}", shared.owner);
        let mut wait = FIRST_WAIT;
        loop {
            // Registered before looking, so that a release in between is not missed.
            let released = shared.released.notified();
            let now = now_ms();
            let taken = shared
                .store
                .take_slot(&shared.lease(&holder), shared.slots, now)
                .await
                .map_err(|error| {
                    ConnectorError::new(
                        System::Netsuite,
                        ErrorClass::Retry,
                        format!("cannot lease a NetSuite concurrency slot: {error}"),
                    )
                })?;
            if let Some(slot) = taken {
                let done = CancellationToken::new();
                tokio::spawn(Arc::clone(shared).hold(holder, slot, done.clone()));
                // Dropped with the request: ends the renewals, which then give the slot back.
                return Ok(AccountSlot::new(done.drop_guard()));
            }
            let jittered = wait.mul_f64(rand::rng().random_range(0.5..1.0));
            tokio::select! {
                _ = released => {}
                _ = tokio::time::sleep(jittered) => {}
            }
            wait = (wait * 2).min(MAX_WAIT);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::SqliteStore;
    use std::sync::atomic::AtomicUsize;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn two_instances_on_one_store_never_hold_more_slots_than_there_are() {
        const SLOTS: u16 = 3;
        let dir = tempfile::tempdir().unwrap();
        let store: Arc<dyn Store> = Arc::new(
            SqliteStore::open(&dir.path().join("store.db"))
                .await
                .unwrap(),
        );
        let instances = [
            Arc::new(StoreSlots::new(store.clone(), SLOTS, LEASE_LIFETIME)),
            Arc::new(StoreSlots::new(store.clone(), SLOTS, LEASE_LIFETIME)),
        ];
        let held = Arc::new(AtomicUsize::new(0));
        let peak = Arc::new(AtomicUsize::new(0));
        let mut requests = tokio::task::JoinSet::new();
        for n in 0..24 {
            let slots = Arc::clone(&instances[n % 2]);
            let (held, peak) = (Arc::clone(&held), Arc::clone(&peak));
            requests.spawn(async move {
                let slot = slots.acquire().await.unwrap();
                let now = held.fetch_add(1, Ordering::SeqCst) + 1;
                peak.fetch_max(now, Ordering::SeqCst);
                // The request's own work, while it holds the slot.
                tokio::time::sleep(Duration::from_millis(20)).await;
                held.fetch_sub(1, Ordering::SeqCst);
                drop(slot);
            });
        }
        requests.join_all().await;
        let peak = peak.load(Ordering::SeqCst);
        assert!(peak <= usize::from(SLOTS), "peak {peak} over {SLOTS}");
        assert_eq!(peak, usize::from(SLOTS), "the slots were all used at once");
    }
}
