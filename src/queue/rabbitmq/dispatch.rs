//! Between the shard consumers and `receive`: deliveries arrive through a bounded channel into
//! a pending list kept in arrival order, and each is handed out only when no other event of its
//! record is out, so a record's events are applied one at a time and in order even though a
//! shard's consumer prefetches several. A lease remembers the channel session and delivery tag
//! that settle it. A session being drained (its shard is handed to another instance) hands
//! nothing more out while its leases settle.

use crate::domain::ChangeEvent;
use crate::queue::{Lease, LeaseToken, QueueError};
use lapin::Acker;
use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tokio::sync::{Notify, mpsc};
use tokio::time::Instant;

/// A delivery from a shard queue, decoded.
pub(super) struct Incoming {
    /// The consumer channel it came on (a new session after every reconnect).
    pub session: u64,
    pub delivery_tag: u64,
    pub acker: Acker,
    /// The body as received, republished unchanged by retries and dead letters.
    pub body: Vec<u8>,
    pub last_error: Option<String>,
    pub event: ChangeEvent,
}

/// A delivery handed to a worker and not yet settled.
#[derive(Clone)]
pub(super) struct Held {
    pub acker: Acker,
    pub body: Vec<u8>,
    pub last_error: Option<String>,
    pub event: ChangeEvent,
    key: String,
    session: u64,
    leased_at: Instant,
}

pub(super) struct Dispatch {
    inbox: mpsc::Sender<Incoming>,
    state: Mutex<State>,
    /// Woken when a delivery arrives or a record is freed.
    changed: Notify,
    sessions: AtomicU64,
}

struct State {
    inbox: mpsc::Receiver<Incoming>,
    pending: VecDeque<Incoming>,
    /// Ordering keys with a lease out.
    busy: HashSet<String>,
    leases: HashMap<(u64, u64), Held>,
    /// Consumer channels still open; deliveries of closed ones are redelivered by the broker.
    live: HashSet<u64>,
    /// Open channels whose deliveries are no longer handed out (their leases still settle).
    draining: HashSet<u64>,
}

