//! sObject Collections: the 200-record limit, per-record results, all-or-none.

use super::{Org, answer};
use serde_json::{Value, json};

fn products(range: std::ops::Range<usize>) -> Vec<Value> {
    range
        .map(|i| json!({"attributes": {"type": "Product2"}, "NetSuite_Item_Id__c": format!("item-{i}"), "Name": format!("Part {i}"), "Quantity_Available__c": i}))
        .collect()
}

#[tokio::test]
async fn more_than_200_records_is_exceeded_id_limit_and_200_get_200_results_in_order() {
    let org = Org::start().await;
    let url = org.api("/composite/sobjects/Product2/NetSuite_Item_Id__c");
    let (status, body) = answer(
        org.patch(
            &url,
            &json!({"allOrNone": false, "records": products(0..201)}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(
        body,
        json!([{"message": "record limit reached. cannot submit more than 200 records into this call", "errorCode": "EXCEEDED_ID_LIMIT"}])
    );

    let (status, body) = answer(
        org.patch(
            &url,
            &json!({"allOrNone": false, "records": products(0..200)}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 200);
    let results = body.as_array().unwrap();
    assert_eq!(results.len(), 200);
    assert!(
        results
            .iter()
            .all(|r| r["success"] == true && r["created"] == true && r["errors"] == json!([]))
    );

    let mut again = products(199..200);
    again[0]["Quantity_Available__c"] = json!(0);
    let (status, body) = answer(org.patch(&url, &json!({"records": again})).await).await;
    assert_eq!(status, 200);
    assert_eq!(body[0]["created"], false);
    assert_eq!(body[0]["id"], results[199]["id"]);
    let stock = org
        .query("SELECT Quantity_Available__c FROM Product2 WHERE NetSuite_Item_Id__c = 'item-199'")
        .await;
    assert_eq!(stock["records"][0]["Quantity_Available__c"], 0);
}

#[tokio::test]
async fn a_record_without_its_external_id_fails_alone_unless_all_or_none() {
    let org = Org::start().await;
    let url = org.api("/composite/sobjects/Product2/NetSuite_Item_Id__c");
    let mut records = products(0..3);
    records[1]
        .as_object_mut()
        .unwrap()
        .remove("NetSuite_Item_Id__c");
    let (status, body) = answer(
        org.patch(&url, &json!({"allOrNone": false, "records": records}))
            .await,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        (body[0]["success"].as_bool(), body[2]["success"].as_bool()),
        (Some(true), Some(true))
    );
    assert_eq!(
        body[1]["errors"],
        json!([{"statusCode": "MISSING_ARGUMENT", "message": "NetSuite_Item_Id__c not specified", "fields": []}])
    );

    let mut records = products(10..13);
    records[2]["Name"] = Value::Null;
    let (status, body) = answer(
        org.patch(&url, &json!({"allOrNone": true, "records": records}))
            .await,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        body[0]["errors"][0]["statusCode"],
        "ALL_OR_NONE_OPERATION_ROLLED_BACK"
    );
    assert_eq!(body[2]["errors"][0]["statusCode"], "REQUIRED_FIELD_MISSING");
    let kept = org.query("SELECT Id FROM Product2 WHERE NetSuite_Item_Id__c IN ('item-10', 'item-11', 'item-12')").await;
    assert_eq!(kept["totalSize"], 0);
}

#[tokio::test]
async fn records_update_by_id_across_objects() {
    let org = Org::start().await;
    let account = org
        .first_id("SELECT Id FROM Account WHERE Name = 'Acme Corporation'")
        .await;
    let contact = org
        .first_id("SELECT Id FROM Contact WHERE LastName = 'Coyote'")
        .await;
    let body = json!({"allOrNone": false, "records": [
        {"attributes": {"type": "Account"}, "id": account, "NetSuite_Id__c": "5001"},
        {"attributes": {"type": "Contact"}, "id": contact, "Title": "Genius"},
        {"attributes": {"type": "Contact"}, "id": "003xx000004TmiQ999", "Title": "Nobody"},
    ]});
    let (status, results) = answer(org.patch(&org.api("/composite/sobjects"), &body).await).await;
    assert_eq!(status, 200);
    assert_eq!(
        results[0],
        json!({"id": account, "success": true, "errors": []})
    );
    assert_eq!(results[1]["success"], true);
    assert_eq!(results[2]["errors"][0]["statusCode"], "MALFORMED_ID");
    let title = org
        .query(&format!("SELECT Title FROM Contact WHERE Id = '{contact}'"))
        .await;
    assert_eq!(title["records"][0]["Title"], "Genius");
}
