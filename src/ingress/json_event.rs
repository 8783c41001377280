//! JSON change events posted by Salesforce relays and the NetSuite SuiteScript: one event, or
//! `{"events":[…]}`, parsed into change events with errors that name the offending field.

use crate::domain::{ChangeEvent, ChangeKind, System};
use crate::ingress::shown::shown_up_to;
use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde::de::{self, Deserializer, IgnoredAny};
use serde_json::{Map, Value};

/// Most events one request may carry.
pub const MAX_EVENTS_PER_REQUEST: usize = 1000;
/// Characters of a deserializer's message kept in an error (it may quote the body).
const MAX_SHOWN_ERROR: usize = 200;

/// A body that is not a valid change event; the message names the field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct JsonEventError(String);

#[derive(Deserialize)]
struct WireEvent {
    object: String,
    #[serde(deserialize_with = "text_or_number")]
    record_id: String,
    change: ChangeKind,
    version: String,
    #[serde(default, deserialize_with = "optional_text_or_number")]
    modified_by: Option<String>,
    #[serde(default, deserialize_with = "optional_text_or_number")]
    origin: Option<String>,
    #[serde(default)]
    execution_context: Option<String>,
    #[serde(default, deserialize_with = "optional_text_or_number")]
    role: Option<String>,
    #[serde(default)]
    fields: Map<String, Value>,
    /// Only noticed: a body with `events` (whatever its value) is a batch (see `parse`).
    #[serde(default, deserialize_with = "present")]
    events: bool,
}

#[derive(Deserialize)]
struct WireBatch {
    events: Vec<WireEvent>,
}

/// Parses a verified body into events with ids derived from `delivery_id` (the `webhook-id`):
/// `<source>:<webhook-id>#<index>`, unique across sources and between batches and single events
/// (the index after the last `#` makes the mapping one-to-one).
pub fn parse(
    body: &[u8],
    source: System,
    delivery_id: &str,
    received_at: DateTime<Utc>,
) -> Result<Vec<ChangeEvent>, JsonEventError> {
    // The common case, one valid event, straight from the bytes. Anything else (a batch, or an
    // error to explain with its path) takes the general way below.
    if let Ok(event) = serde_json::from_slice::<WireEvent>(body)
        && !event.events
    {
        let id = format!("{source}:{delivery_id}#0");
        return into_event(event, id, source, received_at, "").map(|event| vec![event]);
    }
    let value: Value = serde_json::from_slice(body)
        .map_err(|e| JsonEventError(format!("body is not valid JSON: {e}")))?;
    let is_batch = value.as_object().is_some_and(|o| o.contains_key("events"));
    let wire: Vec<WireEvent> = if is_batch {
        let batch: WireBatch = typed(value, "")?;
        if batch.events.is_empty() {
            return Err(JsonEventError(
                "events: must hold at least one event".into(),
            ));
        }
        if batch.events.len() > MAX_EVENTS_PER_REQUEST {
            return Err(JsonEventError(format!(
                "events: at most {MAX_EVENTS_PER_REQUEST} events per request, found {}",
                batch.events.len()
            )));
        }
        batch.events
    } else {
        vec![typed(value, "")?]
    };

    wire.into_iter()
        .enumerate()
        .map(|(index, event)| {
            let prefix = if is_batch {
                format!("events[{index}].")
            } else {
                String::new()
            };
            let id = format!("{source}:{delivery_id}#{index}");
            into_event(event, id, source, received_at, &prefix)
        })
        .collect()
}

fn typed<T: for<'de> Deserialize<'de>>(value: Value, prefix: &str) -> Result<T, JsonEventError> {
    serde_path_to_error::deserialize(value).map_err(|error| {
        let path = error.path().to_string();
        // serde's message may quote a value from the body ("unknown variant `…`").
        let inner = shown_up_to(&error.into_inner().to_string(), MAX_SHOWN_ERROR).to_string();
        if path == "." {
            JsonEventError(format!("{prefix}{inner}"))
        } else {
            JsonEventError(format!("{prefix}{path}: {inner}"))
        }
    })
}

fn into_event(
    wire: WireEvent,
    id: String,
    source: System,
    received_at: DateTime<Utc>,
    prefix: &str,
) -> Result<ChangeEvent, JsonEventError> {
    let blank = |field: &str| JsonEventError(format!("{prefix}{field}: must not be empty"));
    if wire.object.trim().is_empty() {
        return Err(blank("object"));
    }
    if wire.record_id.trim().is_empty() {
        return Err(blank("record_id"));
    }
    let version = DateTime::parse_from_rfc3339(&wire.version)
        .map_err(|_| {
            JsonEventError(format!(
                "{prefix}version: expected an RFC 3339 timestamp such as 2026-11-27T10:15:02.120Z"
            ))
        })?
        .with_timezone(&Utc);
    Ok(ChangeEvent {
        id,
        source,
        object: wire.object,
        record_id: wire.record_id,
        change: wire.change,
        version: Some(version),
        modified_by: wire.modified_by,
        origin: wire.origin.filter(|origin| !origin.is_empty()),
        execution_context: wire.execution_context,
        role: wire.role,
        fields: wire.fields,
        received_at,
        attempt: 0,
    })
}

