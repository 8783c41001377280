//! Change Data Capture events from the Salesforce Pub/Sub API: the Avro payload decoded with
//! its schema (the header's bitmap field lists turned into names), and one change event per
//! record id. A change made through tandem's own calls (`changeOrigin` with `client=tandem`)
//! carries that origin, so the worker's echo check drops it.

use crate::domain::{ChangeEvent, ChangeKind, System};
use crate::pubsub::bitmap;
use apache_avro::Schema;
use apache_avro::types::Value as Avro;
use chrono::{DateTime, Utc};
use serde_json::{Map, Number, Value};

/// The `client` tandem names in `Sforce-Call-Options` on every Salesforce call.
const TANDEM_CLIENT: &str = "client=tandem";

/// A change event schema, ready to decode payloads.
#[derive(Debug)]
pub struct EventSchema {
    schema: Schema,
    /// Top-level field names, by position.
    fields: Vec<String>,
    /// Nested field names of compound fields (`BillingAddress`), by position.
    nested: Vec<Option<Vec<String>>>,
}

/// The header of a change event.
#[derive(Debug, Clone, PartialEq)]
pub struct Header {
    pub entity_name: String,
    pub record_ids: Vec<String>,
    /// `CREATE`, `UPDATE`, `DELETE`, `UNDELETE`, or a `GAP_` form of them.
    pub change_type: String,
    pub change_origin: String,
    pub commit_timestamp: i64,
    pub commit_user: String,
    /// Names the transaction the change was committed in; with the sequence number it names
    /// the change itself, whichever channel delivers it.
    pub transaction_key: String,
    /// The change's position within its transaction, from 1.
    pub sequence_number: i64,
    pub changed_fields: Vec<String>,
    pub nulled_fields: Vec<String>,
}

/// A decoded change event.
#[derive(Debug, Clone, PartialEq)]
pub struct CdcEvent {
    pub header: Header,
    /// The record fields the event carries (the changed ones on update, null when nulled),
    /// by their REST API names.
    pub fields: Map<String, Value>,
}

impl EventSchema {
    pub fn parse(json: &str) -> Result<Self, String> {
        let schema =
            Schema::parse_str(json).map_err(|error| format!("unreadable Avro schema: {error}"))?;
        let Schema::Record(record) = &schema else {
            return Err("a change event schema is a record".into());
        };
        let fields = record.fields.iter().map(|f| f.name.clone()).collect();
        let nested = record
            .fields
            .iter()
            .map(|field| match optional(&field.schema) {
                Schema::Record(inner) => {
                    Some(inner.fields.iter().map(|f| f.name.clone()).collect())
                }
                _ => None,
            })
            .collect();
        Ok(Self {
            schema,
            fields,
            nested,
        })
    }

    pub fn decode(&self, payload: &[u8]) -> Result<CdcEvent, String> {
        let value = apache_avro::reader::datum::GenericDatumReader::builder(&self.schema)
            .build()
            .and_then(|reader| reader.read_value(&mut &payload[..]))
            .map_err(|error| format!("payload does not match its schema: {error}"))?;
        let Avro::Record(record) = value else {
            return Err("the payload is not a record".into());
        };
        let mut body = Map::new();
        let mut header = None;
        for (name, value) in record {
            if name == "ChangeEventHeader" {
                header = Some(value);
            } else {
                body.insert(name, json(value));
            }
        }
        let header = self.header(header.ok_or("the payload has no ChangeEventHeader")?)?;
        let fields = carried(&header, body);
        Ok(CdcEvent { header, fields })
    }

