//! The emulator's records: one map per type, an external id index, increasing internal ids, and
//! a modification time that strictly increases per record (it orders the echo events).

use super::record_type::RecordType;
use chrono::{DateTime, Duration, DurationRound, Utc};
use serde_json::{Map, Value};
use std::collections::{BTreeMap, HashMap};

/// First internal id handed to records created after the seed.
pub const FIRST_NEW_ID: u64 = 1000;

#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    pub record_type: RecordType,
    pub id: u64,
    pub external_id: Option<String>,
    /// Body fields and sublists as stored (keys as the client spelled them).
    pub fields: Map<String, Value>,
    pub last_modified: DateTime<Utc>,
}

impl Record {
    pub fn field(&self, name: &str) -> Option<&Value> {
        field(&self.fields, name)
    }

    /// The tandem origin stamp, if the record carries one.
    pub fn origin(&self) -> Option<String> {
        let value = self.field(self.record_type.origin_field()?)?;
        match value {
            Value::String(text) if !text.is_empty() => Some(text.clone()),
            Value::Null | Value::String(_) => None,
            other => Some(other.to_string()),
        }
    }

    /// What NetSuite shows as `refName` when another record points at this one.
    pub fn display_name(&self) -> String {
        ["entityId", "companyName", "itemId", "tranId", "name"]
            .iter()
            .find_map(|name| self.field(name).and_then(Value::as_str))
            .map(str::to_owned)
            .unwrap_or_else(|| self.id.to_string())
    }
}

/// Field names are case-insensitive in the REST record service (`companyname` = `companyName`).
pub fn field<'a>(fields: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    fields
        .iter()
        .find(|(key, _)| key.eq_ignore_ascii_case(name))
        .map(|(_, value)| value)
}

pub fn field_mut<'a>(fields: &'a mut Map<String, Value>, name: &str) -> Option<&'a mut Value> {
    fields
        .iter_mut()
        .find(|(key, _)| key.eq_ignore_ascii_case(name))
        .map(|(_, value)| value)
}

/// Sets a field, replacing it under whatever case it was stored.
pub fn set_field(fields: &mut Map<String, Value>, name: &str, value: Value) {
    remove_field(fields, name);
    fields.insert(name.to_owned(), value);
}

pub fn remove_field(fields: &mut Map<String, Value>, name: &str) -> Option<Value> {
    let key = fields
        .keys()
        .find(|key| key.eq_ignore_ascii_case(name))?
        .clone();
    fields.remove(&key)
}

/// How a URL names a record: `107` or `eid:CID002`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Key {
    Internal(u64),
    External(String),
}

impl Key {
    pub fn parse(segment: &str) -> Option<Key> {
        if let Some(external) = segment.strip_prefix("eid:") {
            return (!external.is_empty()).then(|| Key::External(external.to_owned()));
        }
        if segment.is_empty() || !segment.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        segment.parse().ok().map(Key::Internal)
    }
}

#[derive(Debug, Default)]
pub struct Records {
    by_type: HashMap<RecordType, BTreeMap<u64, Record>>,
    by_external_id: HashMap<(RecordType, String), u64>,
    last_id: u64,
}

impl Records {
    pub fn get(&self, record_type: RecordType, id: u64) -> Option<&Record> {
        self.by_type.get(&record_type)?.get(&id)
    }

    pub fn find(&self, record_type: RecordType, key: &Key) -> Option<&Record> {
        match key {
            Key::Internal(id) => self.get(record_type, *id),
            Key::External(external) => self.get(record_type, self.id_of(record_type, external)?),
        }
    }

    /// The record a reference declared to `target` points at: for items, one of any item type.
    pub fn referenced(&self, target: RecordType, id: u64) -> Option<&Record> {
        if target.is_item() {
            return RecordType::ITEMS
                .iter()
                .find_map(|item_type| self.get(*item_type, id));
        }
        self.get(target, id)
    }

    /// The internal id of the record with this external id that a reference to `target` may name.
    pub fn referenced_external(&self, target: RecordType, external_id: &str) -> Option<u64> {
        if target.is_item() {
            return RecordType::ITEMS
                .iter()
                .find_map(|item_type| self.id_of(*item_type, external_id));
        }
        self.id_of(target, external_id)
    }

