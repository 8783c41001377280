//! The Salesforce project's custom fields (`objects/<Object>/fields/<Field>.field-meta.xml`)
//! against the mapping: present with a fitting type, keys unique External IDs, none unused, and
//! the payment status picklist holding every status tandem writes.

use super::mapped::{self, Access, Kind, Use};
use super::xml::Element;
use super::{files, load_xml, salesforce_source, shipped_mapping};
use std::collections::BTreeSet;
use std::path::PathBuf;
use tandem::domain::System;

/// Custom fields of the project that the mapping does not name: the relay's own setting.
const RELAY_FIELDS: [(&str, &str); 1] = [("Tandem_Relay_Settings__c", "Signing_Secret__c")];

/// The statuses the invoice flow computes itself (`payment_status` in
/// src/sync/flows/invoice_to_opportunity.rs), besides those of the mapping's table.
const COMPUTED_PAYMENT_STATUSES: [&str; 4] = ["Open", "Partially Paid", "Paid", "Overdue"];

/// The table the shipped mapping maps NetSuite invoice statuses through.
const INVOICE_STATUS_TABLE: &str = "invoice_status";

pub fn field_path(object: &str, field: &str) -> PathBuf {
    salesforce_source().join(format!("objects/{object}/fields/{field}.field-meta.xml"))
}

fn salesforce_uses() -> Vec<Use> {
    mapped::uses(&shipped_mapping())
        .into_iter()
        .filter(|used| used.system == System::Salesforce)
        .collect()
}

/// The field's definition, checked to be the field the file is named after.
pub fn field(object: &str, name: &str) -> Element {
    let path = field_path(object, name);
    assert!(
        path.is_file(),
        "{object}.{name}: {} is missing",
        path.display()
    );
    let field = load_xml(&path);
    assert_eq!(
        field.name,
        "CustomField",
        "{}: not a CustomField",
        path.display()
    );
    assert_eq!(
        field.text_of("fullName"),
        Some(name),
        "{}: fullName differs from the file name",
        path.display()
    );
    field
}

fn fits(kind: Kind, access: Access, salesforce_type: &str) -> bool {
    match kind {
        // Text read from Salesforce may come from a picklist; text written must fit any value.
        Kind::Text => {
            matches!(
                salesforce_type,
                "Text" | "TextArea" | "LongTextArea" | "Email" | "Phone" | "Url"
            ) || (access == Access::Read && salesforce_type == "Picklist")
        }
        Kind::Number => matches!(salesforce_type, "Number" | "Currency"),
        Kind::Date => salesforce_type == "Date",
        Kind::Checkbox => salesforce_type == "Checkbox",
        Kind::Choice => salesforce_type == "Picklist",
        Kind::Reference => false,
    }
}

#[test]
fn every_custom_field_the_mapping_uses_exists_on_its_object_with_a_fitting_type() {
    let uses = salesforce_uses();
    assert!(
        uses.len() >= 20,
        "the mapping names too few Salesforce fields: {uses:?}"
    );
    for used in uses {
        let field = field(used.record, &used.field);
        let found = field.text_of("type").unwrap_or_default();
        assert!(
            fits(used.kind, used.access, found),
            "{}.{} ({}) is of type {found}, which cannot hold {:?} ({:?})",
            used.record,
            used.field,
            used.by,
            used.kind,
            used.access
        );
    }
}

#[test]
fn every_synced_object_carries_the_origin_stamp() {
    let origin = shipped_mapping().record_fields().salesforce_origin.clone();
    for object in mapped::SYNCED_OBJECTS {
        let field = field(object, &origin);
        assert_eq!(field.text_of("type"), Some("Text"), "{object}.{origin}");
        let length: u32 = field.text_of("length").unwrap_or("0").parse().unwrap_or(0);
        assert!(
            length >= 255,
            "{object}.{origin}: an event id needs 255 characters, has {length}"
        );
    }
}

#[test]
fn the_fields_tandem_upserts_and_links_by_are_unique_external_ids() {
    for (object, name) in mapped::salesforce_keys(&shipped_mapping()) {
        let field = field(object, &name);
        assert_eq!(
            field.text_of("externalId"),
            Some("true"),
            "{object}.{name} must be an External ID"
        );
        assert_eq!(
            field.text_of("unique"),
            Some("true"),
            "{object}.{name} must be unique"
        );
    }
}

#[test]
fn every_custom_field_in_the_salesforce_project_is_one_tandem_uses() {
    let mut known: BTreeSet<(String, String)> = salesforce_uses()
        .into_iter()
        .map(|used| {
            (
                used.record.to_ascii_lowercase(),
                used.field.to_ascii_lowercase(),
            )
        })
        .collect();
    known.extend(
        RELAY_FIELDS
            .map(|(object, field)| (object.to_ascii_lowercase(), field.to_ascii_lowercase())),
    );
    let objects = salesforce_source().join("objects");
    let shipped = files(&objects, ".field-meta.xml");
    assert!(!shipped.is_empty(), "no fields under {}", objects.display());
    for path in shipped {
        let relative = path.strip_prefix(&objects).expect("under objects/");
        let mut parts = relative
            .iter()
            .map(|part| part.to_string_lossy().to_string());
        let object = parts.next().unwrap_or_default();
        let file = parts.next_back().unwrap_or_default();
        let field = file.trim_end_matches(".field-meta.xml");
        assert!(
            known.contains(&(object.to_ascii_lowercase(), field.to_ascii_lowercase())),
            "{}: {object}.{field} is used by neither the mapping nor the relay",
            path.display()
        );
    }
}

#[test]
fn the_payment_status_picklist_holds_every_status_tandem_writes() {
    let mapping = shipped_mapping();
    let name = &mapping.record_fields().opportunity_payment_status;
    let field = field("Opportunity", name);
    let values: BTreeSet<String> = field
        .child("valueSet")
        .and_then(|set| set.child("valueSetDefinition"))
        .map(|definition| {
            definition
                .all("value")
                .filter_map(|value| value.text_of("fullName"))
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    let table = mapping
        .table(INVOICE_STATUS_TABLE)
        .unwrap_or_else(|| panic!("mapping.toml has no [tables.{INVOICE_STATUS_TABLE}]"));
    let written = table
        .values()
        .filter_map(|value| value.as_str())
        .chain(COMPUTED_PAYMENT_STATUSES);
    for status in written {
        assert!(
            values.contains(status),
            "Opportunity.{name}: the picklist lacks {status:?}, which tandem writes; it has {values:?}"
        );
    }
}
