//! The shards one consumer session holds, following the assignment: a newly assigned shard is
//! consumed at once (single-active-consumer keeps it waiting while the previous owner still has
//! its consumer attached); a shard assigned elsewhere now is drained before it is let go. It
//! hands nothing more out, its leases out settle (acked, retried or dead-lettered), and only
//! then its channel closes, which returns what it had buffered to the queue and makes the new
//! owner's consumer the active one. So two instances never apply events of one shard at once.

use super::dispatch::Dispatch;
use super::shard_channel::ShardChannel;
use super::topology::Topology;
use crate::ops::metrics::QUEUE_SHARDS_OWNED;
use crate::queue::QueueError;
use lapin::Connection;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::Notify;
use tokio::time::Instant;

/// What opening a shard's consumer needs, for one session.
pub(super) struct Opener<'a> {
    pub connection: &'a Connection,
    pub topology: &'a Topology,
    pub prefetch: u16,
    pub dispatch: &'a Arc<Dispatch>,
    pub lost: &'a Arc<Notify>,
}

/// A shard let go of, waiting for its leases to settle.
struct Draining {
    channel: ShardChannel,
    since: Instant,
}

/// The shards held now, as the queue reports them (`RabbitQueue::owned_shards`).
pub(super) type Report = Arc<Mutex<Vec<u16>>>;

pub(super) struct OwnedShards {
    held: BTreeMap<u16, ShardChannel>,
    draining: Vec<Draining>,
    report: Report,
}

impl super::RabbitQueue {
    /// The shards this instance consumes now: its share among the live instances.
    pub fn owned_shards(&self) -> Vec<u16> {
        self.owned.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

impl OwnedShards {
    pub(super) fn new(report: Report) -> Self {
        Self {
            held: BTreeMap::new(),
            draining: Vec::new(),
            report,
        }
    }

    fn publish(&self) {
        let held: Vec<u16> = self.held().collect();
        metrics::gauge!(QUEUE_SHARDS_OWNED).set(held.len() as f64);
        *self.report.lock().unwrap_or_else(|e| e.into_inner()) = held;
    }

    /// The shards consumed and handed out now (not those draining).
    pub(super) fn held(&self) -> impl Iterator<Item = u16> + '_ {
        self.held.keys().copied()
    }

    pub(super) fn is_draining(&self) -> bool {
        !self.draining.is_empty()
    }

    /// Lets go of the shards not in `wanted` (they drain) and consumes those of `wanted` not
    /// held yet, except one still draining here: it is consumed again once it has drained.
    pub(super) async fn follow(
        &mut self,
        wanted: &[u16],
        opener: &Opener<'_>,
        drain_limit: Duration,
    ) -> Result<(), QueueError> {
        let gone: Vec<u16> = self.held().filter(|s| !wanted.contains(s)).collect();
        for shard in gone {
            let Some(channel) = self.held.remove(&shard) else {
                continue;
            };
            opener.dispatch.stop_handing_out(channel.session);
            tracing::info!(
                shard,
                leases_out = opener.dispatch.leases_of(channel.session),
                "handing a shard over: draining it"
            );
            self.draining.push(Draining {
                channel,
                since: Instant::now(),
            });
        }
        // A shard let go of stops counting as soon as it stops handing out.
        self.publish();
        self.finish_drains(opener.dispatch, drain_limit).await;
        for &shard in wanted {
            let draining = self.draining.iter().any(|d| d.channel.shard == shard);
            if self.held.contains_key(&shard) || draining {
                continue;
            }
            let queue = opener.topology.work_queue(shard);
            let channel = ShardChannel::open(
                opener.connection,
                queue,
                shard,
                opener.prefetch,
                opener.dispatch,
                opener.lost,
            )
            .await?;
            self.held.insert(shard, channel);
        }
        self.publish();
        Ok(())
    }

    /// Closes the channels of the drained shards: those whose leases all settled, or that
    /// waited `limit` (a worker stuck that long loses its lease; the record claims in the
    /// store still keep two workers off one record).
    pub(super) async fn finish_drains(&mut self, dispatch: &Dispatch, limit: Duration) {
        let mut waiting = Vec::new();
        for draining in std::mem::take(&mut self.draining) {
            let session = draining.channel.session;
            let out = dispatch.leases_of(session);
            if out > 0 && draining.since.elapsed() < limit {
                waiting.push(draining);
                continue;
            }
            let shard = draining.channel.shard;
            if out > 0 {
                tracing::warn!(
                    shard,
                    leases_out = out,
                    ?limit,
                    "a shard handed over still has leases out; letting it go anyway"
                );
            }
            draining.channel.close().await;
            dispatch.close_sessions(&[session]);
            tracing::info!(
                shard,
                drained_ms = draining.since.elapsed().as_millis() as u64,
                "shard handed over"
            );
        }
        self.draining = waiting;
    }

    /// Forgets every shard (the session ends; its connection closes them all).
    pub(super) fn release_all(&mut self, dispatch: &Dispatch) {
        let sessions: Vec<u64> = self
            .held
            .values()
            .map(|c| c.session)
            .chain(self.draining.iter().map(|d| d.channel.session))
            .collect();
        dispatch.close_sessions(&sessions);
        self.held.clear();
        self.draining.clear();
        self.publish();
    }
}
