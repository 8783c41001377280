//! The normalised change event: the only shape the queue and the workers see.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::fmt;

/// Salesforce or NetSuite: where an event came from, which system a client calls, a field group's master.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum System {
    Salesforce,
    Netsuite,
}

impl System {
    pub fn as_str(self) -> &'static str {
        match self {
            System::Salesforce => "salesforce",
            System::Netsuite => "netsuite",
        }
    }

    /// The system named `salesforce` or `netsuite`.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "salesforce" => Some(System::Salesforce),
            "netsuite" => Some(System::Netsuite),
            _ => None,
        }
    }
}

impl fmt::Display for System {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What happened to the record at the source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ChangeKind {
    Created,
    Updated,
    Deleted,
}

/// One change to one record in one system, as tandem queues it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChangeEvent {
    /// Unique per event: the Outbound Message notification id, or the webhook id
    /// (suffixed with `/<index>` for the events of a batch).
    pub id: String,
    pub source: System,
    /// Salesforce API name (`Account`) or NetSuite record type (`customer`).
    pub object: String,
    pub record_id: String,
    pub change: ChangeKind,
    /// The source's modification time; orders the events of one record.
    pub version: Option<DateTime<Utc>>,
    /// Who changed the record at the source (user id, or NetSuite employee id).
    pub modified_by: Option<String>,
    /// The origin stamp found on the record (set when tandem itself made the change).
    pub origin: Option<String>,
    /// NetSuite SuiteScript execution context (`userinterface`, `webservices`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub execution_context: Option<String>,
    /// NetSuite role of the user who made the change.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    /// The record's fields, by the source system's own API names.
    pub fields: Map<String, Value>,
    pub received_at: DateTime<Utc>,
    /// How many times this event has been handed to a worker (1 on the first delivery).
    pub attempt: u32,
}

impl ChangeEvent {
    /// The key that orders events: events with the same key are applied one at a time, in order.
    pub fn record_key(&self) -> String {
        format!(
            "{}:{}:{}",
            self.source,
            self.object.to_ascii_lowercase(),
            self.record_id
        )
    }
}

impl ChangeEvent {
    /// The key the queue orders by. Inventory levels are coalesced latest-version-wins, so
    /// they need no ordering: each gets its own key and a burst is handed out all at once.
    pub fn ordering_key(&self) -> String {
        if self.is_inventory_level() {
            format!("{}#{}", self.record_key(), self.id)
        } else {
            self.record_key()
        }
    }

    /// An update of another record that `cause` needs applied first (an order's account, a
    /// quantity's item), read fresh from its system; its id derives from the cause's.
    pub fn needed_by(
        cause: &ChangeEvent,
        source: System,
        object: &str,
        record_id: &str,
        fields: Map<String, Value>,
    ) -> ChangeEvent {
        ChangeEvent {
            id: format!("{}:{}", cause.id, object.to_ascii_lowercase()),
            source,
            object: object.to_owned(),
            record_id: record_id.to_owned(),
            change: ChangeKind::Updated,
            version: None,
            modified_by: None,
            origin: None,
            execution_context: None,
            role: None,
            fields,
            received_at: cause.received_at,
            attempt: cause.attempt,
        }
    }

    /// The record was deleted at the source.
    pub fn is_delete(&self) -> bool {
        self.change == ChangeKind::Deleted
    }

    /// A NetSuite quantity-available change (`object: "inventorylevel"`).
    pub fn is_inventory_level(&self) -> bool {
        self.source == System::Netsuite && self.object.eq_ignore_ascii_case(INVENTORY_LEVEL)
    }
}

/// The object name NetSuite relays use for quantity-available changes of an item.
pub const INVENTORY_LEVEL: &str = "inventorylevel";

/// The versioned wire form of a queued event. New versions add variants; old ones stay readable.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "schema")]
pub enum Envelope {
    #[serde(rename = "tandem.change.v1")]
    V1(ChangeEvent),
}

/// [`Envelope`] over a borrowed event, for writing: the same wire form.
#[derive(Serialize)]
#[serde(tag = "schema")]
enum EnvelopeRef<'a> {
    #[serde(rename = "tandem.change.v1")]
    V1(&'a ChangeEvent),
}

/// Bytes reserved up front for an encoded event: most fit, so the buffer is not regrown.
const ENCODED_CAPACITY: usize = 2048;

impl Envelope {
    pub fn into_event(self) -> ChangeEvent {
        match self {
            Envelope::V1(event) => event,
        }
    }

    /// The wire form of `event`, written from a borrow (no copy of its fields).
    pub fn encode(event: &ChangeEvent) -> Vec<u8> {
        let mut bytes = Vec::with_capacity(ENCODED_CAPACITY);
        // Serialising a struct of strings, maps and JSON values cannot fail.
        serde_json::to_writer(&mut bytes, &EnvelopeRef::V1(event))
            .expect("change event serialises");
        bytes
    }

    pub fn decode(bytes: &[u8]) -> Result<ChangeEvent, serde_json::Error> {
        serde_json::from_slice::<Envelope>(bytes).map(Envelope::into_event)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> ChangeEvent {
        ChangeEvent {
            id: "04l9000001olR84AAE".into(),
            source: System::Salesforce,
            object: "Account".into(),
            record_id: "0019000001KwyWtAAJ".into(),
            change: ChangeKind::Updated,
            version: None,
            modified_by: None,
            origin: None,
            execution_context: None,
            role: None,
            fields: Map::new(),
            received_at: Utc::now(),
            attempt: 0,
        }
    }

    #[test]
    fn an_envelope_round_trips_and_names_its_schema() {
        let event = sample();
        let bytes = Envelope::encode(&event);
        let text = String::from_utf8(bytes.clone()).unwrap();
        assert!(text.contains(r#""schema":"tandem.change.v1""#), "{text}");
        assert_eq!(Envelope::decode(&bytes).unwrap(), event);
    }

    #[test]
    fn the_record_key_ignores_object_case() {
        let mut event = sample();
        let key = event.record_key();
        event.object = "ACCOUNT".into();
        assert_eq!(event.record_key(), key);
        assert_eq!(key, "salesforce:account:0019000001KwyWtAAJ");
        assert_eq!(event.ordering_key(), key);
    }

    #[test]
    fn inventory_levels_are_not_ordered_against_each_other() {
        let mut first = sample();
        first.source = System::Netsuite;
        first.object = "inventorylevel".into();
        let mut second = first.clone();
        second.id = "other".into();
        assert_ne!(first.ordering_key(), second.ordering_key());
        assert_eq!(first.record_key(), second.record_key());
    }
}
