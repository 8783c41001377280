//! The Avro schemas of the org's change events (`AccountChangeEvent`, …), written as Salesforce
//! writes them: `ChangeEventHeader` first, then the object's own fields, then the audit fields
//! (`CreatedDate`, …; not `Id`, which is in the header), each an optional union defaulting to
//! null. Schema ids are fingerprints of the schema text.

use super::super::custom_fields::{CustomFields, CustomType};
use super::super::schema::{Kind, SObject};
use base64::Engine;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

/// The objects whose changes the org publishes (Change Data Capture is enabled for them).
pub const CAPTURED: [SObject; 3] = [SObject::Account, SObject::Contact, SObject::Opportunity];

/// Fields a change event leaves out: the id (in the header) and bookkeeping.
const NOT_IN_EVENTS: [&str; 3] = ["Id", "IsDeleted", "SystemModstamp"];

/// How a field's values are written in the Avro record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AvroKind {
    String,
    Double,
    Int,
    Boolean,
    /// Days since the epoch (`date` logical type).
    Date,
    /// Milliseconds since the epoch (`timestamp-millis` logical type).
    Timestamp,
}

/// One object's change event schema.
#[derive(Debug, Clone)]
pub struct ChangeEventSchema {
    pub object: SObject,
    /// The fields after the header, in schema order (position = index + 1).
    pub fields: Vec<(String, AvroKind)>,
    pub json: String,
    pub id: String,
}

impl ChangeEventSchema {
    pub fn of(object: SObject, custom: &CustomFields) -> Self {
        // Salesforce lists the object's own fields first and the audit fields after them.
        let mut fields: Vec<(String, AvroKind)> = object
            .own_fields()
            .iter()
            .chain(SObject::system_fields())
            .filter(|field| !NOT_IN_EVENTS.contains(&field.name))
            .map(|field| (field.name.to_owned(), standard_kind(field.kind)))
            .collect();
        fields.extend(
            custom
                .of(object)
                .map(|field| (field.name.clone(), custom_kind(field.kind))),
        );
        let json = schema_json(object, &fields).to_string();
        let id = fingerprint(&json);
        Self {
            object,
            fields,
            json,
            id,
        }
    }

    /// The schema position of a field (the header is position 0).
    pub fn position(&self, name: &str) -> Option<usize> {
        self.fields
            .iter()
            .position(|(field, _)| field.eq_ignore_ascii_case(name))
            .map(|index| index + 1)
    }
}

fn standard_kind(kind: Kind) -> AvroKind {
    match kind {
        Kind::Number => AvroKind::Double,
        Kind::Integer => AvroKind::Int,
        Kind::Boolean => AvroKind::Boolean,
        Kind::Date => AvroKind::Date,
        Kind::DateTime => AvroKind::Timestamp,
        Kind::Id | Kind::Text | Kind::Reference(..) | Kind::User => AvroKind::String,
    }
}

fn custom_kind(kind: CustomType) -> AvroKind {
    match kind {
        CustomType::Currency | CustomType::Number => AvroKind::Double,
        CustomType::Date => AvroKind::Date,
        CustomType::Checkbox => AvroKind::Boolean,
        CustomType::Text(_) | CustomType::Picklist(_) => AvroKind::String,
    }
}

fn avro_type(kind: AvroKind) -> Value {
    match kind {
        AvroKind::String => json!("string"),
        AvroKind::Double => json!("double"),
        AvroKind::Int => json!("int"),
        AvroKind::Boolean => json!("boolean"),
        AvroKind::Date => json!({ "type": "int", "logicalType": "date" }),
        AvroKind::Timestamp => json!({ "type": "long", "logicalType": "timestamp-millis" }),
    }
}

/// The header record, as in every Salesforce change event schema.
fn header() -> Value {
    let strings = json!({ "type": "array", "items": "string" });
    json!({
        "type": "record",
        "name": "ChangeEventHeader",
        "namespace": "com.salesforce.eventbus",
        "fields": [
            { "name": "entityName", "type": "string" },
            { "name": "recordIds", "type": strings },
            { "name": "changeType", "type": {
                "type": "enum", "name": "ChangeType", "namespace": "com.salesforce.eventbus",
                "symbols": ["CREATE", "UPDATE", "DELETE", "UNDELETE", "GAP_CREATE", "GAP_UPDATE",
                            "GAP_DELETE", "GAP_UNDELETE", "GAP_OVERFLOW", "SNAPSHOT"]
            } },
            { "name": "changeOrigin", "type": "string" },
            { "name": "transactionKey", "type": "string" },
            { "name": "sequenceNumber", "type": "int" },
            { "name": "commitTimestamp", "type": "long" },
            { "name": "commitNumber", "type": "long" },
            { "name": "commitUser", "type": "string" },
            { "name": "nulledFields", "type": strings },
            { "name": "diffFields", "type": strings },
            { "name": "changedFields", "type": strings }
        ]
    })
}

fn schema_json(object: SObject, fields: &[(String, AvroKind)]) -> Value {
    let mut all = vec![json!({
        "name": "ChangeEventHeader",
        "type": header(),
        "doc": "Data:EventHeader"
    })];
    all.extend(fields.iter().map(
        |(name, kind)| json!({ "name": name, "type": ["null", avro_type(*kind)], "default": null }),
    ));
    json!({
        "type": "record",
        "name": format!("{}ChangeEvent", object.name()),
        "namespace": "com.sforce.eventbus",
        "fields": all
    })
}

/// 22 characters of URL-safe base64, the form Salesforce's schema ids take.
fn fingerprint(json: &str) -> String {
    let digest = Sha256::digest(json.as_bytes());
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&digest[..16])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_account_schema_parses_as_avro_and_starts_with_the_header() {
        let schema = ChangeEventSchema::of(SObject::Account, &CustomFields::default());
        let parsed = apache_avro::Schema::parse_str(&schema.json).unwrap();
        let apache_avro::Schema::Record(record) = parsed else {
            panic!("a record schema")
        };
        assert_eq!(record.fields[0].name, "ChangeEventHeader");
        assert_eq!(record.fields[1].name, schema.fields[0].0);
        assert_eq!(schema.position("Name"), Some(1));
        assert!(schema.position("NetSuite_Id__c").is_some());
        assert_eq!(schema.position("Id"), None);
        assert_eq!(schema.id.len(), 22);
    }
}
