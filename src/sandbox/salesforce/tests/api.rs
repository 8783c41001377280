//! Single-record resources: upsert by external id, create, read, update, and their errors.

use super::{Org, VERSION, account, answer, fixture};
use serde_json::json;

#[tokio::test]
async fn an_upsert_creates_with_201_and_then_updates_with_200_created_false() {
    let org = Org::start().await;
    let url = org.api("/sobjects/Account/NetSuite_Id__c/647");
    let (status, created) = answer(
        org.patch(&url, &account("California Wheat Corporation"))
            .await,
    )
    .await;
    assert_eq!(status, 201);
    let id = created["id"].as_str().unwrap().to_owned();
    assert!(id.starts_with("001") && id.len() == 18, "{id}");
    assert_eq!(
        created,
        json!({"id": id, "success": true, "errors": [], "created": true})
    );

    let (status, updated) =
        answer(org.patch(&url, &json!({"Industry": "Agriculture"})).await).await;
    assert_eq!(status, 200);
    assert_eq!(
        updated,
        json!({"id": id, "success": true, "errors": [], "created": false})
    );

    let (status, record) =
        answer(org.get(&org.api(&format!("/sobjects/Account/{id}"))).await).await;
    assert_eq!(status, 200);
    assert_eq!(
        record["attributes"],
        json!({"type": "Account", "url": format!("/services/data/{VERSION}/sobjects/Account/{id}")})
    );
    assert_eq!(
        (record["Name"].as_str(), record["Industry"].as_str()),
        (Some("California Wheat Corporation"), Some("Agriculture"))
    );
    assert_eq!(record["NetSuite_Id__c"], "647");
    assert_eq!(record["LastModifiedById"], "0055e000000TndmAAC");
    let modified = record["LastModifiedDate"].as_str().unwrap();
    assert!(
        modified.ends_with(".000+0000") && modified.len() == 28,
        "{modified}"
    );
}

#[tokio::test]
async fn an_update_by_upsert_under_v45_answers_204_with_no_body() {
    let org = Org::start().await;
    let url = org.url("/services/data/v45.0/sobjects/Account/NetSuite_Id__c/104");
    let (status, body) = answer(org.patch(&url, &json!({"Phone": "+1 512 555 0199"})).await).await;
    assert_eq!((status, body), (204, serde_json::Value::Null));
}

