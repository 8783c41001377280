//! What one write may touch: ownership scopes, partial updates, required fields and fallbacks.

use super::*;
use crate::domain::System::{Netsuite, Salesforce};
use serde_json::json;

#[test]
fn an_account_update_leaves_the_credit_limit_to_netsuite() {
    let flow = Mapping::shipped();
    let flow = flow.flow(Flow::AccountToCustomer);
    let owned = flow.target_fields(Scope::OwnedBy(Salesforce));
    assert!(
        owned.contains(&"companyname") && owned.contains(&"custentity_arr"),
        "{owned:?}"
    );
    assert!(!owned.contains(&"creditlimit"), "{owned:?}");
    assert!(flow.target_fields(Scope::All).contains(&"creditlimit"));
    assert_eq!(
        flow.target_fields(Scope::OwnedBy(Netsuite)),
        ["creditlimit"]
    );

    let account = record(json!({ "Name": "Acme", "Credit_Limit__c": "5000" }));
    let update = flow.map(&account, Scope::OwnedBy(Salesforce)).unwrap();
    assert_eq!(Value::Object(update), json!({ "companyname": "Acme" }));
    let create = flow.map(&account, Scope::All).unwrap();
    assert_eq!(
        Value::Object(create),
        json!({ "companyname": "Acme", "creditlimit": 5000 })
    );
}

#[test]
fn a_customer_update_never_renames_the_account() {
    let mapping = Mapping::shipped();
    let flow = mapping.flow(Flow::CustomerToAccount);
    assert!(
        !flow
            .target_fields(Scope::OwnedBy(Netsuite))
            .contains(&"Name")
    );
    let customer = record(json!({ "companyname": "Renamed", "creditlimit": 10 }));
    let update = flow.map(&customer, Scope::OwnedBy(Netsuite)).unwrap();
    assert_eq!(Value::Object(update), json!({ "Credit_Limit__c": 10 }));
}

#[test]
fn fields_absent_from_a_partial_update_are_left_out() {
    let mapping = Mapping::shipped();
    let account = record(json!({ "Phone": "+1 415 555 0100" }));
    let update = mapping
        .map(
            Flow::AccountToCustomer,
            &account,
            Scope::OwnedBy(Salesforce),
        )
        .unwrap();
    assert_eq!(Value::Object(update), json!({ "phone": "+1 415 555 0100" }));
}

#[test]
fn a_field_present_as_null_clears_the_target() {
    let mapping = Mapping::shipped();
    let account = record(json!({ "Website": null, "AnnualRevenue": null, "Phone": "" }));
    let update = mapping
        .map(
            Flow::AccountToCustomer,
            &account,
            Scope::OwnedBy(Salesforce),
        )
        .unwrap();
    assert_eq!(
        Value::Object(update),
        json!({ "url": null, "custentity_arr": null, "phone": "" })
    );
}

#[test]
fn a_required_field_may_be_missing_from_an_update_but_not_from_a_create() {
    let mapping = Mapping::shipped();
    let contact = record(json!({ "Email": "wile@acme.example" }));
    let update = mapping
        .map(Flow::ContactToContact, &contact, Scope::OwnedBy(Salesforce))
        .unwrap();
    assert_eq!(
        Value::Object(update),
        json!({ "email": "wile@acme.example" })
    );
    let error = mapping
        .map(Flow::ContactToContact, &contact, Scope::All)
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "mapping: flow contact_to_contact, field LastName → lastname: is required but missing"
    );
}

#[test]
fn a_required_field_can_never_be_blanked() {
    let mapping = Mapping::shipped();
    for last_name in [json!(null), json!(""), json!("   ")] {
        let contact = record(json!({ "LastName": last_name }));
        for scope in [Scope::OwnedBy(Salesforce), Scope::All] {
            let error = mapping
                .map(Flow::ContactToContact, &contact, scope)
                .unwrap_err();
            assert_eq!(
                error.field_problem(),
                Some(&FieldProblem::Blank),
                "{last_name} {scope:?}"
            );
        }
    }
}

