//! Records as the API shows them: `attributes` first, then fields in schema (or SELECT) order,
//! relationships nested; and as an Outbound Message carries them.

use super::decode::soap_datetime;
use super::records::{Org, Record};
use super::schema::{Kind, SObject};
use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::{Map, Value};

/// A JSON object whose keys keep their order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Row(pub Vec<(String, Cell)>);

#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Value(Value),
    Row(Row),
    Rows(Vec<Row>),
}

impl Row {
    /// A row holding only `attributes` for the record `id` of `object`.
    pub fn for_record(object: SObject, id: &str, version: &str) -> Row {
        let attributes = Row(vec![
            ("type".into(), Cell::Value(Value::from(object.name()))),
            (
                "url".into(),
                Cell::Value(Value::from(record_url(version, object, id))),
            ),
        ]);
        Row(vec![("attributes".into(), Cell::Row(attributes))])
    }

    pub fn push(&mut self, key: impl Into<String>, cell: Cell) {
        self.0.push((key.into(), cell));
    }

    /// The nested row under `key`, added when missing; `None` when `key` holds a value.
    pub fn nested(&mut self, key: &str, make: impl FnOnce() -> Row) -> Option<&mut Row> {
        let index = match self.0.iter().position(|(k, _)| k == key) {
            Some(index) => index,
            None => {
                self.0.push((key.to_owned(), Cell::Row(make())));
                self.0.len() - 1
            }
        };
        match &mut self.0[index].1 {
            Cell::Row(row) => Some(row),
            Cell::Value(_) | Cell::Rows(_) => None,
        }
    }
}

impl Serialize for Row {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (key, cell) in &self.0 {
            map.serialize_entry(key, cell)?;
        }
        map.end()
    }
}

impl Serialize for Cell {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Cell::Value(value) => value.serialize(serializer),
            Cell::Row(row) => row.serialize(serializer),
            Cell::Rows(rows) => rows.serialize(serializer),
        }
    }
}

/// `/services/data/v67.0/sobjects/Account/001…`
pub fn record_url(version: &str, object: SObject, id: &str) -> String {
    format!("/services/data/{version}/sobjects/{}/{id}", object.name())
}

/// The field names a full record shows: standard fields, then the custom fields in use.
pub fn all_fields(org: &Org, object: SObject) -> Vec<String> {
    object
        .fields()
        .map(|f| f.name.to_owned())
        .chain(org.custom_field_names(object))
        .collect()
}

/// `record` with `attributes` and the given fields (absent ones as null).
pub fn record_row(object: SObject, record: &Record, fields: &[String], version: &str) -> Row {
    let id = record.get("Id").and_then(Value::as_str).unwrap_or_default();
    let mut row = Row::for_record(object, id, version);
    for field in fields {
        let value = record.get(field).cloned().unwrap_or(Value::Null);
        row.push(field.clone(), Cell::Value(value));
    }
    row
}

/// The fields an Outbound Message for this record carries: every field with a value, datetimes
/// in `xsd:dateTime` form, and `Tandem_Sync_Origin__c` always (nil when unset).
pub fn outbound_fields(org: &Org, object: SObject, record: &Record) -> Map<String, Value> {
    let mut fields = Map::new();
    for name in all_fields(org, object) {
        let Some(value) = record.get(&name).filter(|v| !v.is_null()) else {
            continue;
        };
        let is_datetime = object
            .field(&name)
            .is_some_and(|f| f.kind == Kind::DateTime);
        let value = match value
            .as_str()
            .filter(|_| is_datetime)
            .and_then(soap_datetime)
        {
            Some(soap) => Value::String(soap),
            None => value.clone(),
        };
        fields.insert(name, value);
    }
    let origin_key = org
        .custom_fields(object)
        .and_then(|c| c.get("tandem_sync_origin__c").cloned())
        .unwrap_or_else(|| "Tandem_Sync_Origin__c".to_owned());
    fields.entry(origin_key).or_insert(Value::Null);
    fields
}
