//! Builders the queue backends' tests share: a customer change event and a delivery.

use super::Delivery;
use crate::domain::{ChangeEvent, ChangeKind, System};

pub fn event(id: &str, record: &str) -> ChangeEvent {
    ChangeEvent {
        id: id.into(),
        source: System::Netsuite,
        object: "customer".into(),
        record_id: record.into(),
        change: ChangeKind::Updated,
        version: None,
        modified_by: None,
        origin: None,
        execution_context: None,
        role: None,
        fields: serde_json::Map::new(),
        received_at: chrono::Utc::now(),
        attempt: 0,
    }
}

pub fn delivery(key: &str, events: Vec<ChangeEvent>) -> Delivery {
    Delivery {
        dedupe_key: key.into(),
        events,
    }
}
