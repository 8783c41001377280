//! The shipped `mapping.toml`: it checks, covers every flow, and maps the records both systems send.

use super::*;
use crate::domain::System::{Netsuite, Salesforce};
use serde_json::json;

#[test]
fn the_shipped_mapping_checks_and_maps_every_flow() {
    let mapping = Mapping::shipped();
    for flow in Flow::ALL {
        assert_eq!(mapping.flow(flow).flow(), flow);
        assert!(
            !mapping.flow(flow).fields().is_empty(),
            "{flow} has no fields"
        );
    }
    assert_eq!(Flow::ALL.len(), 8);
}

#[test]
fn the_mapping_file_on_disk_is_the_one_compiled_in() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/mapping.toml");
    let loaded = Mapping::load(path).unwrap();
    for flow in Flow::ALL {
        assert_eq!(
            loaded.flow(flow).fields(),
            Mapping::shipped().flow(flow).fields()
        );
    }
}

#[test]
fn a_missing_file_is_an_error_naming_the_path() {
    let error = Mapping::load("/nonexistent/mapping.toml").unwrap_err();
    assert!(
        error
            .to_string()
            .starts_with("mapping: cannot read /nonexistent/mapping.toml"),
        "{error}"
    );
}

#[test]
fn the_shipped_mapping_hard_codes_no_currency_id_and_names_the_default_record_fields() {
    let mapping = Mapping::shipped();
    assert_eq!(
        mapping.currencies().count(),
        0,
        "currencies are found by symbol"
    );
    assert_eq!(mapping.default_subsidiary(), "1");
    assert_eq!(
        mapping.record_fields(),
        &crate::domain::mapping::RecordFields::default()
    );
}

#[test]
fn a_currency_override_may_name_only_a_preferred_subsidiary() {
    let text = super::file_with("").replace(
        "USD = { subsidiary = \"1\", currency = \"1\" }",
        "EUR = { subsidiary = \"3\" }\n[record_fields]\naccount_netsuite_id = \"ERP_Id__c\"",
    );
    let mapping = Mapping::parse(&text).unwrap();
    let eur = mapping.currency("eur").unwrap();
    assert_eq!(
        (eur.subsidiary.as_deref(), eur.currency.as_deref()),
        (Some("3"), None)
    );
    assert_eq!(mapping.record_fields().account_netsuite_id, "ERP_Id__c");
    assert_eq!(
        mapping.record_fields().salesforce_origin,
        "Tandem_Sync_Origin__c"
    );
}

#[test]
fn ownership_follows_the_design_defaults() {
    let mapping = Mapping::shipped();
    for (group, master) in [
        ("identity", Salesforce),
        ("deal", Salesforce),
        ("finance", Netsuite),
        ("billing", Netsuite),
        ("catalog", Netsuite),
        ("inventory", Netsuite),
    ] {
        assert_eq!(mapping.master_of(group), Some(master), "{group}");
    }
    assert_eq!(mapping.master_of("nonsense"), None);
}

#[test]
fn an_outbound_message_account_becomes_a_new_customer() {
    // Outbound Messages deliver every value as text.
    let account = record(json!({
        "Id": "001Sbx000000001AAA",
        "Name": "  Acme Corporation ",
        "Website": "https://acme.example",
        "Industry": "Manufacturing",
        "BillingCity": "San Francisco",
        "AnnualRevenue": "1200000.0",
        "Credit_Limit__c": "5000.0",
        "NumberOfEmployees": "250",
    }));
    let customer = Mapping::shipped()
        .map(Flow::AccountToCustomer, &account, Scope::All)
        .unwrap();
    assert_eq!(
        Value::Object(customer),
        json!({
            "companyname": "Acme Corporation",
            "url": "https://acme.example",
            "custentity_industry": "Manufacturing",
            "billcity": "San Francisco",
            "custentity_arr": 1200000,
            "creditlimit": 5000,
            "custentity_sf_account_id": "001Sbx000000001AAA",
        })
    );
}

#[test]
fn a_customer_update_writes_only_the_finance_fields_netsuite_owns() {
    let customer = record(json!({
        "companyname": "Acme Corp (renamed in NetSuite)",
        "creditlimit": 75000.0,
        "terms": { "id": "2", "refName": "Net 30" },
        "balance": "1234.567",
    }));
    let mapping = Mapping::shipped();
    let account = mapping
        .map(Flow::CustomerToAccount, &customer, Scope::OwnedBy(Netsuite))
        .unwrap();
    assert_eq!(
        Value::Object(account),
        json!({ "Credit_Limit__c": 75000, "Payment_Terms__c": "Net 30", "Account_Balance__c": 1234.57 })
    );
}

