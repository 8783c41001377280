//! What tandem needs of each system, read from the mapping: the Salesforce fields it reads,
//! writes and upserts by, per object, and the NetSuite custom fields it reads and writes, per
//! record type (flows' field entries plus `[record_fields]`).

use crate::domain::mapping::{Flow, Mapping};
use std::collections::BTreeMap;

/// One Salesforce field and what tandem does with it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SalesforceUse {
    /// The spelling first seen in the mapping.
    pub name: String,
    pub read: bool,
    pub written: bool,
    /// Upserts match on it, so it must be an External ID.
    pub upsert_key: bool,
    /// Why tandem needs it, for the fix line (`link to the NetSuite customer`, `origin stamp`).
    pub role: Option<&'static str>,
}

/// Per sObject API name: lower-case field name → use.
pub type SalesforceNeeds = BTreeMap<&'static str, BTreeMap<String, SalesforceUse>>;

/// Per NetSuite record type (REST name): custom field ids (lower case → spelling).
pub type NetsuiteNeeds = BTreeMap<&'static str, BTreeMap<String, String>>;

/// The record types an item flow may meet ("any item type").
pub const ITEM_TYPES: [&str; 4] = [
    "inventoryItem",
    "nonInventorySaleItem",
    "serviceSaleItem",
    "kitItem",
];

/// The Salesforce object and NetSuite record types of each flow.
fn objects(flow: Flow) -> (&'static str, &'static [&'static str]) {
    match flow {
        Flow::AccountToCustomer | Flow::CustomerToAccount => ("Account", &["customer"]),
        Flow::ContactToContact => ("Contact", &["contact"]),
        Flow::OpportunityToSalesOrder | Flow::OpportunityLineToSalesOrderLine => {
            let object = if flow == Flow::OpportunityToSalesOrder {
                "Opportunity"
            } else {
                "OpportunityLineItem"
            };
            (object, &["salesOrder"])
        }
        Flow::InvoiceToOpportunity => ("Opportunity", &["invoice"]),
        Flow::ItemToProduct | Flow::InventoryToProduct => ("Product2", &ITEM_TYPES),
    }
}

/// Whether a NetSuite field id names a custom field (entity, body, item or column family).
pub fn is_netsuite_custom(id: &str) -> bool {
    let lower = id.to_ascii_lowercase();
    [
        "custentity_",
        "custbody_",
        "custitem_",
        "custcol_",
        "custevent_",
        "custrecord_",
    ]
    .iter()
    .any(|prefix| lower.starts_with(prefix))
}

pub fn salesforce(mapping: &Mapping) -> SalesforceNeeds {
    let mut needs = SalesforceNeeds::new();
    let mut note = |object: &'static str, name: &str, change: &dyn Fn(&mut SalesforceUse)| {
        let entry = needs
            .entry(object)
            .or_default()
            .entry(name.to_ascii_lowercase())
            .or_insert_with(|| SalesforceUse {
                name: name.to_owned(),
                ..SalesforceUse::default()
            });
        change(entry);
    };
    for flow in Flow::ALL {
        let (object, _) = objects(flow);
        let from_salesforce = flow.source_system() == crate::domain::System::Salesforce;
        for field in mapping.flow(flow).fields() {
            if from_salesforce {
                for path in field.source().into_iter().chain(field.fallback()) {
                    // `Product2.ProductCode` reads the field of the related object.
                    let (object, name) = match path.split_once('.') {
                        Some(("Product2", name)) => ("Product2", name),
                        Some(("Account", name)) => ("Account", name),
                        Some((_, name)) => (object, name),
                        None => (object, path),
                    };
                    note(object, name, &|use_| use_.read = true);
                }
            } else {
                note(object, field.target(), &|use_| use_.written = true);
            }
        }
    }
    let names = mapping.record_fields();
    for object in ["Account", "Contact", "Opportunity", "Product2"] {
        note(object, &names.salesforce_origin, &|use_| {
            use_.written = true;
            use_.role = Some("origin stamp on tandem's writes");
        });
    }
    let keys: [(&'static str, &str, &'static str); 3] = [
        (
            "Account",
            &names.account_netsuite_id,
            "link to the NetSuite customer",
        ),
        (
            "Opportunity",
            &names.opportunity_order_id,
            "link to the NetSuite sales order",
        ),
        (
            "Product2",
            &names.product_item_id,
            "link to the NetSuite item",
        ),
    ];
    for (object, name, role) in keys {
        note(object, name, &|use_| {
            use_.written = true;
            use_.upsert_key = true;
            use_.role = Some(role);
        });
    }
    let written_back: [(&'static str, &str, &'static str); 3] = [
        (
            "Contact",
            &names.contact_netsuite_id,
            "link to the NetSuite contact",
        ),
        (
            "Opportunity",
            &names.opportunity_order_number,
            "sales order number",
        ),
        (
            "Opportunity",
            &names.opportunity_payment_status,
            "payment status",
        ),
    ];
    for (object, name, role) in written_back {
        note(object, name, &|use_| {
            use_.written = true;
            use_.role.get_or_insert(role);
        });
    }
    needs
}

pub fn netsuite(mapping: &Mapping) -> NetsuiteNeeds {
    let mut needs = NetsuiteNeeds::new();
    let mut note = |record_type: &'static str, id: &str| {
        if is_netsuite_custom(id) && !id.to_ascii_lowercase().starts_with("custcol_") {
            needs
                .entry(record_type)
                .or_default()
                .entry(id.to_ascii_lowercase())
                .or_insert_with(|| id.to_owned());
        }
    };
    for flow in Flow::ALL {
        let (_, record_types) = objects(flow);
        let to_netsuite = flow.target_system() == crate::domain::System::Netsuite;
        for field in mapping.flow(flow).fields() {
            let ids: Vec<&str> = if to_netsuite {
                vec![field.target()]
            } else {
                field.source().into_iter().chain(field.fallback()).collect()
            };
            for record_type in record_types {
                for id in &ids {
                    note(record_type, id);
                }
            }
        }
    }
    let names = mapping.record_fields();
    note("customer", &names.customer_salesforce_id);
    note("customer", &names.netsuite_entity_origin);
    note("contact", &names.netsuite_entity_origin);
    note("salesOrder", &names.netsuite_transaction_origin);
    needs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_mapping_needs_its_link_fields_as_external_ids() {
        let needs = salesforce(&Mapping::shipped());
        let account = &needs["Account"]["netsuite_id__c"];
        assert!(account.written && account.upsert_key);
        let product = &needs["Product2"]["netsuite_item_id__c"];
        assert!(product.upsert_key);
        assert!(needs["Account"]["credit_limit__c"].read);
        assert!(needs["Account"]["credit_limit__c"].written);
        assert!(needs["Product2"]["productcode"].written);
        assert!(needs["OpportunityLineItem"]["quantity"].read);
        assert!(!needs["Contact"]["netsuite_id__c"].upsert_key);
    }

    #[test]
    fn the_shipped_mapping_needs_custom_fields_on_each_record_type() {
        let needs = netsuite(&Mapping::shipped());
        assert!(needs["customer"].contains_key("custentity_sf_account_id"));
        assert!(needs["customer"].contains_key("custentity_tandem_origin"));
        assert!(needs["salesOrder"].contains_key("custbody_deal_type"));
        assert!(
            !needs["customer"].contains_key("companyname"),
            "standard fields are not listed"
        );
        assert!(
            !needs.contains_key("inventoryItem"),
            "the item flows read standard fields only"
        );
    }
}
