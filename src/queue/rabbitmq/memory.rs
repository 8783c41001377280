//! Recognising redelivered webhooks without a store round trip on the request path: the ids of
//! deliveries this instance queued are kept in memory, for `queue.dedupe_retention` or the
//! newest [`MAX_REMEMBERED`], whichever is fewer. A redelivery it recognises is answered as a
//! duplicate and not published again. One it does not (it went to another instance, arrived
//! after a restart, or is older than the memory) is published again, and the worker skips it:
//! event ids derive from the delivery id, and a worker applies an event id at most once.
//!
//! Ids are kept as 128-bit digests, so memory per id is fixed whatever the sender's id length;
//! two different ids sharing a digest (which would drop a fresh event) is as likely as guessing
//! a random 128-bit key.

use sha2::{Digest, Sha256};
use std::collections::{HashSet, VecDeque};
use std::sync::Mutex;
use std::time::Duration;
use tokio::time::Instant;

/// Most delivery ids remembered at once (about 40 bytes each).
pub(super) const MAX_REMEMBERED: usize = 1 << 18;

type Fingerprint = u128;

pub(super) struct DeliveryMemory {
    retention: Duration,
    remembered: Mutex<Remembered>,
}

#[derive(Default)]
struct Remembered {
    ids: HashSet<Fingerprint>,
    /// The same ids, oldest first, with when they were remembered.
    by_age: VecDeque<(Instant, Fingerprint)>,
}

impl DeliveryMemory {
    pub(super) fn new(retention: Duration) -> Self {
        Self {
            retention,
            remembered: Mutex::new(Remembered::default()),
        }
    }

    /// Which keys were remembered and are still within the retention.
    pub(super) fn seen(&self, keys: &[&str]) -> Vec<bool> {
        let mut remembered = self.lock();
        remembered.forget_before(Instant::now().checked_sub(self.retention));
        keys.iter()
            .map(|key| remembered.ids.contains(&fingerprint(key)))
            .collect()
    }

    /// Remembers keys whose events the broker has confirmed.
    pub(super) fn remember<'a>(&self, keys: impl IntoIterator<Item = &'a str>) {
        let now = Instant::now();
        let mut remembered = self.lock();
        for key in keys {
            let id = fingerprint(key);
            if remembered.ids.insert(id) {
                remembered.by_age.push_back((now, id));
            }
        }
        while remembered.by_age.len() > MAX_REMEMBERED {
            remembered.forget_oldest();
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Remembered> {
        self.remembered.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Remembered {
    fn forget_before(&mut self, horizon: Option<Instant>) {
        let Some(horizon) = horizon else { return };
        while self.by_age.front().is_some_and(|(at, _)| *at < horizon) {
            self.forget_oldest();
        }
    }

    fn forget_oldest(&mut self) {
        if let Some((_, id)) = self.by_age.pop_front() {
            self.ids.remove(&id);
        }
    }
}

fn fingerprint(key: &str) -> Fingerprint {
    let digest = Sha256::digest(key.as_bytes());
    let mut first = [0u8; 16];
    first.copy_from_slice(&digest[..16]);
    u128::from_le_bytes(first)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_remembered_key_is_seen_and_others_are_not() {
        let memory = DeliveryMemory::new(Duration::from_secs(60));
        memory.remember(["salesforce:webhook:a"]);
        assert_eq!(
            memory.seen(&["salesforce:webhook:a", "salesforce:webhook:b"]),
            [true, false]
        );
    }

    #[test]
    fn the_oldest_keys_are_forgotten_past_the_cap() {
        let memory = DeliveryMemory::new(Duration::from_secs(60));
        let keys: Vec<String> = (0..=MAX_REMEMBERED).map(|n| format!("k{n}")).collect();
        memory.remember(keys.iter().map(String::as_str));
        assert_eq!(memory.seen(&["k0", "k1"]), [false, true]);
        assert_eq!(memory.lock().ids.len(), MAX_REMEMBERED);
    }

    #[tokio::test(start_paused = true)]
    async fn keys_are_forgotten_after_the_retention_and_not_before() {
        let memory = DeliveryMemory::new(Duration::from_secs(10));
        memory.remember(["k"]);
        tokio::time::advance(Duration::from_secs(9)).await;
        assert_eq!(memory.seen(&["k"]), [true]);
        tokio::time::advance(Duration::from_secs(2)).await;
        assert_eq!(memory.seen(&["k"]), [false]);
        assert!(memory.lock().by_age.is_empty());
    }
}
