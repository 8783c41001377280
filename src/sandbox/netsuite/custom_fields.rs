//! The account's custom fields: the entity (`custentity_*`), transaction body (`custbody_*`)
//! and item (`custitem_*`) fields tandem's shipped mapping and `[record_fields]` use, as an
//! admin following `docs/setup-netsuite.md` creates them. A write naming a custom field its
//! record type does not have is refused.

use super::error::NsError;
use super::record_type::RecordType;
use crate::sandbox::declared_fields::{FieldChanges, FieldSystem};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// A custom field's type, as NetSuite's field editor names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CustomType {
    FreeFormText,
    Currency,
    CheckBox,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomField {
    /// The script id, e.g. `custentity_sf_account_id`.
    pub id: String,
    pub label: String,
    pub kind: CustomType,
}

/// The prefixes of NetSuite's custom field families (entity, transaction body and column,
/// item, CRM, custom record): a body key with one of them names a custom field.
const CUSTOM_PREFIXES: &[&str] = &[
    "custentity",
    "custbody",
    "custcol",
    "custitem",
    "custevent",
    "custrecord",
];

use CustomType::{CheckBox, Currency, FreeFormText};

const ENTITY_ORIGIN: (&str, &str, CustomType) = (
    "custentity_tandem_origin",
    "Tandem Sync Origin",
    FreeFormText,
);
const BODY_ORIGIN: (&str, &str, CustomType) =
    ("custbody_tandem_origin", "Tandem Sync Origin", FreeFormText);
const ITEM_FIELDS: &[(&str, &str, CustomType)] = &[
    (
        "custitem_sf_product_id",
        "Salesforce Product Id",
        FreeFormText,
    ),
    ("custitem_tandem_origin", "Tandem Sync Origin", FreeFormText),
];

/// What the shipped mapping needs on each record type.
fn declared_for(record_type: RecordType) -> &'static [(&'static str, &'static str, CustomType)] {
    match record_type {
        RecordType::Customer => &[
            (
                "custentity_sf_account_id",
                "Salesforce Account Id",
                FreeFormText,
            ),
            ENTITY_ORIGIN,
            ("custentity_industry", "Industry", FreeFormText),
            (
                "custentity_sf_owner_id",
                "Salesforce Owner Id",
                FreeFormText,
            ),
            ("custentity_arr", "ARR", Currency),
        ],
        RecordType::Contact => &[ENTITY_ORIGIN],
        RecordType::SalesOrder => &[
            BODY_ORIGIN,
            ("custbody_deal_type", "Deal Type", FreeFormText),
            ("custbody_product_line", "Product Line", FreeFormText),
            ("custbody_discount_approved", "Discount Approved", CheckBox),
        ],
        RecordType::Invoice | RecordType::CustomerPayment => &[BODY_ORIGIN],
        RecordType::InventoryItem
        | RecordType::NonInventorySaleItem
        | RecordType::ServiceSaleItem
        | RecordType::KitItem => ITEM_FIELDS,
        RecordType::Subsidiary
        | RecordType::Currency
        | RecordType::CustomerSubsidiaryRelationship => &[],
    }
}

/// Whether `name` is a custom field's script id.
pub fn is_custom(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    CUSTOM_PREFIXES.iter().any(|prefix| {
        lower
            .strip_prefix(prefix)
            .is_some_and(|rest| rest.starts_with('_'))
    })
}

/// The custom fields of every record type of the account.
#[derive(Debug, Clone)]
pub struct CustomFields {
    /// Per type: lower-case script id → field.
    by_type: BTreeMap<RecordType, BTreeMap<String, CustomField>>,
}

impl Default for CustomFields {
    fn default() -> Self {
        Self::declared(&FieldChanges::default())
    }
}