    pub fn id_of(&self, record_type: RecordType, external_id: &str) -> Option<u64> {
        self.by_external_id
            .get(&(record_type, external_id.to_owned()))
            .copied()
    }

    pub fn all(&self, record_type: RecordType) -> impl Iterator<Item = &Record> {
        self.by_type
            .get(&record_type)
            .into_iter()
            .flat_map(|records| records.values())
    }

    /// Every record of every type (for dependency checks).
    pub fn everything(&self) -> impl Iterator<Item = &Record> {
        self.by_type.values().flat_map(|records| records.values())
    }

    /// The id the next new record gets (`put` then moves past it).
    pub fn peek_id(&self) -> u64 {
        self.last_id.max(FIRST_NEW_ID - 1) + 1
    }

    /// Stores a record (new or changed), keeping the external id index in step.
    pub fn put(&mut self, record: Record) {
        let key = record.record_type;
        if let Some(old) = self
            .get(key, record.id)
            .and_then(|old| old.external_id.clone())
        {
            self.by_external_id.remove(&(key, old));
        }
        if let Some(external) = &record.external_id {
            self.by_external_id
                .insert((key, external.clone()), record.id);
        }
        self.last_id = self.last_id.max(record.id);
        self.by_type
            .entry(key)
            .or_default()
            .insert(record.id, record);
    }

    pub fn remove(&mut self, record_type: RecordType, id: u64) -> Option<Record> {
        let record = self.by_type.get_mut(&record_type)?.remove(&id)?;
        if let Some(external) = &record.external_id {
            self.by_external_id.remove(&(record_type, external.clone()));
        }
        Some(record)
    }
}

/// The next `lastModifiedDate` of a record: now to the millisecond, and always later than the
/// previous one so that two quick edits never carry the same version.
pub fn next_modified(now: DateTime<Utc>, previous: Option<DateTime<Utc>>) -> DateTime<Utc> {
    let now = now.duration_trunc(Duration::milliseconds(1)).unwrap_or(now);
    match previous {
        Some(previous) if previous >= now => previous + Duration::milliseconds(1),
        _ => now,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(id: u64, external_id: Option<&str>) -> Record {
        Record {
            record_type: RecordType::Customer,
            id,
            external_id: external_id.map(str::to_owned),
            fields: Map::new(),
            last_modified: Utc::now(),
        }
    }

    #[test]
    fn keys_are_internal_digits_or_eid_prefixed() {
        assert_eq!(Key::parse("107"), Some(Key::Internal(107)));
        assert_eq!(
            Key::parse("eid:CID002"),
            Some(Key::External("CID002".into()))
        );
        assert_eq!(Key::parse("eid:"), None);
        assert_eq!(Key::parse("-1"), None);
    }

    #[test]
    fn changing_an_external_id_moves_the_index() {
        let mut records = Records::default();
        records.put(record(5, Some("A")));
        records.put(record(5, Some("B")));
        assert_eq!(records.id_of(RecordType::Customer, "A"), None);
        assert_eq!(records.id_of(RecordType::Customer, "B"), Some(5));
        assert_eq!(records.peek_id(), FIRST_NEW_ID);
        records.put(record(FIRST_NEW_ID, None));
        assert_eq!(records.peek_id(), FIRST_NEW_ID + 1);
    }

    #[test]
    fn versions_strictly_increase_within_a_millisecond() {
        let now = Utc::now();
        let first = next_modified(now, None);
        let second = next_modified(now, Some(first));
        assert!(second > first);
        assert_eq!(first.timestamp_subsec_nanos() % 1_000_000, 0);
    }

    #[test]
    fn field_names_match_in_any_case() {
        let mut fields = Map::new();
        fields.insert("companyname".into(), Value::from("Acme"));
        set_field(&mut fields, "companyName", Value::from("Acme Inc."));
        assert_eq!(fields.len(), 1);
        assert_eq!(
            field(&fields, "COMPANYNAME"),
            Some(&Value::from("Acme Inc."))
        );
    }
}