#[test]
fn the_fallback_is_read_when_the_source_is_missing_or_blank() {
    let mapping = Mapping::shipped();
    let name = |item: Value| {
        let mapped = mapping.map(Flow::ItemToProduct, &record(item), Scope::OwnedBy(Netsuite));
        mapped.map(|fields| fields.get("Name").cloned())
    };
    assert_eq!(
        name(json!({ "displayname": "Widget", "itemid": "SKU-100" })).unwrap(),
        Some(json!("Widget"))
    );
    assert_eq!(
        name(json!({ "itemid": "SKU-100" })).unwrap(),
        Some(json!("SKU-100"))
    );
    assert_eq!(
        name(json!({ "displayname": null, "itemid": "SKU-100" })).unwrap(),
        Some(json!("SKU-100"))
    );
    assert_eq!(
        name(json!({ "displayname": " ", "itemid": "SKU-100" })).unwrap(),
        Some(json!("SKU-100"))
    );
    assert_eq!(name(json!({ "salesdescription": "only" })).unwrap(), None);
    let error = name(json!({ "displayname": "", "itemid": "" })).unwrap_err();
    assert_eq!(error.field_problem(), Some(&FieldProblem::Blank));
}

#[test]
fn dotted_sources_read_nested_objects() {
    let mapping = one_field(
        "source = \"Product2.ProductCode\"\ntarget = \"custcol_code\"\ngroup = \"identity\"",
    )
    .unwrap();
    let map = |line: Value| {
        mapping
            .map(Flow::AccountToCustomer, &record(line), Scope::All)
            .unwrap()
    };
    assert_eq!(
        Value::Object(map(json!({ "Product2": { "ProductCode": "SKU-1" } }))),
        json!({ "custcol_code": "SKU-1" })
    );
    assert_eq!(
        Value::Object(map(json!({ "Product2.ProductCode": "SKU-2" }))),
        json!({ "custcol_code": "SKU-2" })
    );
    assert_eq!(
        Value::Object(map(json!({ "Product2": null }))),
        json!({ "custcol_code": null })
    );
    assert_eq!(
        Value::Object(map(json!({ "Product2": { "Name": "x" } }))),
        json!({})
    );
    assert_eq!(Value::Object(map(json!({}))), json!({}));
}

#[test]
fn source_names_match_whatever_their_case() {
    let mapping = Mapping::shipped();
    let customer =
        record(json!({ "creditLimit": 50000.0, "Terms": { "id": "2", "refName": "Net 30" } }));
    let update = mapping
        .map(Flow::CustomerToAccount, &customer, Scope::OwnedBy(Netsuite))
        .unwrap();
    assert_eq!(
        Value::Object(update),
        json!({ "Credit_Limit__c": 50000, "Payment_Terms__c": "Net 30" })
    );
}

#[test]
fn constants_are_written_whenever_their_group_is_in_scope() {
    let mapping = one_field(
        "value = \"7\"\ntarget = \"category\"\ngroup = \"finance\"\ntransforms = [\"ref\"]",
    )
    .unwrap();
    let flow = mapping.flow(Flow::AccountToCustomer);
    assert_eq!(flow.fields()[0].constant(), Some(&json!("7")));
    let created = flow.map(&Map::new(), Scope::All).unwrap();
    assert_eq!(Value::Object(created), json!({ "category": { "id": "7" } }));
    assert!(
        flow.map(&Map::new(), Scope::OwnedBy(Salesforce))
            .unwrap()
            .is_empty()
    );
}

#[test]
fn a_flow_the_file_does_not_list_maps_nothing() {
    let mapping = Mapping::parse(&file_with("")).unwrap();
    let flow = mapping.flow(Flow::InventoryToProduct);
    assert!(flow.fields().is_empty());
    let mapped = flow
        .map(&record(json!({ "quantityavailable": 3 })), Scope::All)
        .unwrap();
    assert!(mapped.is_empty());
}
