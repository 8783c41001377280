//! The Salesforce-started flows end to end (Account ⇄ Customer, Contact, Closed Won → Sales
//! Order), loop prevention with echoes on, redeliveries and ordering: the real app, the
//! sandbox, and what the sandbox holds afterwards.

use crate::helpers::{post_signed_to, spawn_with_config};
use crate::synced::*;
use serde_json::{Value, json};
use tandem::sandbox::SandboxCredentials;

fn operations(counters: &Value, name: &str) -> u64 {
    counters["operations"][name].as_u64().unwrap_or(0)
}

on_both_backends!(an_account_edited_in_salesforce_becomes_a_netsuite_customer);
async fn an_account_edited_in_salesforce_becomes_a_netsuite_customer(backend: Backend) {
    let synced = spawn_synced_on(backend).await;
    let account_id = synced.salesforce_id("Account", "Name", "Globex GmbH").await;

    synced
        .edit_in_salesforce(
            "Account",
            &account_id,
            json!({ "Phone": "+49 30 5550 100" }),
        )
        .await;

    let customer = eventually("the customer", || async {
        let customers = synced.netsuite_records("customer").await;
        find(&customers, "externalId", &account_id).cloned()
    })
    .await;
    assert_eq!(field(&customer, "companyName"), "Globex GmbH");
    assert_eq!(field(&customer, "phone"), "+49 30 5550 100");
    assert_eq!(field(&customer, "url"), "https://globex.example");
    assert_eq!(
        field(&customer, "custentity_sf_account_id"),
        account_id.as_str()
    );
    let customer_id = field(&customer, "id").as_str().unwrap().to_owned();
    let account = eventually("the NetSuite id on the account", || async {
        let accounts = synced.salesforce_records("Account").await;
        find(&accounts, "Id", &account_id)
            .filter(|a| field(a, "NetSuite_Id__c").as_str() == Some(customer_id.as_str()))
            .cloned()
    })
    .await;
    assert_eq!(field(&account, "Name"), "Globex GmbH");
}

on_both_backends!(
    echoes_cause_no_writes_and_a_human_edit_of_a_netsuite_field_right_after_still_syncs
);
async fn echoes_cause_no_writes_and_a_human_edit_of_a_netsuite_field_right_after_still_syncs(
    backend: Backend,
) {
    let synced = spawn_synced_on(backend).await;
    let account_id = synced.salesforce_id("Account", "Name", "Globex GmbH").await;
    synced
        .edit_in_salesforce("Account", &account_id, json!({ "Industry": "Aerospace" }))
        .await;

    // Both echoes (the customer tandem wrote, the account it stamped) come back and are dropped.
    let account_key = format!("salesforce:account:{account_id}");
    synced.wait_for_history(&account_key, "echo_dropped").await;
    let customers = synced.netsuite_records("customer").await;
    let customer = find(&customers, "externalId", &account_id)
        .expect("customer")
        .clone();
    let customer_id = field(&customer, "id").as_str().unwrap().to_owned();
    synced
        .wait_for_history(&format!("netsuite:customer:{customer_id}"), "echo_dropped")
        .await;
    synced.settled().await;
    let netsuite = synced.netsuite_counters().await;
    let salesforce = synced.salesforce_counters().await;
    assert_eq!(
        operations(&netsuite, "update")
            + operations(&netsuite, "create")
            + operations(&netsuite, "upsert"),
        1,
        "{netsuite}"
    );
    assert_eq!(
        operations(&salesforce, "update"),
        1,
        "only the NetSuite id written back: {salesforce}"
    );

    // A person raises the credit limit in NetSuite right afterwards: it reaches Salesforce.
    synced
        .edit_in_netsuite("customer", &customer_id, json!({ "creditLimit": 25000 }))
        .await;
    let account = eventually("the credit limit on the account", || async {
        let accounts = synced.salesforce_records("Account").await;
        find(&accounts, "Id", &account_id)
            .filter(|a| field(a, "Credit_Limit__c").as_f64() == Some(25000.0))
            .cloned()
    })
    .await;
    // NetSuite does not own the name: a NetSuite-side rename never overwrites Salesforce's.
    assert_eq!(field(&account, "Name"), "Globex GmbH");
    assert_eq!(field(&account, "Industry"), "Aerospace");
}

