use super::*;
use apache_avro::writer::datum::GenericDatumWriter;
use serde_json::json;

/// The shape of the vendor's decoded Account example (fixture
/// `sf-cdc-account-change-event.pubsub-decoded.json`), cut to a few fields.
const SCHEMA: &str = r#"{
  "type": "record", "name": "AccountChangeEvent", "namespace": "com.sforce.eventbus",
  "fields": [
    { "name": "ChangeEventHeader", "type": { "type": "record", "name": "ChangeEventHeader",
      "namespace": "com.salesforce.eventbus", "fields": [
        { "name": "entityName", "type": "string" },
        { "name": "recordIds", "type": { "type": "array", "items": "string" } },
        { "name": "changeType", "type": { "type": "enum", "name": "ChangeType",
          "symbols": ["CREATE", "UPDATE", "DELETE", "UNDELETE", "GAP_CREATE", "GAP_UPDATE",
                      "GAP_DELETE", "GAP_UNDELETE", "GAP_OVERFLOW", "SNAPSHOT"] } },
        { "name": "changeOrigin", "type": "string" },
        { "name": "transactionKey", "type": "string" },
        { "name": "sequenceNumber", "type": "int" },
        { "name": "commitTimestamp", "type": "long" },
        { "name": "commitNumber", "type": "long" },
        { "name": "commitUser", "type": "string" },
        { "name": "nulledFields", "type": { "type": "array", "items": "string" } },
        { "name": "diffFields", "type": { "type": "array", "items": "string" } },
        { "name": "changedFields", "type": { "type": "array", "items": "string" } } ] } },
    { "name": "Name", "type": ["null", "string"], "default": null },
    { "name": "Type", "type": ["null", "string"], "default": null },
    { "name": "Website", "type": ["null", "string"], "default": null },
    { "name": "BillingAddress", "type": ["null", { "type": "record", "name": "Address", "fields": [
        { "name": "Street", "type": ["null", "string"], "default": null },
        { "name": "City", "type": ["null", "string"], "default": null },
        { "name": "State", "type": ["null", "string"], "default": null } ] }], "default": null },
    { "name": "LastModifiedDate", "type": ["null", { "type": "long", "logicalType": "timestamp-millis" }], "default": null }
  ]
}"#;

fn strings(items: &[&str]) -> Avro {
    Avro::Array(items.iter().map(|s| Avro::String((*s).into())).collect())
}

fn none() -> Avro {
    Avro::Union(0, Box::new(Avro::Null))
}

fn some(value: Avro) -> Avro {
    Avro::Union(1, Box::new(value))
}

fn payload(
    change: (u32, &str),
    origin: &str,
    changed: &[&str],
    nulled: &[&str],
    website: Avro,
) -> Vec<u8> {
    let header = Avro::Record(vec![
        ("entityName".into(), Avro::String("Account".into())),
        ("recordIds".into(), strings(&["0014H00002LbR7QQAV"])),
        ("changeType".into(), Avro::Enum(change.0, change.1.into())),
        ("changeOrigin".into(), Avro::String(origin.into())),
        (
            "transactionKey".into(),
            Avro::String("000046c7-a642-11e2-c29b-229c6786473e".into()),
        ),
        ("sequenceNumber".into(), Avro::Int(1)),
        ("commitTimestamp".into(), Avro::Long(1_696_444_513_000)),
        ("commitNumber".into(), Avro::Long(11_657_372_702_432)),
        (
            "commitUser".into(),
            Avro::String("00558000000yFyDAAU".into()),
        ),
        ("nulledFields".into(), strings(nulled)),
        ("diffFields".into(), strings(&[])),
        ("changedFields".into(), strings(changed)),
    ]);
    let address = Avro::Record(vec![
        ("Street".into(), none()),
        ("City".into(), some(Avro::String("San Francisco".into()))),
        ("State".into(), some(Avro::String("CA".into()))),
    ]);
    let record = Avro::Record(vec![
        ("ChangeEventHeader".into(), header),
        ("Name".into(), none()),
        ("Type".into(), none()),
        ("Website".into(), website),
        ("BillingAddress".into(), some(address)),
        (
            "LastModifiedDate".into(),
            some(Avro::TimestampMillis(1_696_444_513_000)),
        ),
    ]);
    let schema = Schema::parse_str(SCHEMA).unwrap();
    GenericDatumWriter::builder(&schema)
        .build()
        .unwrap()
        .write_value_to_vec(record)
        .unwrap()
}