#[tokio::test]
async fn an_external_id_on_several_records_answers_300_with_their_urls_and_writes_nothing() {
    let org = Org::start().await;
    let mut ids = Vec::new();
    for name in ["Twin One", "Twin Two"] {
        let (status, body) = answer(
            org.post(
                &org.api("/sobjects/Account"),
                &json!({"Name": name, "NetSuite_Id__c": "77"}),
            )
            .await,
        )
        .await;
        assert_eq!(status, 201);
        ids.push(body["id"].as_str().unwrap().to_owned());
    }
    let (status, body) = answer(
        org.patch(
            &org.api("/sobjects/Account/NetSuite_Id__c/77"),
            &json!({"Name": "Merged"}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 300);
    let expected: Vec<String> = ids
        .iter()
        .map(|id| format!("/services/data/{VERSION}/sobjects/Account/{id}"))
        .collect();
    assert_eq!(body, json!(expected));
    let names = org
        .query("SELECT Name FROM Account WHERE NetSuite_Id__c = '77' ORDER BY Name")
        .await;
    assert_eq!(names["records"][0]["Name"], "Twin One");
}

#[tokio::test]
async fn update_only_never_creates() {
    let org = Org::start().await;
    let url = org.api("/sobjects/Account/NetSuite_Id__c/999?updateOnly=true");
    let (status, body) = answer(org.patch(&url, &account("Nobody")).await).await;
    assert_eq!(status, 404);
    assert_eq!(body, fixture("sf-rest-error-not-found.json"));
    let found = org
        .query("SELECT Id FROM Account WHERE Name = 'Nobody'")
        .await;
    assert_eq!(found["totalSize"], 0);
}

#[tokio::test]
async fn an_unknown_object_or_external_id_field_is_not_found() {
    let org = Org::start().await;
    let (status, body) = answer(
        org.patch(&org.api("/sobjects/Acount/NetSuite_Id__c/1"), &account("x"))
            .await,
    )
    .await;
    assert_eq!(
        (status, body),
        (404, fixture("sf-rest-error-not-found.json"))
    );
    let (status, body) = answer(
        org.patch(&org.api("/sobjects/Account/Name/Acme"), &account("x"))
            .await,
    )
    .await;
    assert_eq!(status, 404);
    assert_eq!(body[0]["errorCode"], "NOT_FOUND");
}

#[tokio::test]
async fn a_malformed_id_gets_salesforces_exact_body() {
    let org = Org::start().await;
    let (status, body) = answer(
        org.get(&org.api("/sobjects/Account/001900K0001pPuOAAU"))
            .await,
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(body, fixture("sf-rest-error-malformed-id.json"));
}

#[tokio::test]
async fn an_id_of_no_record_is_not_found_exactly_like_salesforce() {
    let org = Org::start().await;
    let (status, body) = answer(
        org.get(&org.api("/sobjects/Account/0015e00000zzzzzAAA"))
            .await,
    )
    .await;
    assert_eq!(
        (status, body),
        (404, fixture("sf-rest-error-not-found.json"))
    );
}

#[tokio::test]
async fn missing_required_fields_are_named_in_required_field_missing() {
    let org = Org::start().await;
    let (status, body) = answer(
        org.post(&org.api("/sobjects/Opportunity"), &json!({"Amount": 10}))
            .await,
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(
        body,
        json!([{
            "message": "Required fields are missing: [Name, StageName, CloseDate]",
            "errorCode": "REQUIRED_FIELD_MISSING",
            "fields": ["Name", "StageName", "CloseDate"]
        }])
    );
    let (status, body) = answer(
        org.post(&org.api("/sobjects/Contact"), &json!({"FirstName": "Ann"}))
            .await,
    )
    .await;
    assert_eq!((status, &body[0]["fields"]), (400, &json!(["LastName"])));
}

#[tokio::test]
async fn an_unknown_field_is_invalid_field_naming_it() {
    let org = Org::start().await;
    let (status, body) = answer(
        org.post(
            &org.api("/sobjects/Account"),
            &json!({"Name": "X", "Foo": 1}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(
        body,
        json!([{"message": "No such column 'Foo' on sobject of type Account", "errorCode": "INVALID_FIELD"}])
    );
}

#[tokio::test]
async fn create_then_patch_by_id_then_read_selected_fields() {
    let org = Org::start().await;
    let (status, created) = answer(
        org.post(
            &org.api("/sobjects/Product2"),
            &json!({"Name": "Flux Capacitor", "ProductCode": "SKU-900"}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 201);
    assert_eq!(created["success"], true);
    let id = created["id"].as_str().unwrap();
    assert!(id.starts_with("01t"));
    let url = org.api(&format!("/sobjects/Product2/{id}"));
    let (status, body) = answer(
        org.patch(
            &url,
            &json!({"Quantity_Available__c": 12, "IsActive": true}),
        )
        .await,
    )
    .await;
    assert_eq!((status, body), (204, serde_json::Value::Null));
    let (status, record) = answer(
        org.get(&format!(
            "{url}?fields=ProductCode,quantity_available__c,IsActive"
        ))
        .await,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        record,
        json!({
            "attributes": {"type": "Product2", "url": format!("/services/data/{VERSION}/sobjects/Product2/{id}")},
            "ProductCode": "SKU-900", "Quantity_Available__c": 12, "IsActive": true
        })
    );
}

#[tokio::test]
async fn platform_fields_cannot_be_written() {
    let org = Org::start().await;
    let (status, body) = answer(
        org.post(
            &org.api("/sobjects/Account"),
            &json!({"Name": "X", "LastModifiedDate": "2020-01-01T00:00:00Z"}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(body[0]["errorCode"], "INVALID_FIELD_FOR_INSERT_UPDATE");
    assert_eq!(body[0]["fields"], json!(["LastModifiedDate"]));
}

#[tokio::test]
async fn a_method_the_resource_lacks_is_method_not_allowed_naming_the_allowed_ones() {
    let org = Org::start().await;
    let response = org
        .http
        .put(org.api("/sobjects/Account"))
        .bearer_auth(&org.token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["allow"], "POST");
    let (status, body) = answer(response).await;
    assert_eq!(status, 405);
    assert_eq!(
        body,
        json!([{"message": "HTTP Method 'PUT' not allowed. Allowed are POST", "errorCode": "METHOD_NOT_ALLOWED"}])
    );
}