impl CustomFields {
    /// The declared fields, less those `changes` leave out, plus its extra ones. A change names
    /// the record type by its REST or SuiteScript name (`salesOrder`, `salesorder`).
    pub fn declared(changes: &FieldChanges) -> Self {
        let mut by_type: BTreeMap<RecordType, BTreeMap<String, CustomField>> = BTreeMap::new();
        for record_type in RecordType::ALL {
            let names = [record_type.url_name().to_owned(), record_type.script_id()];
            let left_out = |id: &str| {
                names
                    .iter()
                    .any(|name| changes.is_left_out(FieldSystem::Netsuite, name, id))
            };
            let fields = by_type.entry(record_type).or_default();
            for (id, label, kind) in declared_for(record_type) {
                if !left_out(id) {
                    fields.insert(id.to_string(), field(id, label, *kind));
                }
            }
            for name in &names {
                for id in changes.extra_for(FieldSystem::Netsuite, name) {
                    fields.insert(id.to_ascii_lowercase(), field(id, id, FreeFormText));
                }
            }
        }
        Self { by_type }
    }

    /// The custom fields of `record_type`, by script id.
    pub fn of(&self, record_type: RecordType) -> impl Iterator<Item = &CustomField> {
        self.by_type
            .get(&record_type)
            .into_iter()
            .flat_map(BTreeMap::values)
    }

    pub fn has(&self, record_type: RecordType, id: &str) -> bool {
        self.by_type
            .get(&record_type)
            .is_some_and(|fields| fields.contains_key(&id.to_ascii_lowercase()))
    }

    /// Refuses a write body that names a custom field `record_type` does not have.
    pub fn check_body(
        &self,
        record_type: RecordType,
        body: &Map<String, Value>,
    ) -> Result<(), NsError> {
        match body
            .keys()
            .find(|key| is_custom(key) && !self.has(record_type, key))
        {
            Some(unknown) => Err(NsError::unknown_field(record_type.url_name(), unknown)),
            None => Ok(()),
        }
    }
}

fn field(id: &str, label: &str, kind: CustomType) -> CustomField {
    CustomField {
        id: id.to_owned(),
        label: label.to_owned(),
        kind,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn custom_names_are_told_by_their_family_prefix() {
        assert!(is_custom("custentity_sf_account_id"));
        assert!(is_custom("CUSTBODY_X"));
        assert!(!is_custom("companyName"));
        assert!(!is_custom("custentityx"));
    }

    #[test]
    fn a_body_with_an_undeclared_custom_field_is_refused() {
        let fields = CustomFields::default();
        let declared = json!({ "companyName": "Acme", "custentity_sf_account_id": "001" });
        assert!(
            fields
                .check_body(RecordType::Customer, declared.as_object().unwrap())
                .is_ok()
        );
        let undeclared = json!({ "companyName": "Acme", "custentity_legacy_code": "L1" });
        let error = fields
            .check_body(RecordType::Customer, undeclared.as_object().unwrap())
            .unwrap_err();
        assert_eq!(error.status, 400);
        assert_eq!(error.path.as_deref(), Some("custentity_legacy_code"));
        // An item field on a customer is just as unknown.
        let wrong_family = json!({ "custitem_sf_product_id": "01t" });
        assert!(
            fields
                .check_body(RecordType::Customer, wrong_family.as_object().unwrap())
                .is_err()
        );
    }

    #[test]
    fn a_run_can_leave_a_field_out_by_either_record_type_name() {
        let changes = FieldChanges {
            without: vec!["netsuite:salesorder.custbody_deal_type".parse().unwrap()],
            extra: vec!["netsuite:customer.custentity_legacy_code".parse().unwrap()],
        };
        let fields = CustomFields::declared(&changes);
        assert!(!fields.has(RecordType::SalesOrder, "custbody_deal_type"));
        assert!(fields.has(RecordType::SalesOrder, "custbody_tandem_origin"));
        assert!(fields.has(RecordType::Customer, "custentity_legacy_code"));
    }
}