/// `true` for a key that is there, whatever its value.
fn present<'de, D: Deserializer<'de>>(deserializer: D) -> Result<bool, D::Error> {
    IgnoredAny::deserialize(deserializer).map(|_| true)
}

/// SuiteScript hands record ids and user ids over as numbers; both forms mean the same id.
fn text_or_number<'de, D: Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    match Value::deserialize(deserializer)? {
        Value::String(text) => Ok(text),
        Value::Number(number) => Ok(number.to_string()),
        _ => Err(de::Error::custom("expected a string or a number")),
    }
}

fn optional_text_or_number<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<String>, D::Error> {
    match Value::deserialize(deserializer)? {
        Value::Null => Ok(None),
        Value::String(text) => Ok(Some(text)),
        Value::Number(number) => Ok(Some(number.to_string())),
        _ => Err(de::Error::custom("expected a string, a number or null")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const INVOICE: &str = r#"{ "object": "invoice", "record_id": "5512", "change": "created",
      "version": "2026-11-27T10:15:02Z", "modified_by": "-5", "origin": null,
      "fields": { "tranid": "INV-1007", "status": "open", "amountremaining": 1200.0, "duedate": "2026-12-27" } }"#;

    fn parse_one(body: &str) -> Result<Vec<ChangeEvent>, JsonEventError> {
        parse(body.as_bytes(), System::Netsuite, "msg_1", Utc::now())
    }

    #[test]
    fn the_documented_invoice_event_parses() {
        let events = parse_one(INVOICE).unwrap();
        assert_eq!(events.len(), 1);
        let event = &events[0];
        assert_eq!(event.id, "netsuite:msg_1#0");
        assert_eq!(event.object, "invoice");
        assert_eq!(event.record_id, "5512");
        assert_eq!(event.change, ChangeKind::Created);
        assert_eq!(event.modified_by.as_deref(), Some("-5"));
        assert_eq!(event.origin, None);
        assert_eq!(event.fields["tranid"], "INV-1007");
        assert_eq!(
            event.version.unwrap().to_rfc3339(),
            "2026-11-27T10:15:02+00:00"
        );
    }

    #[test]
    fn a_batch_gets_one_id_per_event_and_unknown_keys_are_ignored() {
        let body = format!(r#"{{"events":[{INVOICE},{INVOICE}],"sent_by":"suitescript"}}"#);
        let events = parse_one(&body).unwrap();
        let ids: Vec<_> = events.iter().map(|e| e.id.as_str()).collect();
        assert_eq!(ids, ["netsuite:msg_1#0", "netsuite:msg_1#1"]);
    }

    #[test]
    fn numeric_record_ids_are_accepted() {
        let body = INVOICE.replace(r#""record_id": "5512""#, r#""record_id": 5512"#);
        assert_eq!(parse_one(&body).unwrap()[0].record_id, "5512");
    }

    #[test]
    fn errors_name_the_offending_field() {
        let cases = [
            (
                INVOICE.replace(r#""record_id": "5512","#, ""),
                "missing field `record_id`",
            ),
            (
                INVOICE.replace(r#""created""#, r#""renamed""#),
                "change: unknown variant `renamed`",
            ),
            (
                INVOICE.replace("2026-11-27T10:15:02Z", "yesterday"),
                "version: expected an RFC 3339",
            ),
            (
                INVOICE.replace(r#""record_id": "5512""#, r#""record_id": ["5512"]"#),
                "record_id: expected a string or a number",
            ),
            (
                INVOICE.replace(r#""object": "invoice""#, r#""object": "  ""#),
                "object: must not be empty",
            ),
            (
                format!(r#"{{"events":[{INVOICE},{{"object":"x"}}]}}"#),
                "events[1]",
            ),
            (
                r#"{"events":[]}"#.to_owned(),
                "events: must hold at least one event",
            ),
            ("{".to_owned(), "body is not valid JSON"),
        ];
        for (body, expected) in cases {
            let error = parse_one(&body).unwrap_err().to_string();
            assert!(error.contains(expected), "{expected:?} not in {error:?}");
        }
    }
}