on_both_backends!(a_contact_lands_under_its_accounts_customer);
async fn a_contact_lands_under_its_accounts_customer(backend: Backend) {
    let synced = spawn_synced_on(backend).await;
    let contact_id = synced.salesforce_id("Contact", "LastName", "Scorpio").await;
    synced
        .edit_in_salesforce(
            "Contact",
            &contact_id,
            json!({ "Title": "Chief Executive" }),
        )
        .await;

    let contact = eventually("the NetSuite contact", || async {
        let contacts = synced.netsuite_records("contact").await;
        find(&contacts, "externalId", &contact_id).cloned()
    })
    .await;
    assert_eq!(field(&contact, "firstName"), "Hank");
    assert_eq!(field(&contact, "lastName"), "Scorpio");
    assert_eq!(field(&contact, "email"), "hank.scorpio@globex.example");
    assert_eq!(field(&contact, "title"), "Chief Executive");
    let account_id = synced.salesforce_id("Account", "Name", "Globex GmbH").await;
    let customers = synced.netsuite_records("customer").await;
    let customer =
        find(&customers, "externalId", &account_id).expect("the account was synced first");
    assert_eq!(
        field(field(&contact, "company"), "id"),
        field(customer, "id")
    );
}

/// An Outbound Message for the opportunity with a fixed notification id (a Salesforce redelivery).
fn closed_won_message(opportunity: &Value, notification_id: &str) -> String {
    let c = SandboxCredentials::default();
    let mut fields = String::new();
    for name in [
        "Id",
        "Name",
        "AccountId",
        "StageName",
        "CloseDate",
        "CurrencyIsoCode",
        "Amount",
        "LastModifiedDate",
        "LastModifiedById",
    ] {
        let value = match field(opportunity, name) {
            Value::String(text) => text.clone(),
            Value::Null => continue,
            other => other.to_string(),
        };
        fields.push_str(&format!(
            "<sf:{name}>{}</sf:{name}>",
            quick_xml::escape::escape(&value)
        ));
    }
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body><notifications xmlns="http://soap.sforce.com/2005/09/outbound"><OrganizationId>{org}</OrganizationId><ActionId>04k5e000000TndmAAC</ActionId><SessionId xsi:nil="true"/><EnterpriseUrl>https://x</EnterpriseUrl><PartnerUrl>https://x</PartnerUrl><Notification><Id>{notification_id}</Id><sObject xmlns:sf="urn:sobject.enterprise.soap.sforce.com" xsi:type="sf:Opportunity">{fields}</sObject></Notification></notifications></soapenv:Body></soapenv:Envelope>"#,
        org = c.salesforce_org_id
    )
}

