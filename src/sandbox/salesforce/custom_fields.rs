//! The org's custom fields: the ones tandem's shipped mapping (`mapping.toml`, its
//! `[record_fields]` included) reads and writes, each with a type, a label and whether it is an
//! External ID, as an admin following `docs/setup-salesforce.md` creates them. A name an object
//! does not declare is refused as Salesforce refuses it (400 `INVALID_FIELD`).

use super::schema::SObject;
use crate::sandbox::declared_fields::{FieldChanges, FieldSystem};
use std::collections::BTreeMap;

/// A custom field's type, as Setup offers it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CustomType {
    /// Text with its maximum length.
    Text(u32),
    /// Currency(16, 2).
    Currency,
    /// Number(16, 2).
    Number,
    Date,
    Checkbox,
    Picklist(&'static [&'static str]),
}

/// One custom field of one object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomField {
    /// The API name, `…__c`.
    pub name: String,
    pub label: String,
    pub kind: CustomType,
    /// Marked External ID (upserts can match on it).
    pub external_id: bool,
    /// Marked unique (no two records share a value).
    pub unique: bool,
}

/// The `Payment_Status__c` picklist: the values the shipped `[tables.invoice_status]` writes.
const PAYMENT_STATUSES: &[&str] = &["Open", "Paid", "Pending Approval", "Rejected", "Voided"];

/// A key field tandem upserts or matches by: text, External ID, unique.
const KEY: (CustomType, bool) = (CustomType::Text(64), true);
const TEXT: (CustomType, bool) = (CustomType::Text(255), false);

/// What the shipped mapping needs, per object: (API name, label, (type, External ID)).
const DECLARED: &[(SObject, &str, &str, (CustomType, bool))] = &[
    (SObject::Account, "NetSuite_Id__c", "NetSuite Id", KEY),
    (
        SObject::Account,
        "Tandem_Sync_Origin__c",
        "Tandem Sync Origin",
        TEXT,
    ),
    (
        SObject::Account,
        "Credit_Limit__c",
        "Credit Limit",
        (CustomType::Currency, false),
    ),
    (
        SObject::Account,
        "Payment_Terms__c",
        "Payment Terms",
        (CustomType::Text(100), false),
    ),
    (
        SObject::Account,
        "Account_Balance__c",
        "Account Balance",
        (CustomType::Currency, false),
    ),
    (SObject::Contact, "NetSuite_Id__c", "NetSuite Id", KEY),
    (
        SObject::Contact,
        "Tandem_Sync_Origin__c",
        "Tandem Sync Origin",
        TEXT,
    ),
    (
        SObject::Opportunity,
        "NetSuite_Sales_Order_Id__c",
        "NetSuite Sales Order Id",
        KEY,
    ),
    (
        SObject::Opportunity,
        "NetSuite_Sales_Order_Number__c",
        "NetSuite Sales Order Number",
        (CustomType::Text(64), false),
    ),
    (
        SObject::Opportunity,
        "Invoice_Number__c",
        "Invoice Number",
        (CustomType::Text(64), false),
    ),
    (
        SObject::Opportunity,
        "Invoice_Due_Date__c",
        "Invoice Due Date",
        (CustomType::Date, false),
    ),
    (
        SObject::Opportunity,
        "Amount_Remaining__c",
        "Amount Remaining",
        (CustomType::Currency, false),
    ),
    (
        SObject::Opportunity,
        "Payment_Status__c",
        "Payment Status",
        (CustomType::Picklist(PAYMENT_STATUSES), false),
    ),
    (
        SObject::Opportunity,
        "PO_Number__c",
        "PO Number",
        (CustomType::Text(80), false),
    ),
    (
        SObject::Opportunity,
        "Product_Line__c",
        "Product Line",
        TEXT,
    ),
    (
        SObject::Opportunity,
        "Discount_Approved__c",
        "Discount Approved",
        (CustomType::Checkbox, false),
    ),
    (
        SObject::Opportunity,
        "Tandem_Sync_Origin__c",
        "Tandem Sync Origin",
        TEXT,
    ),
    (
        SObject::Product2,
        "NetSuite_Item_Id__c",
        "NetSuite Item Id",
        KEY,
    ),
    (
        SObject::Product2,
        "Quantity_Available__c",
        "Quantity Available",
        (CustomType::Number, false),
    ),
    (
        SObject::Product2,
        "Tandem_Sync_Origin__c",
        "Tandem Sync Origin",
        TEXT,
    ),
];

