//! The NetSuite SDF project's custom fields (`deploy/netsuite/src/Objects/<scriptid>.xml`)
//! against the mapping: each field tandem uses is there, of the right kind of custom field for
//! its record and with a fitting `fieldtype`, and every custom field there is one tandem uses.

use super::mapped::{self, Kind, Use};
use super::{files, load_xml, repository, shipped_mapping};
use std::collections::BTreeSet;
use std::path::PathBuf;
use tandem::domain::System;

/// Script id prefix → the SDF custom field object that defines it, and the records it is on.
const FIELD_OBJECTS: [(&str, &str, &[&str]); 4] = [
    ("custentity_", "entitycustomfield", &["customer", "contact"]),
    (
        "custbody_",
        "transactionbodycustomfield",
        &["salesOrder", "invoice"],
    ),
    (
        "custcol_",
        "transactioncolumncustomfield",
        &["salesOrder line"],
    ),
    ("custitem_", "itemcustomfield", &["item"]),
];

fn objects_dir() -> PathBuf {
    repository().join("deploy/netsuite/src/Objects")
}

fn netsuite_uses() -> Vec<Use> {
    mapped::uses(&shipped_mapping())
        .into_iter()
        .filter(|used| used.system == System::Netsuite)
        .collect()
}

fn fits(kind: Kind, field_type: &str) -> bool {
    match kind {
        Kind::Text | Kind::Choice => {
            matches!(
                field_type,
                "TEXT" | "TEXTAREA" | "CLOBTEXT" | "EMAIL" | "PHONE" | "URL"
            )
        }
        Kind::Number => matches!(field_type, "FLOAT" | "CURRENCY"),
        Kind::Date => field_type == "DATE",
        Kind::Checkbox => field_type == "CHECKBOX",
        Kind::Reference => field_type == "SELECT",
    }
}

#[test]
fn every_custom_field_the_mapping_uses_exists_in_the_netsuite_project_with_a_fitting_type() {
    let uses = netsuite_uses();
    assert!(
        uses.len() >= 10,
        "the mapping names too few NetSuite fields: {uses:?}"
    );
    for used in uses {
        let name = &used.field;
        let (prefix, root, records) = FIELD_OBJECTS
            .into_iter()
            .find(|(prefix, _, _)| name.starts_with(prefix))
            .unwrap_or_else(|| {
                panic!(
                    "{name} ({}): not a custom field prefix this test knows",
                    used.by
                )
            });
        assert!(
            records.contains(&used.record),
            "{name} ({}): a {prefix} field cannot be on a NetSuite {}",
            used.by,
            used.record
        );
        let path = objects_dir().join(format!("{name}.xml"));
        assert!(
            path.is_file(),
            "{name} ({}): {} is missing",
            used.by,
            path.display()
        );
        let field = load_xml(&path);
        assert_eq!(
            field.name,
            root,
            "{}: the root element must be <{root}>",
            path.display()
        );
        assert_eq!(
            field.attribute("scriptid"),
            Some(name.as_str()),
            "{}: scriptid",
            path.display()
        );
        let found = field.text_of("fieldtype").unwrap_or_default();
        assert!(
            fits(used.kind, found),
            "{} ({}): fieldtype {found} cannot hold {:?}",
            path.display(),
            used.by,
            used.kind
        );
    }
}

#[test]
fn every_custom_field_in_the_netsuite_project_is_one_tandem_uses() {
    let known: BTreeSet<String> = netsuite_uses().into_iter().map(|used| used.field).collect();
    let dir = objects_dir();
    let mut fields = 0;
    for path in files(&dir, ".xml") {
        let object = load_xml(&path);
        if !object.name.ends_with("customfield") {
            continue;
        }
        fields += 1;
        let scriptid = object.attribute("scriptid").unwrap_or_default();
        assert!(
            known.contains(scriptid),
            "{}: custom field {scriptid:?} is used by neither the mapping nor [record_fields]",
            path.display()
        );
    }
    assert!(fields > 0, "no custom fields under {}", dir.display());
}
