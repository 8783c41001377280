//! sObject Collections create (POST) and delete (DELETE with `ids=`), with and without
//! `allOrNone`, and the trailing slash clients send.

use super::{Org, answer};
use serde_json::json;

#[tokio::test]
async fn posting_a_collection_creates_each_record_and_answers_ids_in_order() {
    let org = Org::start().await;
    let url = org.api("/composite/sobjects/");
    let (status, body) = answer(
        org.post(
            &url,
            &json!({"allOrNone": false, "records": [
                {"attributes": {"type": "Account"}, "Name": "Collected One"},
                {"attributes": {"type": "Contact"}, "FirstName": "No", "Email": "no@last.example"},
                {"attributes": {"type": "Contact"}, "LastName": "Collected"},
            ]}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(body[0]["success"], true);
    assert!(body[0]["id"].as_str().unwrap().starts_with("001"));
    assert_eq!(body[0]["errors"], json!([]));
    assert_eq!(body[1]["success"], false);
    assert!(body[1].get("id").is_none(), "{body}");
    assert_eq!(body[1]["errors"][0]["statusCode"], "REQUIRED_FIELD_MISSING");
    assert_eq!(body[1]["errors"][0]["fields"], json!(["LastName"]));
    assert!(body[2]["id"].as_str().unwrap().starts_with("003"));
    let found = org
        .query("SELECT Id FROM Account WHERE Name = 'Collected One'")
        .await;
    assert_eq!(found["records"][0]["Id"], body[0]["id"]);
}

#[tokio::test]
async fn all_or_none_create_saves_nothing_and_marks_the_valid_records_rolled_back() {
    let org = Org::start().await;
    let (status, body) = answer(
        org.post(
            &org.api("/composite/sobjects"),
            &json!({"allOrNone": true, "records": [
                {"attributes": {"type": "Account"}, "Name": "Never Saved"},
                {"attributes": {"type": "Account"}},
            ]}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        body[0],
        json!({"success": false, "errors": [{"statusCode": "ALL_OR_NONE_OPERATION_ROLLED_BACK", "message": "Record rolled back because not all records were valid and the request was using AllOrNone header", "fields": []}]})
    );
    assert_eq!(body[1]["errors"][0]["statusCode"], "REQUIRED_FIELD_MISSING");
    let found = org
        .query("SELECT Id FROM Account WHERE Name = 'Never Saved'")
        .await;
    assert_eq!(found["totalSize"], 0);
}

#[tokio::test]
async fn a_collection_record_without_a_known_type_refuses_the_whole_request() {
    let org = Org::start().await;
    let (status, body) = answer(
        org.post(
            &org.api("/composite/sobjects"),
            &json!({"records": [{"attributes": {"type": "Widget"}, "Name": "x"}]}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(body[0]["errorCode"], "INVALID_TYPE");
}

#[tokio::test]
async fn deleting_a_collection_answers_each_id_and_a_second_delete_finds_them_deleted() {
    let org = Org::start().await;
    let first = org
        .first_id("SELECT Id FROM Contact ORDER BY LastName")
        .await;
    let url = org.api(&format!(
        "/composite/sobjects?ids={first},003000000000000,nonsense"
    ));
    let (status, body) = answer(org.delete(&url).await).await;
    assert_eq!(status, 200);
    assert_eq!(body[0], json!({"id": first, "success": true, "errors": []}));
    assert_eq!(body[1]["success"], false);
    assert_eq!(
        body[1]["errors"][0]["statusCode"],
        "INVALID_CROSS_REFERENCE_KEY"
    );
    assert_eq!(body[2]["errors"][0]["statusCode"], "MALFORMED_ID");

    let (_, again) = answer(
        org.delete(&org.api(&format!("/composite/sobjects?ids={first}")))
            .await,
    )
    .await;
    assert_eq!(
        again,
        json!([{"id": first, "success": false, "errors": [{"statusCode": "ENTITY_IS_DELETED", "message": "entity is deleted", "fields": []}]}])
    );
}

#[tokio::test]
async fn all_or_none_delete_keeps_every_record_when_one_fails() {
    let org = Org::start().await;
    let first = org
        .first_id("SELECT Id FROM Contact ORDER BY LastName")
        .await;
    let url = org.api(&format!(
        "/composite/sobjects?allOrNone=true&ids={first},nonsense"
    ));
    let (status, body) = answer(org.delete(&url).await).await;
    assert_eq!(status, 200);
    assert_eq!(
        body[0]["errors"][0]["statusCode"],
        "ALL_OR_NONE_OPERATION_ROLLED_BACK"
    );
    let still = org
        .query(&format!("SELECT Id FROM Contact WHERE Id = '{first}'"))
        .await;
    assert_eq!(still["totalSize"], 1);
}

#[tokio::test]
async fn a_delete_without_ids_or_with_more_than_200_is_refused() {
    let org = Org::start().await;
    let (status, body) = answer(org.delete(&org.api("/composite/sobjects")).await).await;
    assert_eq!(status, 400);
    assert_eq!(body[0]["errorCode"], "MISSING_ARGUMENT");
    let many = vec!["003000000000000"; 201].join(",");
    let (status, body) = answer(
        org.delete(&org.api(&format!("/composite/sobjects?ids={many}")))
            .await,
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(body[0]["errorCode"], "EXCEEDED_ID_LIMIT");
}

#[tokio::test]
async fn a_trailing_slash_reaches_the_same_resource_as_salesforce_allows() {
    let org = Org::start().await;
    let (status, body) = answer(
        org.post(&org.api("/sobjects/Account/"), &json!({"Name": "Slashed"}))
            .await,
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let id = body["id"].as_str().unwrap();
    let (status, body) = answer(org.get(&org.api(&format!("/sobjects/Account/{id}/"))).await).await;
    assert_eq!(status, 200);
    assert_eq!(body["Name"], "Slashed");
    let (status, body) = answer(org.get(&org.api("/sobjects/Account/nope/")).await).await;
    assert_eq!(status, 400);
    assert_eq!(body[0]["errorCode"], "MALFORMED_ID");
}