on_both_backends!(closed_won_becomes_exactly_one_sales_order_whatever_is_redelivered);
async fn closed_won_becomes_exactly_one_sales_order_whatever_is_redelivered(backend: Backend) {
    let synced = spawn_synced_on(backend).await;
    let opportunity_id = synced
        .salesforce_id("Opportunity", "Name", "Acme — 50 widgets")
        .await;
    synced
        .edit_in_salesforce(
            "Opportunity",
            &opportunity_id,
            json!({ "StageName": "Closed Won" }),
        )
        .await;

    let order = eventually("the sales order", || async {
        let orders = synced.netsuite_records("salesOrder").await;
        find(&orders, "externalId", &opportunity_id).cloned()
    })
    .await;
    let order_id = field(&order, "id").as_str().unwrap().to_owned();
    let acme = synced
        .salesforce_id("Account", "Name", "Acme Corporation")
        .await;
    let customers = synced.netsuite_records("customer").await;
    let customer = find(&customers, "externalId", &acme).expect("Acme became a customer first");
    assert_eq!(field(field(&order, "entity"), "id"), field(customer, "id"));
    assert_eq!(
        field(field(&order, "subsidiary"), "id"),
        "1",
        "USD → the US subsidiary"
    );
    assert_eq!(field(field(&order, "currency"), "id"), "1");
    assert_eq!(
        field(&order, "custbody_tandem_origin")
            .as_str()
            .map(|s| !s.is_empty()),
        Some(true)
    );
    let lines = field(field(&order, "item"), "items")
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(lines.len(), 2, "{order}");
    let line = |sku_item: &str| {
        lines
            .iter()
            .find(|l| field(field(l, "item"), "id") == sku_item)
            .cloned()
            .unwrap()
    };
    assert_eq!(
        field(&line("201"), "quantity").as_f64(),
        Some(50.0),
        "SKU-100 is item 201"
    );
    assert_eq!(field(&line("201"), "rate").as_f64(), Some(20.0));
    assert_eq!(
        field(&line("205"), "quantity").as_f64(),
        Some(5.0),
        "SKU-104 is item 205"
    );
    assert!(
        lines.iter().all(|l| field(l, "taxCode").is_null()),
        "tandem writes no tax"
    );

    let opportunity = eventually("the order written back", || async {
        let opportunities = synced.salesforce_records("Opportunity").await;
        find(&opportunities, "Id", &opportunity_id)
            .filter(|o| field(o, "NetSuite_Sales_Order_Id__c").as_str() == Some(order_id.as_str()))
            .cloned()
    })
    .await;
    assert_eq!(
        field(&opportunity, "NetSuite_Sales_Order_Number__c"),
        field(&order, "tranId")
    );

    // Salesforce redelivers the same notification five times, then fires a new one.
    let message = closed_won_message(&opportunity, "04l5e00000Redeliv");
    for _ in 0..5 {
        let response = synced.app.post_outbound_message("", message.clone()).await;
        assert_eq!(response.status(), 200);
    }
    let refired = synced
        .app
        .post_outbound_message("", closed_won_message(&opportunity, "04l5e00000Refired"))
        .await;
    assert_eq!(refired.status(), 200);
    synced
        .wait_for_history(
            &format!("salesforce:opportunity:{opportunity_id}"),
            "ignored",
        )
        .await;
    synced.settled().await;

    // … and again after tandem restarts on the same queue and store.
    let Synced {
        app,
        sandbox,
        http,
        backing,
    } = synced;
    let (config, dir) = app.stop().await;
    let app = spawn_with_config(config, dir).await;
    for _ in 0..5 {
        assert_eq!(
            app.post_outbound_message("", message.clone())
                .await
                .status(),
            200
        );
    }
    let synced = Synced {
        app,
        sandbox,
        http,
        backing,
    };
    synced.settled().await;
    let orders = synced.netsuite_records("salesOrder").await;
    let for_opportunity = orders
        .iter()
        .filter(|o| field(o, "externalId") == opportunity_id.as_str())
        .count();
    assert_eq!(for_opportunity, 1, "exactly one sales order");
}

on_both_backends!(two_versions_delivered_in_reverse_order_leave_the_newer_state);
async fn two_versions_delivered_in_reverse_order_leave_the_newer_state(backend: Backend) {
    let synced = spawn_synced_on(backend).await;
    let account_id = synced.salesforce_id("Account", "Name", "Globex GmbH").await;
    let secret = SandboxCredentials::default().netsuite_webhook_secret;
    let event = |version: &str, limit: u32| {
        json!({ "object": "customer", "record_id": "102", "change": "updated", "version": version,
                "modified_by": "42", "role": "3", "execution_context": "userinterface",
                "fields": { "companyname": "Globex GmbH", "externalid": account_id, "creditlimit": limit } })
        .to_string()
    };
    let url = synced.app.url("/webhooks/netsuite/events");
    let newer = post_signed_to(
        &synced.http,
        &url,
        &secret,
        "msg_newer",
        &event("2026-11-27T10:00:02.000Z", 2000),
    )
    .await
    .unwrap();
    assert_eq!(newer.status(), 202);
    synced
        .wait_for_history("netsuite:customer:102", "written")
        .await;
    let older = post_signed_to(
        &synced.http,
        &url,
        &secret,
        "msg_older",
        &event("2026-11-27T10:00:01.000Z", 1000),
    )
    .await
    .unwrap();
    assert_eq!(older.status(), 202);
    synced
        .wait_for_history("netsuite:customer:102", "skipped_stale")
        .await;
    let accounts = synced.salesforce_records("Account").await;
    let account = find(&accounts, "Id", &account_id).unwrap();
    assert_eq!(field(account, "Credit_Limit__c").as_f64(), Some(2000.0));
}
