//! The org's event bus: every change event with its replay position, kept for the whole run
//! (so EARLIEST and CUSTOM replay find them), and a signal that wakes waiting subscribers.

use std::sync::{Arc, Mutex};
use tokio::sync::watch;

/// One published change event.
#[derive(Debug)]
pub struct BusEvent {
    /// The replay position: 1 for the first event, one more for each after it.
    pub position: u64,
    /// The object whose change this is (`Account`): its channel is `/data/AccountChangeEvent`.
    pub object: &'static str,
    pub event_id: String,
    pub schema_id: String,
    /// The Avro binary record.
    pub payload: Vec<u8>,
}

pub struct EventBus {
    events: Mutex<Vec<Arc<BusEvent>>>,
    /// The newest position, for subscribers waiting on the next event.
    newest: watch::Sender<u64>,
}

impl Default for EventBus {
    fn default() -> Self {
        Self {
            events: Mutex::new(Vec::new()),
            newest: watch::Sender::new(0),
        }
    }
}

impl EventBus {
    /// Appends an event; returns its position.
    pub fn publish(&self, object: &'static str, schema_id: &str, payload: Vec<u8>) -> u64 {
        let mut events = self.events.lock().unwrap_or_else(|p| p.into_inner());
        let position = events.len() as u64 + 1;
        events.push(Arc::new(BusEvent {
            position,
            object,
            event_id: uuid::Uuid::new_v4().to_string(),
            schema_id: schema_id.to_owned(),
            payload,
        }));
        drop(events);
        self.newest.send_replace(position);
        position
    }

    /// The newest position (0 before the first event).
    pub fn newest(&self) -> u64 {
        *self.newest.borrow()
    }

    /// A receiver that changes whenever an event is published.
    pub fn watch(&self) -> watch::Receiver<u64> {
        self.newest.subscribe()
    }

    /// Up to `max` events after `position` that `wanted` selects, oldest first.
    pub fn after(
        &self,
        position: u64,
        max: usize,
        wanted: impl Fn(&BusEvent) -> bool,
    ) -> Vec<Arc<BusEvent>> {
        let events = self.events.lock().unwrap_or_else(|p| p.into_inner());
        let start = usize::try_from(position)
            .unwrap_or(usize::MAX)
            .min(events.len());
        events[start..]
            .iter()
            .filter(|event| wanted(event))
            .take(max)
            .cloned()
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_increase_and_replay_starts_after_the_given_one() {
        let bus = EventBus::default();
        assert_eq!(bus.newest(), 0);
        assert_eq!(bus.publish("Account", "s", vec![1]), 1);
        assert_eq!(bus.publish("Contact", "s", vec![2]), 2);
        assert_eq!(bus.publish("Account", "s", vec![3]), 3);
        let accounts = bus.after(1, 10, |e| e.object == "Account");
        assert_eq!(accounts.iter().map(|e| e.position).collect::<Vec<_>>(), [3]);
        assert_eq!(bus.after(0, 2, |_| true).len(), 2);
        assert!(bus.after(3, 10, |_| true).is_empty());
    }
}
