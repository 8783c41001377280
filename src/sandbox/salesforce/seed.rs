//! Sample data for a fresh sandbox org: the standard price book, six products with USD prices
//! (EUR for two) linked to the NetSuite sandbox's items, three accounts (Acme and Initech linked
//! to NetSuite customers), their contacts, Acme's Closed Won opportunity that NetSuite sales
//! order 301 came from, and an open opportunity with two line items, ready to be moved to Closed
//! Won. Records the NetSuite seed names keep fixed ids (`seed_links`).

use super::Actor;
use super::decode;
use super::records::{Org, Record};
use super::schema::{self, SObject};
use crate::sandbox::seed_links;
use serde_json::{Value, json};

/// (ProductCode, Name, Family, USD price, EUR price); ids and NetSuite items in `seed_links`.
const PRODUCTS: [(&str, &str, &str, f64, Option<f64>); 6] = [
    ("SKU-100", "Widget", "Hardware", 20.0, Some(18.5)),
    ("SKU-101", "Gadget", "Hardware", 45.0, Some(41.0)),
    ("SKU-102", "Sprocket", "Hardware", 7.5, None),
    ("SKU-103", "Gear Assembly", "Hardware", 129.0, None),
    (
        "SKU-104",
        "Installation Service (hour)",
        "Services",
        120.0,
        None,
    ),
    (
        "SKU-105",
        "Extended Warranty (1 year)",
        "Services",
        99.0,
        None,
    ),
];

/// Creates a record through the same rules as the API; seed data is a start-up constant.
fn add(org: &mut Org, object: SObject, body: Value, actor: &Actor) -> String {
    add_as(org, object, body, actor, None)
}

fn add_as(org: &mut Org, object: SObject, body: Value, actor: &Actor, id: Option<&str>) -> String {
    let mut body = body.as_object().cloned().unwrap_or_default();
    // A run without a declared field (`--without-field`) seeds its records without it.
    body.retain(|name, _| {
        schema::custom_field_name(name).is_none()
            || decode::resolve(object, name, org.custom_fields(object)).is_some()
    });
    let fields =
        decode::fields(object, &body, org.custom_fields(object)).expect("seed fields are valid");
    org.create_as(object, fields, &actor.user, &actor.now, id)
        .expect("seed records are valid")
}

