//! The custom fields the shipped mapping reads and writes: on which record of which system, and
//! what kind of value tandem takes from or puts into each. The kind is found by running the
//! field's own transforms on probe values, so changing a transform changes what the metadata
//! must hold.

use serde_json::{Map, Value, json};
use tandem::domain::System;
use tandem::domain::mapping::{FieldMapping, Flow, FlowMapping, Mapping, Scope};

/// What a field holds, as far as the metadata type is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Text,
    Number,
    Date,
    Checkbox,
    /// A NetSuite reference `{"id": …}` (a list/record field).
    Reference,
    /// One of a value table's values (a picklist).
    Choice,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// tandem reads the field from change events or records.
    Read,
    /// tandem writes the field.
    Write,
}

/// One way tandem uses a custom field.
#[derive(Debug, Clone)]
pub struct Use {
    pub system: System,
    /// The Salesforce object, or the NetSuite record (`customer`, `salesOrder line`, `item`…).
    pub record: &'static str,
    pub field: String,
    pub kind: Kind,
    pub access: Access,
    /// Where the use comes from, for assertion messages.
    pub by: String,
}

/// The Salesforce objects tandem writes, each of which carries the origin stamp. Line items are
/// only read (an order's lines are fetched by SOQL), so they carry none.
pub const SYNCED_OBJECTS: [&str; 4] = ["Account", "Contact", "Opportunity", "Product2"];

/// The Salesforce object and the NetSuite record of a flow.
pub fn records(flow: Flow) -> (&'static str, &'static str) {
    match flow {
        Flow::AccountToCustomer | Flow::CustomerToAccount => ("Account", "customer"),
        Flow::ContactToContact => ("Contact", "contact"),
        Flow::OpportunityToSalesOrder => ("Opportunity", "salesOrder"),
        Flow::OpportunityLineToSalesOrderLine => ("OpportunityLineItem", "salesOrder line"),
        Flow::InvoiceToOpportunity => ("Opportunity", "invoice"),
        Flow::ItemToProduct | Flow::InventoryToProduct => ("Product2", "item"),
    }
}

fn record_of(flow: Flow, system: System) -> &'static str {
    let (salesforce, netsuite) = records(flow);
    match system {
        System::Salesforce => salesforce,
        System::Netsuite => netsuite,
    }
}

/// Custom fields: Salesforce `…__c`, NetSuite `cust<kind>_…`.
pub fn is_custom(system: System, name: &str) -> bool {
    match system {
        System::Salesforce => name.to_ascii_lowercase().ends_with("__c"),
        System::Netsuite => name.starts_with("cust") && name.contains('_'),
    }
}

/// Every use of a custom field by the mapping's field entries and by its `[record_fields]`.
pub fn uses(mapping: &Mapping) -> Vec<Use> {
    let mut uses = Vec::new();
    for flow in Flow::ALL {
        let entries = mapping.flow(flow);
        for field in entries.fields() {
            let kind = kind(entries, field);
            let by = format!("{}: {}", flow.as_str(), field.label());
            let source = flow.source_system();
            let sources = field.source().into_iter().chain(field.fallback());
            for path in sources {
                let (record, name) = source_field(flow, source, path);
                if is_custom(source, name) {
                    uses.push(Use {
                        system: source,
                        record,
                        field: name.to_owned(),
                        kind,
                        access: Access::Read,
                        by: by.clone(),
                    });
                }
            }
            let target = flow.target_system();
            if is_custom(target, field.target()) {
                uses.push(Use {
                    system: target,
                    record: record_of(flow, target),
                    field: field.target().to_owned(),
                    kind,
                    access: Access::Write,
                    by,
                });
            }
        }
    }
    uses.extend(record_field_uses(mapping));
    uses
}

/// A source path's record and field: Salesforce `Product2.ProductCode` is a field of the related
/// Product2; NetSuite `terms.refName` is a property of the reference field `terms`.
fn source_field(flow: Flow, system: System, path: &str) -> (&'static str, &str) {
    match (system, path.split_once('.')) {
        (System::Salesforce, Some((relation, _))) => {
            let field = path.rsplit('.').next().unwrap_or(path);
            let object = SYNCED_OBJECTS
                .into_iter()
                .chain(["OpportunityLineItem"])
                .find(|object| object.eq_ignore_ascii_case(relation))
                .unwrap_or_else(|| panic!("{path}: teach this test the object behind {relation}"));
            (object, field)
        }
        (System::Netsuite, Some((field, _))) => (record_of(flow, system), field),
        (_, None) => (record_of(flow, system), path),
    }
}

