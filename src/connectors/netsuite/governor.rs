//! The account's concurrency limit, shared by every NetSuite request in the process.
//!
//! NetSuite counts concurrent requests per account across all integrations and answers 429
//! past the limit. A semaphore bounds tandem's share; on a 429 the effective limit is cut
//! in half (other integrations are using the pool) by withholding permits, and successes
//! give them back one at a time (AIMD, as TCP does), never past the configured limit.

use super::telemetry;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Cheap to clone; clones share one limit.
#[derive(Debug, Clone)]
pub struct Governor {
    shared: Arc<Shared>,
}

#[derive(Debug)]
struct Shared {
    semaphore: Arc<Semaphore>,
    limit: usize,
    state: Mutex<State>,
    in_flight: AtomicUsize,
    peak_in_flight: AtomicUsize,
}

#[derive(Debug)]
struct State {
    /// Permits the semaphore may hand out minus `debt`.
    effective: usize,
    /// Permits to withhold that were in use when the limit dropped: the next ones returned
    /// are forgotten instead of going back to the semaphore.
    debt: usize,
    /// Successes since the limit last changed; a full window of them earns one more permit.
    successes: usize,
    /// Bumped on every decrease, so that a burst of 429s for requests sent under the old
    /// limit cuts it once, not once per request.
    epoch: u64,
}

/// One request's slot. Dropping it frees the slot.
#[derive(Debug)]
pub struct Permit {
    permit: Option<OwnedSemaphorePermit>,
    shared: Arc<Shared>,
    epoch: u64,
}

impl Governor {
    /// A governor allowing `limit` requests at once (at least 1).
    pub fn new(limit: usize) -> Self {
        let limit = limit.max(1);
        telemetry::limits(limit, limit);
        Self {
            shared: Arc::new(Shared {
                semaphore: Arc::new(Semaphore::new(limit)),
                limit,
                state: Mutex::new(State {
                    effective: limit,
                    debt: 0,
                    successes: 0,
                    epoch: 0,
                }),
                in_flight: AtomicUsize::new(0),
                peak_in_flight: AtomicUsize::new(0),
            }),
        }
    }

    /// Waits for a free slot (first come, first served).
    pub async fn acquire(&self) -> Permit {
        let permit = Arc::clone(&self.shared.semaphore)
            .acquire_owned()
            .await
            .expect("the governor never closes its semaphore");
        self.admit(permit)
    }

    /// A slot if one is free now.
    pub fn try_acquire(&self) -> Option<Permit> {
        let permit = Arc::clone(&self.shared.semaphore)
            .try_acquire_owned()
            .ok()?;
        Some(self.admit(permit))
    }

    fn admit(&self, permit: OwnedSemaphorePermit) -> Permit {
        let now = self.shared.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        telemetry::slot_taken();
        self.shared.peak_in_flight.fetch_max(now, Ordering::SeqCst);
        Permit {
            permit: Some(permit),
            shared: Arc::clone(&self.shared),
            epoch: self.shared.lock().epoch,
        }
    }

    /// NetSuite answered 429: halve the effective limit (at least 1).
    pub fn on_throttled(&self) {
        self.shared.decrease(None);
    }

    /// A request succeeded: after as many successes as the current limit, allow one more.
    pub fn on_success(&self) {
        self.shared.increase();
    }

    /// The configured limit.
    pub fn limit(&self) -> usize {
        self.shared.limit
    }

    /// The limit in force now (lowered after 429s, back to `limit()` after successes).
    pub fn effective_limit(&self) -> usize {
        self.shared.lock().effective
    }

    pub fn in_flight(&self) -> usize {
        self.shared.in_flight.load(Ordering::SeqCst)
    }

    /// The most requests ever in flight at once.
    pub fn peak_in_flight(&self) -> usize {
        self.shared.peak_in_flight.load(Ordering::SeqCst)
    }
}

impl Permit {
    /// This request got a 429. Lowers the limit unless it was already lowered after this
    /// request was admitted (the 429 then belongs to a burst already accounted for).
    pub fn throttled(&self) {
        self.shared.decrease(Some(self.epoch));
    }

    /// This request succeeded; see [`Governor::on_success`].
    pub fn succeeded(&self) {
        self.shared.increase();
    }
}

impl Drop for Permit {
    fn drop(&mut self) {
        self.shared.in_flight.fetch_sub(1, Ordering::SeqCst);
        telemetry::slot_released();
        let Some(permit) = self.permit.take() else {
            return;
        };
        let mut state = self.shared.lock();
        if state.debt > 0 {
            state.debt -= 1;
            permit.forget();
        } else {
            // Back to the semaphore, still under the lock so that `increase` and `decrease`
            // see a consistent count.
            drop(permit);
        }
    }
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        // The state is plain counters; a panic elsewhere cannot leave them half-written.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn decrease(&self, admitted_in: Option<u64>) {
        let mut state = self.lock();
        if admitted_in.is_some_and(|epoch| epoch != state.epoch) {
            return;
        }
        let target = (state.effective / 2).max(1);
        let cut = state.effective - target;
        if cut > 0 {
            let forgotten = self.semaphore.forget_permits(cut);
            state.debt += cut - forgotten;
            state.effective = target;
            telemetry::limits(self.limit, target);
        }
        state.successes = 0;
        state.epoch += 1;
        tracing::debug!(
            effective = state.effective,
            "netsuite concurrency lowered after a 429"
        );
    }

    fn increase(&self) {
        let mut state = self.lock();
        if state.effective >= self.limit {
            return;
        }
        state.successes += 1;
        if state.successes < state.effective {
            return;
        }
        state.successes = 0;
        state.effective += 1;
        telemetry::limits(self.limit, state.effective);
        if state.debt > 0 {
            state.debt -= 1;
        } else {
            self.semaphore.add_permits(1);
        }
    }
}

#[cfg(test)]
mod tests;