pub fn populate(org: &mut Org, actor: &Actor) {
    let standard = org.new_id(SObject::Pricebook2);
    let mut book = Record::new();
    for (field, value) in [
        ("Id", json!(standard)),
        ("IsDeleted", json!(false)),
        ("Name", json!("Standard Price Book")),
        ("Description", Value::Null),
        ("IsActive", json!(true)),
        ("IsStandard", json!(true)),
        ("CreatedDate", json!(actor.now)),
        ("CreatedById", json!(actor.user)),
        ("LastModifiedDate", json!(actor.now)),
        ("LastModifiedById", json!(actor.user)),
        ("SystemModstamp", json!(actor.now)),
    ] {
        book.insert(field.into(), value);
    }
    org.insert_raw(SObject::Pricebook2, book);

    let mut usd_entries = Vec::new();
    for (code, name, family, usd, eur) in PRODUCTS {
        let linked = seed_links::product(code);
        let product = add_as(
            org,
            SObject::Product2,
            json!({ "ProductCode": code, "Name": name, "IsActive": true, "Family": family,
                    "NetSuite_Item_Id__c": linked.item_id.to_string() }),
            actor,
            Some(linked.product_id),
        );
        for (currency, price) in [("USD", Some(usd)), ("EUR", eur)] {
            let Some(price) = price else { continue };
            let entry = add(
                org,
                SObject::PricebookEntry,
                json!({ "Pricebook2Id": standard, "Product2Id": product, "UnitPrice": price,
                        "CurrencyIsoCode": currency, "IsActive": true }),
                actor,
            );
            if currency == "USD" {
                usd_entries.push(entry);
            }
        }
    }

    let acme = add_as(
        org,
        SObject::Account,
        json!({ "Name": "Acme Corporation", "Website": "https://www.acme.example", "Industry": "Manufacturing",
                "Phone": "+1 415 555 0100", "BillingCity": "San Francisco", "BillingCountry": "United States",
                "Type": "Customer - Direct", "NetSuite_Id__c": seed_links::ACME_CUSTOMER.to_string() }),
        actor,
        Some(seed_links::ACME_ACCOUNT_ID),
    );
    let globex = add_as(
        org,
        SObject::Account,
        json!({ "Name": "Globex GmbH", "Website": "https://globex.example", "Industry": "Electronics",
                "BillingCity": "Berlin", "BillingCountry": "Germany", "CurrencyIsoCode": "EUR" }),
        actor,
        Some(seed_links::GLOBEX_ACCOUNT_ID),
    );
    let initech = add_as(
        org,
        SObject::Account,
        json!({ "Name": "Initech, Inc.", "Website": "https://initech.example", "Industry": "Technology",
                "BillingCity": "Austin", "BillingCountry": "United States",
                "NetSuite_Id__c": seed_links::INITECH_CUSTOMER.to_string() }),
        actor,
        Some(seed_links::INITECH_ACCOUNT_ID),
    );
    for (account, first, last, email) in [
        (&acme, "Wile E.", "Coyote", "wile.coyote@acme.example"),
        (&globex, "Hank", "Scorpio", "hank.scorpio@globex.example"),
        (
            &initech,
            "Bill",
            "Lumbergh",
            "bill.lumbergh@initech.example",
        ),
    ] {
        add(
            org,
            SObject::Contact,
            json!({ "AccountId": account, "FirstName": first, "LastName": last, "Email": email }),
            actor,
        );
    }

    let close = (chrono::Utc::now() + chrono::Duration::days(14))
        .format("%Y-%m-%d")
        .to_string();
    add_as(
        org,
        SObject::Opportunity,
        json!({ "Name": "Acme — first order", "AccountId": acme, "StageName": "Closed Won",
                "CloseDate": "2026-11-02", "CurrencyIsoCode": "USD", "Amount": 1500.0,
                "NetSuite_Sales_Order_Id__c": seed_links::ACME_SALES_ORDER.to_string(),
                "NetSuite_Sales_Order_Number__c": "SO-1001" }),
        actor,
        Some(seed_links::ACME_WON_OPPORTUNITY_ID),
    );
    let opportunity = add_as(
        org,
        SObject::Opportunity,
        json!({ "Name": "Acme — 50 widgets", "AccountId": acme, "StageName": "Negotiation/Review",
                "CloseDate": close, "CurrencyIsoCode": "USD", "Pricebook2Id": standard, "Amount": 1600.0 }),
        actor,
        Some(seed_links::ACME_OPEN_OPPORTUNITY_ID),
    );
    for (entry, quantity, price) in [(&usd_entries[0], 50.0, 20.0), (&usd_entries[4], 5.0, 120.0)] {
        add(
            org,
            SObject::OpportunityLineItem,
            json!({ "OpportunityId": opportunity, "PricebookEntryId": entry, "Quantity": quantity, "UnitPrice": price }),
            actor,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_seeded_opportunity_totals_its_two_line_items() {
        let mut org = Org::default();
        let actor = Actor {
            user: "0055e000000HumnAAC".into(),
            now: "2026-11-27T10:15:02.000+0000".into(),
        };
        populate(&mut org, &actor);
        let opportunity = org
            .get(SObject::Opportunity, seed_links::ACME_OPEN_OPPORTUNITY_ID)
            .unwrap();
        assert_eq!(opportunity["Name"], "Acme — 50 widgets");
        assert_eq!(opportunity["Amount"], json!(1600.0));
        assert_eq!(opportunity["IsClosed"], json!(false));
        assert_eq!(org.records(SObject::OpportunityLineItem).count(), 2);
        assert_eq!(org.records(SObject::PricebookEntry).count(), 8);
        let linked = org.find(SObject::Account, "NetSuite_Id__c", "104");
        assert_eq!(linked, [seed_links::INITECH_ACCOUNT_ID]);
    }
}