#[test]
fn a_won_opportunity_maps_to_a_sales_order_header() {
    let opportunity = record(json!({
        "Name": "Acme – 50 widgets",
        "CloseDate": "2026-11-27",
        "StageName": "Closed Won",
        "Type": "New Business",
        "Discount_Approved__c": "true",
        "PO_Number__c": " PO-7731 ",
    }));
    let mapping = Mapping::shipped();
    let order = mapping
        .map(
            Flow::OpportunityToSalesOrder,
            &opportunity,
            Scope::OwnedBy(Salesforce),
        )
        .unwrap();
    assert_eq!(
        Value::Object(order),
        json!({
            "memo": "Acme – 50 widgets",
            "trandate": "2026-11-27",
            "custbody_deal_type": "New Business",
            "custbody_discount_approved": true,
            "otherrefnum": "PO-7731",
        })
    );
}

#[test]
fn an_opportunity_with_an_impossible_close_date_names_flow_field_and_value() {
    let opportunity = record(json!({ "CloseDate": "31/31/2026" }));
    let error = Mapping::shipped()
        .map(Flow::OpportunityToSalesOrder, &opportunity, Scope::All)
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        r#"mapping: flow opportunity_to_sales_order, field CloseDate → trandate: "31/31/2026" is not a date"#
    );
}

#[test]
fn opportunity_lines_keep_quantities_and_round_prices() {
    let line = record(json!({ "Quantity": "2.0", "UnitPrice": "99.999", "Description": "Blue" }));
    let mapping = Mapping::shipped();
    let mapped = mapping
        .map(Flow::OpportunityLineToSalesOrderLine, &line, Scope::All)
        .unwrap();
    assert_eq!(
        Value::Object(mapped),
        json!({ "quantity": 2, "rate": 100, "description": "Blue" })
    );
}

#[test]
fn an_invoice_sets_the_opportunity_billing_fields() {
    let mapping = Mapping::shipped();
    let invoice = record(json!({
        "tranid": "INV-1007", "status": "open", "amountremaining": 1200.0, "duedate": "12/27/2026",
        "taxtotal": 96.0,
    }));
    let mapped = mapping
        .map(
            Flow::InvoiceToOpportunity,
            &invoice,
            Scope::OwnedBy(Netsuite),
        )
        .unwrap();
    assert_eq!(
        Value::Object(mapped),
        json!({
            "Invoice_Number__c": "INV-1007",
            "Payment_Status__c": "Open",
            "Amount_Remaining__c": 1200,
            "Invoice_Due_Date__c": "2026-12-27",
        })
    );
    let paid = record(json!({ "status": "Paid In Full", "amountremaining": "0.00" }));
    let mapped = mapping
        .map(Flow::InvoiceToOpportunity, &paid, Scope::OwnedBy(Netsuite))
        .unwrap();
    assert_eq!(
        Value::Object(mapped),
        json!({ "Payment_Status__c": "Paid", "Amount_Remaining__c": 0 })
    );
}

#[test]
fn an_item_without_a_display_name_is_named_by_its_code() {
    let item = record(json!({ "itemid": "SKU-100", "displayname": "", "isinactive": "F" }));
    let mapping = Mapping::shipped();
    let product = mapping
        .map(Flow::ItemToProduct, &item, Scope::OwnedBy(Netsuite))
        .unwrap();
    assert_eq!(
        Value::Object(product),
        json!({ "ProductCode": "SKU-100", "Name": "SKU-100", "IsActive": true })
    );
}

#[test]
fn inventory_levels_become_numbers() {
    let level = record(json!({ "quantityavailable": "35" }));
    let mapping = Mapping::shipped();
    let product = mapping
        .map(Flow::InventoryToProduct, &level, Scope::OwnedBy(Netsuite))
        .unwrap();
    assert_eq!(
        Value::Object(product),
        json!({ "Quantity_Available__c": 35 })
    );
}

#[test]
fn no_shipped_target_is_a_tax_field() {
    let mapping = Mapping::shipped();
    for flow in Flow::ALL {
        for field in mapping.flow(flow).fields() {
            assert!(!is_tax_field(field.target()), "{flow}: {}", field.label());
        }
    }
}
