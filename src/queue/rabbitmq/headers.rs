//! What tandem's messages carry besides the event: the AMQP properties every publish sets, the
//! `tandem-*` headers, and reading back the delivery count that becomes `ChangeEvent::attempt`.

use crate::domain::ChangeEvent;
use lapin::BasicProperties;
use lapin::types::{AMQPValue, FieldTable, ShortString};

/// Hand-outs of the event before this copy was published (0 from ingress; a retry copy
/// carries the attempt that failed).
pub(super) const ATTEMPTS: &str = "tandem-attempts";
/// The error of the attempt that scheduled this retry copy.
pub(super) const LAST_ERROR: &str = "tandem-last-error";
/// Why tandem gave up on the event (on copies in the dead-letter queue).
pub(super) const DEAD_REASON: &str = "tandem-dead-letter-reason";
/// The store's dead-letter id, when tandem recorded the dead letter before publishing it.
pub(super) const RECORDED: &str = "tandem-dead-letter-id";
/// Set by quorum queues: how many times the message was returned (nack, or a channel closed
/// while holding it). Absent on a first delivery.
const DELIVERY_COUNT: &str = "x-delivery-count";
/// Set by the broker when it dead-letters a message: `delivery_limit`, `expired`, `rejected`…
pub(super) const FIRST_DEATH_REASON: &str = "x-first-death-reason";

/// Longest error text kept in a header (the broker caps the whole header frame).
const MAX_ERROR_BYTES: usize = 1024;

/// Properties of every event message: persistent JSON, identified by the event id.
pub(super) fn properties(event: &ChangeEvent, headers: FieldTable) -> BasicProperties {
    let properties = BasicProperties::default()
        .with_content_type("application/json".into())
        // 2 = persistent: written to disk (quorum queues persist everything regardless).
        .with_delivery_mode(2)
        .with_headers(headers);
    // Message ids are AMQP short strings (255 bytes); the body carries the id anyway.
    match ShortString::try_new(event.id.as_str()) {
        Ok(id) => properties.with_message_id(id),
        Err(_) => properties,
    }
}

/// A header table from `(name, value)` pairs.
pub(super) fn table(entries: Vec<(&str, AMQPValue)>) -> FieldTable {
    let mut table = FieldTable::default();
    for (key, value) in entries {
        table.insert(key.into(), value);
    }
    table
}

pub(super) fn int(value: i64) -> AMQPValue {
    AMQPValue::LongLongInt(value)
}

pub(super) fn text(value: &str) -> AMQPValue {
    let mut end = value.len().min(MAX_ERROR_BYTES);
    while !value.is_char_boundary(end) {
        end -= 1;
    }
    AMQPValue::LongString(value[..end].into())
}

fn header<'a>(properties: &'a BasicProperties, key: &str) -> Option<&'a AMQPValue> {
    properties.headers().as_ref()?.inner().get(key)
}

pub(super) fn read_int(properties: &BasicProperties, key: &str) -> Option<i64> {
    match header(properties, key)? {
        AMQPValue::ShortShortInt(n) => Some(i64::from(*n)),
        AMQPValue::ShortShortUInt(n) => Some(i64::from(*n)),
        AMQPValue::ShortInt(n) => Some(i64::from(*n)),
        AMQPValue::ShortUInt(n) => Some(i64::from(*n)),
        AMQPValue::LongInt(n) => Some(i64::from(*n)),
        AMQPValue::LongUInt(n) => Some(i64::from(*n)),
        AMQPValue::LongLongInt(n) => Some(*n),
        _ => None,
    }
}

pub(super) fn read_text(properties: &BasicProperties, key: &str) -> Option<String> {
    match header(properties, key)? {
        AMQPValue::LongString(text) => Some(String::from_utf8_lossy(text.as_bytes()).into_owned()),
        AMQPValue::ShortString(text) => Some(text.as_str().to_owned()),
        _ => None,
    }
}

/// Hand-outs so far of the event, counting this delivery: the broker's returns of this copy,
/// plus the hand-outs before it was republished for a retry, plus this one.
pub(super) fn attempt(properties: &BasicProperties) -> u32 {
    let returned = read_int(properties, DELIVERY_COUNT).unwrap_or(0);
    let before = read_int(properties, ATTEMPTS).unwrap_or(0);
    (returned + before + 1).clamp(1, i64::from(u32::MAX)) as u32
}
