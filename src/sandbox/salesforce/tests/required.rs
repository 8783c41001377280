//! Required fields: a record Salesforce would refuse without its Name (Product2, Account,
//! Opportunity), LastName (Contact) or StageName and CloseDate (Opportunity) is refused with
//! `REQUIRED_FIELD_MISSING`, whether created, upserted into existence or sent in a collection.

use super::{Org, answer};
use serde_json::{Value, json};

fn missing(fields: &[&str]) -> Value {
    json!({
        "message": format!("Required fields are missing: [{}]", fields.join(", ")),
        "errorCode": "REQUIRED_FIELD_MISSING",
        "fields": fields,
    })
}

#[tokio::test]
async fn a_product_created_without_a_name_is_refused() {
    let org = Org::start().await;
    let (status, body) = answer(
        org.post(
            &org.api("/sobjects/Product2"),
            &json!({ "ProductCode": "SKU-900" }),
        )
        .await,
    )
    .await;
    assert_eq!((status, body), (400, json!([missing(&["Name"])])));
    let count = org
        .query("SELECT COUNT() FROM Product2 WHERE ProductCode = 'SKU-900'")
        .await;
    assert_eq!(count["totalSize"], 0);
}

#[tokio::test]
async fn an_upsert_that_would_create_a_nameless_product_is_refused_but_one_that_updates_is_not() {
    let org = Org::start().await;
    let new = org.api("/sobjects/Product2/NetSuite_Item_Id__c/9001");
    let (status, body) = answer(
        org.patch(&new, &json!({ "Quantity_Available__c": 4 }))
            .await,
    )
    .await;
    assert_eq!((status, body), (400, json!([missing(&["Name"])])));
    // The seeded product for item 201 has a name: a stock-only upsert updates it.
    let existing = org.api("/sobjects/Product2/NetSuite_Item_Id__c/201");
    let response = org
        .patch(&existing, &json!({ "Quantity_Available__c": 4 }))
        .await;
    assert!(response.status().is_success(), "{}", response.status());
    let blanked = org.patch(&existing, &json!({ "Name": null })).await;
    let (status, body) = answer(blanked).await;
    assert_eq!((status, body), (400, json!([missing(&["Name"])])));
}

#[tokio::test]
async fn a_collection_upsert_refuses_each_nameless_new_product_alone() {
    let org = Org::start().await;
    let url = org.api("/composite/sobjects/Product2/NetSuite_Item_Id__c");
    let records = json!([
        { "attributes": { "type": "Product2" }, "NetSuite_Item_Id__c": "9100", "Name": "Bolt" },
        { "attributes": { "type": "Product2" }, "NetSuite_Item_Id__c": "9101", "Quantity_Available__c": 3 },
        { "attributes": { "type": "Product2" }, "NetSuite_Item_Id__c": "202", "Quantity_Available__c": 3 },
    ]);
    let (status, body) = answer(
        org.patch(&url, &json!({ "allOrNone": false, "records": records }))
            .await,
    )
    .await;
    assert_eq!(status, 200);
    let outcome: Vec<(Value, Value)> = body
        .as_array()
        .unwrap()
        .iter()
        .map(|result| (result["success"].clone(), result["created"].clone()))
        .collect();
    assert_eq!(outcome[0], (json!(true), json!(true)));
    assert_eq!(outcome[2], (json!(true), json!(false)));
    assert_eq!(body[1]["success"], false);
    assert_eq!(
        body[1]["errors"],
        json!([{
            "statusCode": "REQUIRED_FIELD_MISSING",
            "message": "Required fields are missing: [Name]",
            "fields": ["Name"],
        }])
    );
    let nameless = org
        .query("SELECT COUNT() FROM Product2 WHERE NetSuite_Item_Id__c = '9101'")
        .await;
    assert_eq!(nameless["totalSize"], 0);
}

#[tokio::test]
async fn accounts_contacts_and_opportunities_need_their_required_fields() {
    let org = Org::start().await;
    let cases = [
        (
            "Account",
            json!({ "Website": "https://nameless.example" }),
            vec!["Name"],
        ),
        ("Contact", json!({ "FirstName": "Ada" }), vec!["LastName"]),
        (
            "Opportunity",
            json!({ "Name": "Deal" }),
            vec!["StageName", "CloseDate"],
        ),
        (
            "Opportunity",
            json!({ "StageName": "Prospecting", "CloseDate": "2026-12-31" }),
            vec!["Name"],
        ),
    ];
    for (object, body, fields) in cases {
        let (status, answer_body) = answer(
            org.post(&org.api(&format!("/sobjects/{object}")), &body)
                .await,
        )
        .await;
        assert_eq!(
            (status, answer_body),
            (400, json!([missing(&fields)])),
            "{object} {body}"
        );
    }
}
