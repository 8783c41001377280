//! Record claims across instances: a record's event is applied by one worker at a time, even
//! when the broker hands it to a second instance (after the first lost its connection) while
//! the first is still writing it. The second waits until the claim is released — by then the
//! event is recorded as processed and is acknowledged as a duplicate — or until it lapses,
//! because its holder died.
//!
//! A claim taken over from a dead holder on the same event is in doubt: the dead worker may
//! have written it. If that attempt fails before it settles the doubt, the doubt stays: the
//! claim is left to lapse rather than released (another instance taking the retry finds it in
//! doubt too), and this process remembers the event for its own retry.

use crate::domain::ChangeEvent;
use crate::ops::metrics::EVENTS_IN_DOUBT;
use crate::store::{ClaimOutcome, RecordClaim, Store, StoreError};
use std::collections::HashSet;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The first wait between two looks at a claim held elsewhere; it doubles up to `MAX_POLL`.
const FIRST_POLL: Duration = Duration::from_millis(20);
const MAX_POLL: Duration = Duration::from_millis(500);

/// This process's claims: who it is, and how long a claim lasts unless renewed.
pub struct Claims {
    store: Arc<dyn Store>,
    owner: String,
    lifetime: Duration,
    /// Events this process took over in doubt whose attempt failed: their retry here is still
    /// in doubt (the store's claim, owned by this process, no longer says so).
    doubted: Mutex<HashSet<String>>,
}

/// A record held by this process while one event of it is applied.
pub struct Claim<'a> {
    claims: &'a Claims,
    record_key: String,
    event_id: String,
    /// The previous holder died while applying this same event: it may have written it.
    pub in_doubt: bool,
}

impl Claims {
    /// Claims held by a process that stops renewing them lapse after `lifetime`.
    pub fn new(store: Arc<dyn Store>, lifetime: Duration) -> Self {
        let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "tandem".into());
        let owner = format!(
            "{host}:{}:{}",
            std::process::id(),
            &uuid::Uuid::new_v4().simple().to_string()[..8]
        );
        Self {
            store,
            owner,
            lifetime,
            doubted: Mutex::default(),
        }
    }

    fn doubted(&self) -> std::sync::MutexGuard<'_, HashSet<String>> {
        // A set of ids; a panic elsewhere cannot leave it half-written.
        self.doubted.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Waits until the event's record is this process's (released or lapsed elsewhere).
    pub async fn acquire(&self, event: &ChangeEvent) -> Result<Claim<'_>, StoreError> {
        let record_key = event.record_key();
        let mut poll = FIRST_POLL;
        let mut waited = false;
        loop {
            match self.ask(&record_key, &event.id).await? {
                ClaimOutcome::Claimed { in_doubt } => {
                    let in_doubt = in_doubt || self.doubted().contains(&event.id);
                    if waited {
                        tracing::info!(record_key, "claim released elsewhere; going on");
                    }
                    if in_doubt {
                        tracing::warn!(
                            record_key,
                            "the worker that held this event died while applying it; applying it again"
                        );
                        metrics::counter!(EVENTS_IN_DOUBT).increment(1);
                    }
                    return Ok(Claim {
                        claims: self,
                        record_key,
                        event_id: event.id.clone(),
                        in_doubt,
                    });
                }
                ClaimOutcome::Held { owner, until_ms } => {
                    if !waited {
                        tracing::info!(record_key, holder = %owner, until_ms, "another instance is applying this record; waiting");
                        waited = true;
                    }
                    tokio::time::sleep(poll).await;
                    poll = (poll * 2).min(MAX_POLL);
                }
            }
        }
    }

    async fn ask(&self, record_key: &str, event_id: &str) -> Result<ClaimOutcome, StoreError> {
        let now_ms = chrono::Utc::now().timestamp_millis();
        let claim = RecordClaim {
            record_key: record_key.to_owned(),
            owner: self.owner.clone(),
            event_id: event_id.to_owned(),
            until_ms: now_ms + self.lifetime.as_millis() as i64,
        };
        self.store.claim_record(&claim, now_ms).await
    }
}

impl Claim<'_> {
    /// Runs `work`, renewing the claim every third of its lifetime until it finishes.
    pub async fn hold<F: Future>(&self, work: F) -> F::Output {
        let every = self.claims.lifetime / 3;
        tokio::pin!(work);
        loop {
            tokio::select! {
                output = &mut work => return output,
                _ = tokio::time::sleep(every) => {
                    match self.claims.ask(&self.record_key, &self.event_id).await {
                        Ok(ClaimOutcome::Claimed { .. }) => {}
                        Ok(ClaimOutcome::Held { owner, .. }) => {
                            tracing::error!(record_key = %self.record_key, holder = %owner, "this worker's claim lapsed and was taken over; the event may be applied twice");
                        }
                        Err(error) => tracing::warn!(%error, "could not renew the record claim"),
                    }
                }
            }
        }
    }

    /// The attempt failed while the event was in doubt, perhaps before it could look whether
    /// the dead worker's write landed: the claim is left to lapse, so that whichever instance
    /// takes the retry finds the event in doubt still.
    pub fn keep_in_doubt(self) {
        tracing::info!(record_key = %self.record_key, "the attempt in doubt failed; the retry stays in doubt");
        self.claims.doubted().insert(self.event_id);
    }

    /// Gives the record up; if that fails, the claim lapses on its own.
    pub async fn release(self) {
        let claims = self.claims;
        claims.doubted().remove(&self.event_id);
        if let Err(error) = claims
            .store
            .release_record(&self.record_key, &claims.owner, &self.event_id)
            .await
        {
            tracing::warn!(%error, record_key = %self.record_key, "could not release the record claim; it lapses");
        }
    }
}
