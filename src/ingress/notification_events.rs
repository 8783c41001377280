//! Outbound Message notifications as change events: one event per notification, whose id is the
//! notification `Id` (stable across Salesforce's redeliveries).

use super::outbound_message::{Notification, OutboundMessage};
use crate::domain::{ChangeEvent, ChangeKind, System};
use chrono::{DateTime, Utc};
use serde_json::Value;

/// The origin stamp tandem writes on every Salesforce record it changes.
pub const ORIGIN_FIELD: &str = "Tandem_Sync_Origin__c";

pub fn change_events(message: OutboundMessage, received_at: DateTime<Utc>) -> Vec<ChangeEvent> {
    message
        .notifications
        .into_iter()
        .map(|notification| change_event(notification, received_at))
        .collect()
}

fn change_event(notification: Notification, received_at: DateTime<Utc>) -> ChangeEvent {
    let fields = notification.fields;
    let text = |name: &str| fields.get(name).and_then(Value::as_str).map(str::to_owned);
    let timestamp = |name: &str| {
        text(name)
            .and_then(|value| DateTime::parse_from_rfc3339(&value).ok())
            .map(|time| time.with_timezone(&Utc))
    };
    // Outbound Messages carry only the fields the admin selected; LastModifiedDate (or
    // SystemModstamp) orders the events of a record when present.
    let version = timestamp("LastModifiedDate").or_else(|| timestamp("SystemModstamp"));
    let created = timestamp("CreatedDate");
    let change = match (created, version) {
        (Some(created), Some(version)) if created == version => ChangeKind::Created,
        _ => ChangeKind::Updated,
    };
    let deleted = fields.get("IsDeleted").and_then(Value::as_str) == Some("true");
    ChangeEvent {
        id: notification.id,
        source: System::Salesforce,
        record_id: text("Id").unwrap_or_default(),
        object: notification.object,
        change: if deleted { ChangeKind::Deleted } else { change },
        version,
        modified_by: text("LastModifiedById"),
        origin: text(ORIGIN_FIELD).filter(|origin| !origin.is_empty()),
        execution_context: None,
        role: None,
        fields,
        received_at,
        attempt: 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Map, json};

    fn notification(fields: Value) -> OutboundMessage {
        let Value::Object(fields) = fields else {
            unreachable!()
        };
        OutboundMessage {
            organization_id: "00D000000000001AAA".into(),
            action_id: "04k000000000001AAA".into(),
            session_id: None,
            enterprise_url: String::new(),
            partner_url: String::new(),
            notifications: vec![Notification {
                id: "04l000000000001AAA".into(),
                object: "Opportunity".into(),
                fields,
            }],
        }
    }

    #[test]
    fn a_notification_becomes_an_event_keyed_by_its_id() {
        let message = notification(json!({
            "Id": "006000000000001AAA",
            "StageName": "Closed Won",
            "LastModifiedDate": "2026-11-27T10:15:02.000Z",
            "CreatedDate": "2026-11-20T08:00:00.000Z",
            "LastModifiedById": "005000000000001AAA",
            "Tandem_Sync_Origin__c": "evt_42",
        }));
        let event = change_events(message, Utc::now()).remove(0);
        assert_eq!(event.id, "04l000000000001AAA");
        assert_eq!(event.record_id, "006000000000001AAA");
        assert_eq!(event.object, "Opportunity");
        assert_eq!(event.change, ChangeKind::Updated);
        assert_eq!(event.modified_by.as_deref(), Some("005000000000001AAA"));
        assert_eq!(event.origin.as_deref(), Some("evt_42"));
        assert_eq!(
            event.version.unwrap().to_rfc3339(),
            "2026-11-27T10:15:02+00:00"
        );
    }

    #[test]
    fn a_record_modified_when_created_is_a_creation() {
        let message = notification(json!({
            "Id": "006000000000001AAA",
            "LastModifiedDate": "2026-11-27T10:15:02.000Z",
            "CreatedDate": "2026-11-27T10:15:02.000Z",
        }));
        assert_eq!(
            change_events(message, Utc::now())[0].change,
            ChangeKind::Created
        );
        let bare = notification(Value::Object(Map::from_iter([(
            "Id".to_owned(),
            json!("006000000000001AAA"),
        )])));
        let event = change_events(bare, Utc::now()).remove(0);
        assert_eq!(event.change, ChangeKind::Updated);
        assert_eq!(event.version, None);
    }
}
