//! This instance's membership of the consumers of one topology, kept in the shared store: an
//! id made at start, a heartbeat every second, and the shards `assignment` gives it among the
//! members live now (a heartbeat within `LIVE_FOR`). The result goes out on a watch channel
//! that the consumer session follows. Stopping deletes the row, so the others take the shards
//! over at once; a killed instance's row just ages out.
//!
//! Liveness compares the writer's clock with the reader's, as the NetSuite slot leases do: the
//! instances' clocks must agree to well within `LIVE_FOR` (NTP does).

use super::assignment::assigned;
use crate::store::Store;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;
use tokio::time::{Instant, MissedTickBehavior};
use tokio_util::sync::CancellationToken;

/// How often an instance writes its heartbeat and looks at the others'.
pub(super) const HEARTBEAT_EVERY: Duration = Duration::from_secs(1);
/// A member whose last heartbeat is older than this counts as gone. An instance that could not
/// write its own heartbeat for this long gives its shards up, as the others take them over.
pub(super) const LIVE_FOR: Duration = Duration::from_millis(3_500);
/// How long stopping waits for the store to delete the row (it ages out anyway).
const LEAVE_TIMEOUT: Duration = Duration::from_secs(2);

/// The shards this instance should consume; `None` until the first heartbeat answered.
pub(super) type Assignment = watch::Receiver<Option<Vec<u16>>>;

pub(super) struct Membership {
    pub store: Arc<dyn Store>,
    pub prefix: String,
    pub shards: u16,
}

impl Membership {
    /// Joins under a new id and keeps the assignment up to date until `stop`, then leaves.
    pub(super) fn start(
        self,
        stop: CancellationToken,
    ) -> (Assignment, tokio::task::JoinHandle<()>) {
        let (send, receive) = watch::channel(None);
        let id = uuid::Uuid::new_v4().to_string();
        let task = tokio::spawn(self.run(id, send, stop));
        (receive, task)
    }

    async fn run(
        self,
        id: String,
        assignment: watch::Sender<Option<Vec<u16>>>,
        stop: CancellationToken,
    ) {
        tracing::info!(member = %id, prefix = %self.prefix, "joining the RabbitMQ consumers");
        let mut ticks = tokio::time::interval(HEARTBEAT_EVERY);
        ticks.set_missed_tick_behavior(MissedTickBehavior::Delay);
        let mut last_beat: Option<Instant> = None;
        loop {
            tokio::select! {
                _ = stop.cancelled() => break,
                _ = ticks.tick() => {}
            }
            let now = chrono::Utc::now().timestamp_millis();
            let live_since = now - LIVE_FOR.as_millis() as i64;
            let beat = self
                .store
                .heartbeat_member(&self.prefix, &id, now, live_since);
            match tokio::time::timeout(LIVE_FOR, beat).await {
                Ok(Ok(members)) => {
                    last_beat = Some(Instant::now());
                    let shards = assigned(self.shards, &members, &id);
                    publish(&assignment, shards, members.len());
                }
                Ok(Err(error)) => tracing::warn!(%error, "cannot write this instance's heartbeat"),
                Err(_) => {
                    tracing::warn!("the store did not take this instance's heartbeat in time")
                }
            }
            // The others count this instance as gone by now: give its shards up too.
            if last_beat.is_none_or(|beat| beat.elapsed() >= LIVE_FOR) {
                publish(&assignment, Vec::new(), 0);
            }
        }
        match tokio::time::timeout(LEAVE_TIMEOUT, self.store.leave_members(&self.prefix, &id)).await
        {
            Ok(Ok(())) => tracing::info!(member = %id, "left the RabbitMQ consumers"),
            Ok(Err(error)) => {
                tracing::warn!(%error, "cannot delete this instance's membership; it ages out")
            }
            Err(_) => tracing::warn!(
                "the store did not delete this instance's membership in time; it ages out"
            ),
        }
    }
}

/// Sends the shards when they differ from the last ones, and says so.
fn publish(assignment: &watch::Sender<Option<Vec<u16>>>, shards: Vec<u16>, members: usize) {
    assignment.send_if_modified(|current| {
        if current.as_ref() == Some(&shards) {
            return false;
        }
        tracing::info!(?shards, count = shards.len(), members, "shards assigned");
        *current = Some(shards);
        true
    });
}
