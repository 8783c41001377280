//! A source record as the change event a live webhook would have queued for it: the same
//! fields, version, modifier and origin stamp, so the workers treat both alike (a NetSuite
//! record goes without fields, marked for the worker to read it whole). Its id (and its
//! delivery's dedupe key) names the run and the record: queueing it again when a run resumes
//! after a crash adds nothing.

use crate::domain::mapping::Flow;
use crate::domain::{ChangeEvent, ChangeKind, System};
use crate::ingress::notification_events::ORIGIN_FIELD;
use crate::queue::Delivery;
use crate::sync::backfilled::BACKFILL_CONTEXT;
use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

/// The event of run `run` for record `id` of `object`, with `fields` as read from `flow`'s
/// source (`None`: the worker reads the record).
pub fn event(
    flow: Flow,
    run: &str,
    object: &str,
    id: &str,
    fields: Option<Map<String, Value>>,
    now: DateTime<Utc>,
) -> ChangeEvent {
    let to_read = fields.is_none();
    let fields = fields.unwrap_or_default();
    let source = flow.source_system();
    let text = |name: &str| {
        fields
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .and_then(|(_, value)| value.as_str())
            .filter(|text| !text.is_empty())
            .map(str::to_owned)
    };
    let (version, modified_by, origin) = match source {
        System::Salesforce => (
            text("LastModifiedDate")
                .or_else(|| text("SystemModstamp"))
                .and_then(|time| timestamp(&time)),
            text("LastModifiedById"),
            text(ORIGIN_FIELD),
        ),
        // Read fresh when applied: no version to order by, no modifier to tell an echo by.
        System::Netsuite => (None, None, None),
    };
    ChangeEvent {
        id: format!("backfill:{}:{run}:{id}", flow.as_str()),
        source,
        object: object.to_owned(),
        record_id: id.to_owned(),
        change: ChangeKind::Updated,
        version,
        modified_by,
        origin,
        execution_context: to_read.then(|| BACKFILL_CONTEXT.to_owned()),
        role: None,
        fields,
        received_at: now,
        attempt: 0,
    }
}

/// The delivery that queues `event` once: its dedupe key is its id.
pub fn delivery(event: ChangeEvent) -> Delivery {
    Delivery {
        dedupe_key: event.id.clone(),
        events: vec![event],
    }
}

/// Salesforce's `2026-11-27T10:15:02.000+0000` or RFC 3339.
fn timestamp(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text)
        .or_else(|_| DateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f%z"))
        .ok()
        .map(|time| time.with_timezone(&Utc))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn fields(value: Value) -> Map<String, Value> {
        value.as_object().unwrap().clone()
    }

    #[test]
    fn a_salesforce_record_becomes_the_event_an_outbound_message_would_queue() {
        let now = Utc::now();
        let account = fields(json!({
            "Id": "001A", "Name": "Acme",
            "LastModifiedDate": "2026-11-27T10:15:02.000+0000",
            "LastModifiedById": "005X",
            "Tandem_Sync_Origin__c": null,
        }));
        let event = event(
            Flow::AccountToCustomer,
            "r1",
            "Account",
            "001A",
            Some(account),
            now,
        );
        assert_eq!(event.id, "backfill:account_to_customer:r1:001A");
        assert_eq!(event.execution_context, None);
        assert_eq!(event.record_key(), "salesforce:account:001A");
        assert_eq!(event.modified_by.as_deref(), Some("005X"));
        assert_eq!(event.origin, None);
        assert_eq!(
            event.version.unwrap().to_rfc3339(),
            "2026-11-27T10:15:02+00:00"
        );
        assert_eq!(delivery(event.clone()).dedupe_key, event.id);
    }

    #[test]
    fn a_netsuite_record_goes_unread_and_marked_for_the_worker_to_read() {
        let event = event(
            Flow::ItemToProduct,
            "r1",
            "inventoryItem",
            "7",
            None,
            Utc::now(),
        );
        assert_eq!(event.id, "backfill:item_to_product:r1:7");
        assert_eq!(event.object, "inventoryItem");
        assert!(event.fields.is_empty());
        assert_eq!(event.version, None);
        assert_eq!(event.execution_context.as_deref(), Some(BACKFILL_CONTEXT));
    }
}