/// The fields tandem keeps beside the mapped ones: links, origin stamps, write-backs.
fn record_field_uses(mapping: &Mapping) -> Vec<Use> {
    let names = mapping.record_fields();
    let write = |system, record, field: &String, kind, key: &str| Use {
        system,
        record,
        field: field.clone(),
        kind,
        access: Access::Write,
        by: format!("[record_fields] {key}"),
    };
    let (sf, ns) = (System::Salesforce, System::Netsuite);
    let mut uses: Vec<Use> = SYNCED_OBJECTS
        .into_iter()
        .map(|object| {
            let origin = &names.salesforce_origin;
            write(sf, object, origin, Kind::Text, "salesforce_origin")
        })
        .collect();
    uses.extend([
        write(
            sf,
            "Account",
            &names.account_netsuite_id,
            Kind::Text,
            "account_netsuite_id",
        ),
        write(
            sf,
            "Contact",
            &names.contact_netsuite_id,
            Kind::Text,
            "contact_netsuite_id",
        ),
        write(
            sf,
            "Opportunity",
            &names.opportunity_order_id,
            Kind::Text,
            "opportunity_order_id",
        ),
        write(
            sf,
            "Opportunity",
            &names.opportunity_order_number,
            Kind::Text,
            "opportunity_order_number",
        ),
        write(
            sf,
            "Opportunity",
            &names.opportunity_payment_status,
            Kind::Choice,
            "opportunity_payment_status",
        ),
        write(
            sf,
            "Product2",
            &names.product_item_id,
            Kind::Text,
            "product_item_id",
        ),
        write(
            ns,
            "customer",
            &names.netsuite_entity_origin,
            Kind::Text,
            "netsuite_entity_origin",
        ),
        write(
            ns,
            "contact",
            &names.netsuite_entity_origin,
            Kind::Text,
            "netsuite_entity_origin",
        ),
        write(
            ns,
            "salesOrder",
            &names.netsuite_transaction_origin,
            Kind::Text,
            "netsuite_transaction_origin",
        ),
        write(
            ns,
            "item",
            &names.netsuite_item_origin,
            Kind::Text,
            "netsuite_item_origin",
        ),
        write(
            ns,
            "customer",
            &names.customer_salesforce_id,
            Kind::Text,
            "customer_salesforce_id",
        ),
    ]);
    uses
}

/// The Salesforce fields tandem upserts by or finds records by (`WHERE <link> = …`): each must
/// be an External ID. Account, Opportunity and Product2 are the upsert keys of the flows
/// customer_to_account, invoice_to_opportunity and item_to_product; Contact's is its link.
pub fn salesforce_keys(mapping: &Mapping) -> [(&'static str, String); 4] {
    let names = mapping.record_fields();
    [
        ("Account", names.account_netsuite_id.clone()),
        ("Contact", names.contact_netsuite_id.clone()),
        ("Opportunity", names.opportunity_order_id.clone()),
        ("Product2", names.product_item_id.clone()),
    ]
}

/// The kind of value the entry produces (a target) or expects (a source), found by mapping
/// probe values through the entry's transforms.
fn kind(flow: &FlowMapping, field: &FieldMapping) -> Kind {
    if let Some(constant) = field.constant() {
        return match constant {
            Value::Number(_) => Kind::Number,
            Value::Bool(_) => Kind::Checkbox,
            Value::Object(_) => Kind::Reference,
            _ => Kind::Text,
        };
    }
    let source = field.source().unwrap_or_default();
    let probe = |value: &str| {
        let record = nested(source, json!(value));
        let mut mapped = flow.map(&record, Scope::OwnedBy(field.master())).ok()?;
        mapped.remove(field.target())
    };
    match probe("1") {
        Some(Value::Number(_)) => Kind::Number,
        Some(Value::Bool(_)) => Kind::Checkbox,
        Some(Value::Object(_)) => Kind::Reference,
        Some(_) => Kind::Text,
        // Neither a number, a flag nor text: a date if a date goes through, else a table.
        None => match probe("2026-11-27") {
            Some(Value::String(_)) => Kind::Date,
            _ => Kind::Choice,
        },
    }
}

/// `{"a": {"b": value}}` for the path `a.b`.
fn nested(path: &str, value: Value) -> Map<String, Value> {
    let mut parts = path.rsplit('.');
    let last = parts.next().unwrap_or(path);
    let mut record = Map::from_iter([(last.to_owned(), value)]);
    for part in parts {
        record = Map::from_iter([(part.to_owned(), Value::Object(record))]);
    }
    record
}

#[test]
fn the_probe_reads_each_transform_as_the_kind_it_means() {
    let uses = uses(&super::shipped_mapping());
    let kind = |field: &str, access| {
        uses.iter()
            .find(|used| used.field == field && used.access == access)
            .map(|used| used.kind)
    };
    assert_eq!(
        kind("Credit_Limit__c", Access::Read),
        Some(Kind::Number),
        "number:2"
    );
    assert_eq!(
        kind("Quantity_Available__c", Access::Write),
        Some(Kind::Number),
        "number"
    );
    assert_eq!(
        kind("Invoice_Due_Date__c", Access::Write),
        Some(Kind::Date),
        "date:%Y-%m-%d"
    );
    assert_eq!(
        kind("Discount_Approved__c", Access::Read),
        Some(Kind::Checkbox),
        "bool"
    );
    assert_eq!(
        kind("Payment_Status__c", Access::Write),
        Some(Kind::Choice),
        "table:invoice_status"
    );
    assert_eq!(
        kind("Payment_Terms__c", Access::Write),
        Some(Kind::Text),
        "ref_name"
    );
    assert_eq!(
        kind("custentity_sf_account_id", Access::Write),
        Some(Kind::Text),
        "no transform"
    );
}
