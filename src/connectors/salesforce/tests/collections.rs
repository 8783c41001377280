//! sObject Collections upserts go out in requests of at most 200 records, results in order.

use super::*;
use wiremock::Request;

fn upserted(request: &Request) -> ResponseTemplate {
    let body: Value = serde_json::from_slice(&request.body).expect("JSON body");
    let results: Vec<Value> = body["records"]
        .as_array()
        .expect("records")
        .iter()
        .map(|record| match record["NetSuite_Item_Id__c"].as_str() {
            Some("locked") => json!({
                "success": false,
                "errors": [{"statusCode": "UNABLE_TO_LOCK_ROW", "message": "unable to obtain exclusive access to this record", "fields": []}]
            }),
            Some(value) => json!({"id": format!("01t{value}"), "success": true, "errors": [], "created": true}),
            None => json!({"success": false, "errors": [{"statusCode": "REQUIRED_FIELD_MISSING", "message": "missing", "fields": ["NetSuite_Item_Id__c"]}]}),
        })
        .collect();
    ResponseTemplate::new(200).set_body_json(results)
}

fn collection_path() -> String {
    format!("{DATA}/composite/sobjects/Product2/NetSuite_Item_Id__c")
}

async fn mount_collection(server: &MockServer) {
    Mock::given(method("PATCH"))
        .and(path(collection_path()))
        .respond_with(upserted)
        .mount(server)
        .await;
}

fn items(count: usize) -> Vec<serde_json::Map<String, Value>> {
    (0..count)
        .map(|n| fields(json!({"NetSuite_Item_Id__c": n.to_string(), "Quantity_Available__c": n})))
        .collect()
}

#[tokio::test]
async fn two_hundred_and_one_records_take_two_requests_of_200_and_1() {
    let (server, client) = server_and_client().await;
    mount_collection(&server).await;
    let results = client
        .upsert_collection("Product2", "NetSuite_Item_Id__c", items(201))
        .await
        .expect("upserted");

    let requests = requests_to(&server, &collection_path()).await;
    let sizes: Vec<usize> = requests
        .iter()
        .map(|request| {
            let body: Value = serde_json::from_slice(&request.body).expect("JSON");
            assert_eq!(body["allOrNone"], json!(false));
            assert_eq!(
                body["records"][0]["attributes"],
                json!({"type": "Product2"})
            );
            body["records"].as_array().expect("records").len()
        })
        .collect();
    assert_eq!(sizes, [200, 1]);
    let ids: Vec<_> = results.iter().map(|result| result.id.clone()).collect();
    let expected: Vec<_> = (0..201).map(|n| Some(format!("01t{n}"))).collect();
    assert_eq!(ids, expected, "results come back in input order");
    assert!(
        results
            .iter()
            .all(|result| result.success && result.created)
    );
}

#[tokio::test]
async fn a_failed_record_carries_its_classified_error() {
    let (server, client) = server_and_client().await;
    mount_collection(&server).await;
    let records = vec![
        fields(json!({"NetSuite_Item_Id__c": "7"})),
        fields(json!({"NetSuite_Item_Id__c": "locked"})),
    ];
    let results = client
        .upsert_collection("Product2", "NetSuite_Item_Id__c", records)
        .await
        .expect("the request succeeded");
    assert!(results[0].error().is_none());
    let error = results[1].error().expect("the second failed");
    assert_eq!(error.class, crate::connectors::ErrorClass::Retry);
    assert_eq!(error.code.as_deref(), Some("UNABLE_TO_LOCK_ROW"));
}

#[tokio::test]
async fn no_records_make_no_request() {
    let (server, client) = server_and_client().await;
    let results = client
        .upsert_collection("Product2", "NetSuite_Item_Id__c", Vec::new())
        .await
        .expect("nothing to do");
    assert!(results.is_empty());
    assert!(
        server
            .received_requests()
            .await
            .unwrap_or_default()
            .is_empty()
    );
}