impl Dispatch {
    /// `capacity` bounds the channel; the broker never sends more than the shards' prefetch.
    pub(super) fn new(capacity: usize) -> Self {
        let (sender, receiver) = mpsc::channel(capacity.max(1));
        Self {
            inbox: sender,
            state: Mutex::new(State {
                inbox: receiver,
                pending: VecDeque::new(),
                busy: HashSet::new(),
                leases: HashMap::new(),
                live: HashSet::new(),
                draining: HashSet::new(),
            }),
            changed: Notify::new(),
            sessions: AtomicU64::new(0),
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        // The state stays consistent between statements; a panic elsewhere cannot break it.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A new consumer channel whose deliveries may be handed out.
    pub(super) fn open_session(&self) -> u64 {
        let session = self.sessions.fetch_add(1, Ordering::Relaxed) + 1;
        self.state().live.insert(session);
        session
    }

    /// Forgets the pending deliveries of closed channels (the broker redelivers them). Their
    /// leases stay until settled, so a record stays busy while a worker still holds it.
    pub(super) fn close_sessions(&self, sessions: &[u64]) {
        let mut state = self.state();
        state.drain_inbox();
        for session in sessions {
            state.live.remove(session);
            state.draining.remove(session);
        }
        let State { pending, live, .. } = &mut *state;
        pending.retain(|incoming| live.contains(&incoming.session));
    }

    /// Hands nothing more out of `session`: its buffered deliveries are dropped (unacknowledged,
    /// they go back to the queue when the channel closes) and so are any that still arrive.
    /// Its leases out stay valid until settled.
    pub(super) fn stop_handing_out(&self, session: u64) {
        let mut state = self.state();
        state.drain_inbox();
        state.draining.insert(session);
        state.pending.retain(|incoming| incoming.session != session);
    }

    /// Leases of `session` not yet settled.
    pub(super) fn leases_of(&self, session: u64) -> usize {
        self.state()
            .leases
            .values()
            .filter(|held| held.session == session)
            .count()
    }

    /// Called in delivery order by a consumer; if the channel is full, gives back the acker
    /// so that the delivery can be returned to its queue.
    pub(super) fn offer(&self, incoming: Incoming) -> Result<(), Acker> {
        let offered = self.inbox.try_send(incoming).map_err(|e| match e {
            mpsc::error::TrySendError::Full(back) | mpsc::error::TrySendError::Closed(back) => {
                back.acker
            }
        });
        self.changed.notify_waiters();
        offered
    }

    /// Resolves on the next arrival or release; enable it before looking, so none is missed.
    pub(super) fn changed(&self) -> tokio::sync::futures::Notified<'_> {
        self.changed.notified()
    }

    /// Up to `max` deliveries whose record has nothing earlier pending or out, oldest first.
    pub(super) fn take(&self, max: usize) -> Vec<Lease> {
        let mut state = self.state();
        state.drain_inbox();
        let mut blocked: HashSet<String> = HashSet::new();
        let mut leases = Vec::new();
        let mut index = 0;
        while index < state.pending.len() && leases.len() < max {
            let incoming = &state.pending[index];
            if !state.live.contains(&incoming.session)
                || state.draining.contains(&incoming.session)
                || !incoming.acker.usable()
            {
                state.pending.remove(index);
                continue;
            }
            let key = incoming.event.ordering_key();
            if state.busy.contains(&key) || blocked.contains(&key) {
                blocked.insert(key);
                index += 1;
                continue;
            }
            let Some(incoming) = state.pending.remove(index) else {
                break;
            };
            let token = LeaseToken {
                id: incoming.session as i64,
                nonce: incoming.delivery_tag as i64,
            };
            state.busy.insert(key.clone());
            leases.push(Lease {
                token,
                event: incoming.event.clone(),
                // The broker dead-letters past `x-delivery-limit` itself.
                exhausted: None,
            });
            state.leases.insert(
                (incoming.session, incoming.delivery_tag),
                Held {
                    acker: incoming.acker,
                    body: incoming.body,
                    last_error: incoming.last_error,
                    event: incoming.event,
                    key,
                    session: incoming.session,
                    leased_at: Instant::now(),
                },
            );
        }
        leases
    }

    /// The lease behind `token`; `LeaseLost` if it was settled, expired, or its channel closed.
    pub(super) fn held(&self, token: LeaseToken) -> Result<Held, QueueError> {
        let key = (token.id as u64, token.nonce as u64);
        let held = self
            .state()
            .leases
            .get(&key)
            .cloned()
            .ok_or(QueueError::LeaseLost)?;
        if !self.state().live.contains(&held.session) || !held.acker.usable() {
            self.release(token);
            return Err(QueueError::LeaseLost);
        }
        Ok(held)
    }

    /// Ends a lease: its record may be handed out again.
    pub(super) fn release(&self, token: LeaseToken) {
        let key = (token.id as u64, token.nonce as u64);
        let mut state = self.state();
        if let Some(held) = state.leases.remove(&key) {
            state.busy.remove(&held.key);
            drop(state);
            self.changed.notify_waiters();
        }
    }

    /// Ends the leases held longer than `timeout` and returns them, to be handed back.
    pub(super) fn expired(&self, timeout: Duration) -> Vec<Held> {
        let mut state = self.state();
        let now = Instant::now();
        let stale: Vec<(u64, u64)> = state
            .leases
            .iter()
            .filter(|(_, held)| now.duration_since(held.leased_at) >= timeout)
            .map(|(key, _)| *key)
            .collect();
        let mut expired = Vec::with_capacity(stale.len());
        for key in stale {
            if let Some(held) = state.leases.remove(&key) {
                state.busy.remove(&held.key);
                expired.push(held);
            }
        }
        expired
    }

    /// When the oldest lease out reaches `timeout`.
    pub(super) fn next_expiry(&self, timeout: Duration) -> Option<Instant> {
        let state = self.state();
        state.leases.values().map(|h| h.leased_at + timeout).min()
    }

    /// Deliveries received and not handed out, and leases out.
    pub(super) fn counts(&self) -> (u64, u64) {
        let mut state = self.state();
        state.drain_inbox();
        (state.pending.len() as u64, state.leases.len() as u64)
    }
}

impl State {
    fn drain_inbox(&mut self) {
        while let Ok(incoming) = self.inbox.try_recv() {
            self.pending.push_back(incoming);
        }
    }
}
