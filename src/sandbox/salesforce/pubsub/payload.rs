//! A captured change as the Avro binary record its schema describes: the header (with the
//! field lists bitmap-encoded, as the Pub/Sub API sends them), then every field, null unless
//! the event carries its value.

use super::capture::Captured;
use super::schema::{AvroKind, ChangeEventSchema};
use crate::pubsub::bitmap;
use apache_avro::types::Value as Avro;
use chrono::{DateTime, NaiveDate, Utc};
use serde_json::Value;

/// What the header says beyond the change itself.
pub struct Commit {
    /// `com/salesforce/api/rest/67.0;client=tandem`, or empty.
    pub origin: String,
    pub transaction_key: String,
    pub timestamp_ms: i64,
    pub number: i64,
}

pub fn encode(
    schema: &ChangeEventSchema,
    parsed: &apache_avro::Schema,
    change: &Captured,
    commit: &Commit,
) -> Result<Vec<u8>, String> {
    let positions = |names: &[String]| -> Vec<usize> {
        names
            .iter()
            .filter_map(|name| schema.position(name))
            .collect()
    };
    let bitmap_list = |names: &[String]| -> Avro {
        Avro::Array(
            bitmap::encode(&positions(names))
                .map(Avro::String)
                .into_iter()
                .collect(),
        )
    };
    let strings =
        |items: &[&str]| Avro::Array(items.iter().map(|s| Avro::String((*s).into())).collect());
    let header = Avro::Record(vec![
        (
            "entityName".into(),
            Avro::String(change.object.name().into()),
        ),
        ("recordIds".into(), strings(&[change.record_id.as_str()])),
        (
            "changeType".into(),
            Avro::Enum(change.change.index(), change.change.symbol().into()),
        ),
        ("changeOrigin".into(), Avro::String(commit.origin.clone())),
        (
            "transactionKey".into(),
            Avro::String(commit.transaction_key.clone()),
        ),
        ("sequenceNumber".into(), Avro::Int(1)),
        ("commitTimestamp".into(), Avro::Long(commit.timestamp_ms)),
        ("commitNumber".into(), Avro::Long(commit.number)),
        (
            "commitUser".into(),
            Avro::String(change.commit_user.clone()),
        ),
        ("nulledFields".into(), bitmap_list(&change.nulled)),
        ("diffFields".into(), Avro::Array(Vec::new())),
        ("changedFields".into(), bitmap_list(&change.changed)),
    ]);
    let mut record = vec![("ChangeEventHeader".to_owned(), header)];
    for (name, kind) in &schema.fields {
        let value = change
            .values
            .iter()
            .find(|(field, _)| field.eq_ignore_ascii_case(name))
            .and_then(|(_, value)| typed(*kind, value));
        let cell = match value {
            Some(value) => Avro::Union(1, Box::new(value)),
            None => Avro::Union(0, Box::new(Avro::Null)),
        };
        record.push((name.clone(), cell));
    }
    apache_avro::writer::datum::GenericDatumWriter::builder(parsed)
        .build()
        .and_then(|writer| writer.write_value_to_vec(Avro::Record(record)))
        .map_err(|error| format!("change event does not fit its schema: {error}"))
}

/// A record value in the Avro type of its field; `None` when it cannot be one.
fn typed(kind: AvroKind, value: &Value) -> Option<Avro> {
    match kind {
        AvroKind::String => Some(Avro::String(match value {
            Value::String(text) => text.clone(),
            other => other.to_string(),
        })),
        AvroKind::Double => value.as_f64().map(Avro::Double),
        AvroKind::Int => value
            .as_i64()
            .and_then(|n| i32::try_from(n).ok())
            .map(Avro::Int),
        AvroKind::Boolean => value.as_bool().map(Avro::Boolean),
        AvroKind::Date => {
            let date = NaiveDate::parse_from_str(value.as_str()?, "%Y-%m-%d").ok()?;
            let epoch = NaiveDate::from_ymd_opt(1970, 1, 1)?;
            i32::try_from((date - epoch).num_days())
                .ok()
                .map(Avro::Date)
        }
        AvroKind::Timestamp => {
            let text = value.as_str()?;
            let at = DateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.3f%z")
                .or_else(|_| DateTime::parse_from_rfc3339(text))
                .ok()?;
            Some(Avro::TimestampMillis(
                at.with_timezone(&Utc).timestamp_millis(),
            ))
        }
    }
}