    fn header(&self, value: Avro) -> Result<Header, String> {
        let Value::Object(header) = json(value) else {
            return Err("ChangeEventHeader is not a record".into());
        };
        let text = |name: &str| {
            header
                .get(name)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned()
        };
        let list = |name: &str| -> Vec<String> {
            header
                .get(name)
                .and_then(Value::as_array)
                .map(|items| {
                    items
                        .iter()
                        .filter_map(Value::as_str)
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default()
        };
        let names = |name: &str| {
            bitmap::decode(&list(name), &self.fields, |position| {
                self.nested.get(position).cloned().flatten()
            })
            .map_err(|error| format!("{name}: {error}"))
        };
        Ok(Header {
            entity_name: text("entityName"),
            record_ids: list("recordIds"),
            change_type: text("changeType"),
            change_origin: text("changeOrigin"),
            commit_timestamp: header
                .get("commitTimestamp")
                .and_then(Value::as_i64)
                .unwrap_or_default(),
            commit_user: text("commitUser"),
            transaction_key: text("transactionKey"),
            sequence_number: header
                .get("sequenceNumber")
                .and_then(Value::as_i64)
                .unwrap_or_default(),
            changed_fields: names("changedFields")?,
            nulled_fields: names("nulledFields")?,
        })
    }
}

/// The value schema of an optional union (`["null", T]`).
fn optional(schema: &Schema) -> &Schema {
    match schema {
        Schema::Union(union) => union
            .variants()
            .iter()
            .find(|variant| !matches!(variant, Schema::Null))
            .unwrap_or(schema),
        other => other,
    }
}

/// What the event carries: on update the changed fields (compound parts by their REST names,
/// `BillingAddress.City` → `BillingCity`), on create every field with a value, on delete none.
/// Gap events carry no values (their records are read whole anyway).
fn carried(header: &Header, body: Map<String, Value>) -> Map<String, Value> {
    if header.change_type.ends_with("DELETE") {
        return Map::new();
    }
    if !header.change_type.ends_with("UPDATE") {
        return body.into_iter().filter(|(_, v)| !v.is_null()).collect();
    }
    let mut fields = Map::new();
    for name in &header.changed_fields {
        let value = match name.split_once('.') {
            Some((parent, part)) => body.get(parent).and_then(|v| v.get(part)).cloned(),
            None => body.get(name).cloned(),
        };
        fields.insert(rest_name(name), value.unwrap_or(Value::Null));
    }
    fields
}

fn rest_name(name: &str) -> String {
    match name.split_once('.') {
        Some((parent, part)) => match parent.strip_suffix("Address") {
            Some(prefix) => format!("{prefix}{part}"),
            None if parent == "Name" => part.to_owned(),
            None => name.to_owned(),
        },
        None => name.to_owned(),
    }
}

/// An Avro value as the REST API would show it.
fn json(value: Avro) -> Value {
    match value {
        Avro::Null => Value::Null,
        Avro::Boolean(b) => Value::Bool(b),
        Avro::Int(n) => Value::from(n),
        Avro::Long(n) => Value::from(n),
        Avro::Float(n) => Number::from_f64(f64::from(n)).map_or(Value::Null, Value::Number),
        Avro::Double(n) => Number::from_f64(n).map_or(Value::Null, Value::Number),
        Avro::String(s) | Avro::Enum(_, s) => Value::String(s),
        Avro::Union(_, inner) => json(*inner),
        Avro::Array(items) => Value::Array(items.into_iter().map(json).collect()),
        Avro::Map(entries) => {
            Value::Object(entries.into_iter().map(|(k, v)| (k, json(v))).collect())
        }
        Avro::Record(fields) => {
            Value::Object(fields.into_iter().map(|(k, v)| (k, json(v))).collect())
        }
        Avro::Date(days) => chrono::NaiveDate::from_ymd_opt(1970, 1, 1)
            .and_then(|epoch| epoch.checked_add_signed(chrono::Duration::days(i64::from(days))))
            .map_or(Value::Null, |date| {
                Value::String(date.format("%Y-%m-%d").to_string())
            }),
        Avro::TimestampMillis(ms) => DateTime::<Utc>::from_timestamp_millis(ms)
            .map_or(Value::Null, |at| {
                Value::String(at.format("%Y-%m-%dT%H:%M:%S%.3f+0000").to_string())
            }),
        _ => Value::Null,
    }
}

impl CdcEvent {
    /// Whether tandem's own call made the change.
    pub fn made_through_tandem(&self) -> bool {
        self.header.change_origin.contains(TANDEM_CLIENT)
    }

    pub fn change(&self) -> ChangeKind {
        let kind = self.header.change_type.trim_start_matches("GAP_");
        match kind {
            "CREATE" | "UNDELETE" => ChangeKind::Created,
            "DELETE" => ChangeKind::Deleted,
            _ => ChangeKind::Updated,
        }
    }

    /// The key that names this change on every channel that carries it (its own object's and
    /// `/data/ChangeEvents`), so a change delivered by both is queued once; `fallback` (the
    /// channel and replay id) when the header names no transaction.
    pub fn delivery_key(&self, fallback: impl FnOnce() -> String) -> String {
        if self.header.transaction_key.is_empty() {
            return fallback();
        }
        format!(
            "salesforce:change:{}:{}",
            self.header.transaction_key, self.header.sequence_number
        )
    }

    /// One change event per record id; ids are `<delivery key>#<index>`.
    pub fn change_events(
        &self,
        delivery_key: &str,
        received_at: DateTime<Utc>,
    ) -> Vec<ChangeEvent> {
        let origin = self
            .made_through_tandem()
            .then(|| self.header.change_origin.clone());
        self.header
            .record_ids
            .iter()
            .enumerate()
            .map(|(index, record_id)| ChangeEvent {
                id: format!("{delivery_key}#{index}"),
                source: System::Salesforce,
                object: self.header.entity_name.clone(),
                record_id: record_id.clone(),
                change: self.change(),
                version: DateTime::<Utc>::from_timestamp_millis(self.header.commit_timestamp),
                modified_by: Some(self.header.commit_user.clone()).filter(|u| !u.is_empty()),
                origin: origin.clone(),
                execution_context: None,
                role: None,
                fields: self.fields.clone(),
                received_at,
                attempt: 0,
            })
            .collect()
    }
}

#[cfg(test)]
#[path = "change_data_capture_tests.rs"]
mod tests;
