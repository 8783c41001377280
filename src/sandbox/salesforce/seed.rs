//! Sample data for a fresh sandbox org: the standard price book, five products with USD prices
//! (EUR for two) and linked to the NetSuite sandbox's items, three accounts (one already linked to NetSuite), their contacts, and an open
//! opportunity with two line items, ready to be moved to Closed Won.

use super::Actor;
use super::decode;
use super::records::{Org, Record};
use super::schema::SObject;
use serde_json::{Value, json};

/// (ProductCode, Name, USD price, EUR price, NetSuite item id in the NetSuite sandbox's seed)
const PRODUCTS: [(&str, &str, f64, Option<f64>, &str); 5] = [
    ("SKU-100", "Widget", 20.0, Some(18.5), "201"),
    ("SKU-101", "Gadget", 45.0, Some(41.0), "202"),
    ("SKU-102", "Sprocket", 7.5, None, "203"),
    ("SKU-103", "Gear Assembly", 129.0, None, "204"),
    ("SKU-104", "Installation Service (hour)", 120.0, None, "205"),
];

/// Creates a record through the same rules as the API; seed data is a start-up constant.
fn add(org: &mut Org, object: SObject, body: Value, actor: &Actor) -> String {
    let body = body.as_object().cloned().unwrap_or_default();
    let fields =
        decode::fields(object, &body, org.custom_fields(object)).expect("seed fields are valid");
    org.create(object, fields, &actor.user, &actor.now)
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
    for (code, name, usd, eur, item) in PRODUCTS {
        let product = add(
            org,
            SObject::Product2,
            json!({ "ProductCode": code, "Name": name, "IsActive": true, "Family": "Hardware",
                    "NetSuite_Item_Id__c": item }),
            actor,
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

    let acme = add(
        org,
        SObject::Account,
        json!({ "Name": "Acme Corporation", "Website": "https://www.acme.example", "Industry": "Manufacturing",
                "Phone": "+1 415 555 0100", "BillingCity": "San Francisco", "BillingCountry": "United States",
                "Type": "Customer - Direct" }),
        actor,
    );
    let globex = add(
        org,
        SObject::Account,
        json!({ "Name": "Globex GmbH", "Website": "https://globex.example", "Industry": "Electronics",
                "BillingCity": "Berlin", "BillingCountry": "Germany", "CurrencyIsoCode": "EUR" }),
        actor,
    );
    let initech = add(
        org,
        SObject::Account,
        json!({ "Name": "Initech, Inc.", "Website": "https://initech.example", "Industry": "Technology",
                "BillingCity": "Austin", "BillingCountry": "United States", "NetSuite_Id__c": "1201" }),
        actor,
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
    let opportunity = add(
        org,
        SObject::Opportunity,
        json!({ "Name": "Acme — 50 widgets", "AccountId": acme, "StageName": "Negotiation/Review",
                "CloseDate": close, "CurrencyIsoCode": "USD", "Pricebook2Id": standard, "Amount": 1600.0 }),
        actor,
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
        let opportunity = org.records(SObject::Opportunity).next().unwrap();
        assert_eq!(opportunity["Name"], "Acme — 50 widgets");
        assert_eq!(opportunity["Amount"], json!(1600.0));
        assert_eq!(opportunity["IsClosed"], json!(false));
        assert_eq!(org.records(SObject::OpportunityLineItem).count(), 2);
        assert_eq!(org.records(SObject::PricebookEntry).count(), 7);
        let linked = org.find(SObject::Account, "NetSuite_Id__c", "1201");
        assert_eq!(linked.len(), 1);
    }
}