#[test]
fn an_update_decodes_with_its_bitmaps_named_and_only_the_changed_fields_carried() {
    let schema = EventSchema::parse(SCHEMA).unwrap();
    // Field 5 (LastModifiedDate); of compound field 4 (BillingAddress) its City and State.
    let bytes = payload(
        (1, "UPDATE"),
        "com/salesforce/api/soap/58.0;client=SfdcInternalAPI/",
        &["0x20", "4-0x06"],
        &[],
        none(),
    );
    let event = schema.decode(&bytes).unwrap();
    assert_eq!(event.header.entity_name, "Account");
    assert_eq!(event.header.change_type, "UPDATE");
    assert_eq!(
        event.header.changed_fields,
        [
            "LastModifiedDate",
            "BillingAddress.City",
            "BillingAddress.State"
        ]
    );
    assert_eq!(
        Value::Object(event.fields.clone()),
        json!({
            "LastModifiedDate": "2023-10-04T18:35:13.000+0000",
            "BillingCity": "San Francisco",
            "BillingState": "CA"
        })
    );
    assert!(!event.made_through_tandem());
}

#[test]
fn a_nulled_field_is_carried_as_null() {
    let schema = EventSchema::parse(SCHEMA).unwrap();
    let bytes = payload((1, "UPDATE"), "", &["0x08"], &["0x08"], none());
    let event = schema.decode(&bytes).unwrap();
    assert_eq!(event.header.nulled_fields, ["Website"]);
    assert_eq!(Value::Object(event.fields), json!({ "Website": null }));
}

#[test]
fn an_update_that_names_no_changed_field_carries_none_rather_than_every_value() {
    let schema = EventSchema::parse(SCHEMA).unwrap();
    let website = some(Avro::String("https://acme.example".into()));
    let event = schema
        .decode(&payload((1, "UPDATE"), "", &[], &[], website))
        .unwrap();
    assert_eq!(event.change(), ChangeKind::Updated);
    assert!(event.fields.is_empty(), "{:?}", event.fields);
}

#[test]
fn a_create_carries_every_field_with_a_value() {
    let schema = EventSchema::parse(SCHEMA).unwrap();
    let website = some(Avro::String("https://acme.example".into()));
    let event = schema
        .decode(&payload((0, "CREATE"), "", &[], &[], website))
        .unwrap();
    assert_eq!(event.change(), ChangeKind::Created);
    assert_eq!(event.fields["Website"], "https://acme.example");
    assert!(!event.fields.contains_key("Name"), "nulls are left out");
}

#[test]
fn each_record_id_becomes_one_change_event_keyed_by_the_delivery() {
    let schema = EventSchema::parse(SCHEMA).unwrap();
    let bytes = payload(
        (1, "UPDATE"),
        "com/salesforce/api/rest/67.0;client=tandem",
        &["0x20"],
        &[],
        none(),
    );
    let mut event = schema.decode(&bytes).unwrap();
    event.header.record_ids.push("0014H00002LbR7RQAV".into());
    let received = Utc::now();
    let key = "salesforce:pubsub:/data/AccountChangeEvent:18098167";
    let events = event.change_events(key, received);
    assert_eq!(events.len(), 2);
    let first = &events[0];
    assert_eq!(first.id, format!("{key}#0"));
    assert_eq!(events[1].record_id, "0014H00002LbR7RQAV");
    assert_eq!(first.source, System::Salesforce);
    assert_eq!(first.object, "Account");
    assert_eq!(first.change, ChangeKind::Updated);
    assert_eq!(first.version.unwrap().timestamp_millis(), 1_696_444_513_000);
    assert_eq!(first.modified_by.as_deref(), Some("00558000000yFyDAAU"));
    assert_eq!(
        first.origin.as_deref(),
        Some("com/salesforce/api/rest/67.0;client=tandem"),
        "tandem's own write carries its origin, for the echo check"
    );
    assert!(first.fields.contains_key("LastModifiedDate"));
}

#[test]
fn deletes_and_gap_events_map_to_their_change_kinds() {
    let schema = EventSchema::parse(SCHEMA).unwrap();
    let deleted = schema
        .decode(&payload((2, "DELETE"), "", &[], &[], none()))
        .unwrap();
    assert_eq!(deleted.change(), ChangeKind::Deleted);
    assert!(deleted.fields.is_empty());
    let gap = schema
        .decode(&payload((5, "GAP_UPDATE"), "", &[], &[], none()))
        .unwrap();
    assert_eq!(gap.change(), ChangeKind::Updated);
}

#[test]
fn a_payload_of_another_schema_is_refused() {
    let schema = EventSchema::parse(SCHEMA).unwrap();
    assert!(schema.decode(&[1, 2, 3]).is_err());
}

#[test]
fn a_change_is_keyed_by_its_transaction_and_sequence_whichever_channel_carries_it() {
    let schema = EventSchema::parse(SCHEMA).unwrap();
    let mut event = schema
        .decode(&payload((1, "UPDATE"), "", &["0x20"], &[], none()))
        .unwrap();
    assert_eq!(
        event.delivery_key(|| unreachable!("the header names its transaction")),
        "salesforce:change:000046c7-a642-11e2-c29b-229c6786473e:1"
    );
    event.header.transaction_key.clear();
    assert_eq!(
        event.delivery_key(|| "salesforce:pubsub:/data/ChangeEvents:7".into()),
        "salesforce:pubsub:/data/ChangeEvents:7"
    );
}