/// The custom fields of every object of the org.
#[derive(Debug, Clone)]
pub struct CustomFields {
    /// Per object: lower-case API name → the field.
    fields: BTreeMap<SObject, BTreeMap<String, CustomField>>,
    /// Per object: lower-case API name → its spelling (what name resolution reads).
    names: BTreeMap<SObject, BTreeMap<String, String>>,
}

impl Default for CustomFields {
    fn default() -> Self {
        Self::declared(&FieldChanges::default())
    }
}

impl CustomFields {
    /// The declared fields, less those `changes` leave out, plus its extra ones.
    pub fn declared(changes: &FieldChanges) -> Self {
        let mut all = Self {
            fields: BTreeMap::new(),
            names: BTreeMap::new(),
        };
        for (object, name, label, (kind, key)) in DECLARED {
            if changes.is_left_out(FieldSystem::Salesforce, object.name(), name) {
                continue;
            }
            all.add(*object, name, label, *kind, *key);
        }
        for object in SObject::ALL {
            for name in changes.extra_for(FieldSystem::Salesforce, object.name()) {
                all.add(object, name, name.trim_end_matches("__c"), KEY.0, true);
            }
        }
        all
    }

    fn add(&mut self, object: SObject, name: &str, label: &str, kind: CustomType, key: bool) {
        let field = CustomField {
            name: name.to_owned(),
            label: label.replace('_', " "),
            kind,
            external_id: key,
            unique: key,
        };
        let lower = name.to_ascii_lowercase();
        self.names
            .entry(object)
            .or_default()
            .insert(lower.clone(), name.to_owned());
        self.fields.entry(object).or_default().insert(lower, field);
    }

    /// Lower-case name → spelling, for name resolution.
    pub fn names(&self, object: SObject) -> Option<&BTreeMap<String, String>> {
        self.names.get(&object)
    }

    /// The fields of `object`, by name.
    pub fn of(&self, object: SObject) -> impl Iterator<Item = &CustomField> {
        self.fields
            .get(&object)
            .into_iter()
            .flat_map(BTreeMap::values)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fields_tandem_upserts_by_are_external_ids() {
        let fields = CustomFields::default();
        for (object, name) in [
            (SObject::Account, "NetSuite_Id__c"),
            (SObject::Opportunity, "NetSuite_Sales_Order_Id__c"),
            (SObject::Product2, "NetSuite_Item_Id__c"),
        ] {
            let field = fields.of(object).find(|f| f.name == name).unwrap();
            assert!(field.external_id && field.unique, "{name}");
        }
        assert!(fields.of(SObject::PricebookEntry).next().is_none());
    }

    #[test]
    fn a_run_can_leave_a_declared_field_out_or_add_one() {
        let changes = FieldChanges {
            without: vec!["salesforce:Account.NetSuite_Id__c".parse().unwrap()],
            extra: vec!["salesforce:Account.Legacy_Key__c".parse().unwrap()],
        };
        let fields = CustomFields::declared(&changes);
        let names = fields.names(SObject::Account).unwrap();
        assert!(!names.contains_key("netsuite_id__c"));
        assert_eq!(names["legacy_key__c"], "Legacy_Key__c");
        assert!(
            fields
                .names(SObject::Contact)
                .unwrap()
                .contains_key("netsuite_id__c")
        );
    }
}
