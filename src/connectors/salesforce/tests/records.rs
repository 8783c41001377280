//! Upsert by external id (201, 200, 204, 300), read and update by id.

use super::*;
use crate::connectors::error::ErrorClass;
use crate::connectors::salesforce::UpsertOutcome;
use wiremock::matchers::{body_json, query_param};

fn upsert_path(value: &str) -> String {
    format!("{DATA}/sobjects/Account/NetSuite_Id__c/{value}")
}

async fn answer_upsert(server: &MockServer, value: &str, answer: ResponseTemplate) {
    Mock::given(method("PATCH"))
        .and(path(upsert_path(value)))
        .and(body_json(json!({"Name": "California Wheat Corporation"})))
        .respond_with(answer)
        .mount(server)
        .await;
}

async fn upsert(
    client: &SalesforceClient,
    value: &str,
) -> Result<UpsertOutcome, crate::connectors::ConnectorError> {
    let record = fields(json!({"Name": "California Wheat Corporation"}));
    client
        .upsert("Account", "NetSuite_Id__c", value, &record)
        .await
}

#[tokio::test]
async fn an_upsert_answered_201_created_a_record() {
    let (server, client) = server_and_client().await;
    let body = json!({"id": "00190000001pPvHAAU", "errors": [], "success": true, "created": true});
    answer_upsert(
        &server,
        "11999",
        ResponseTemplate::new(201).set_body_json(body),
    )
    .await;
    let outcome = upsert(&client, "11999").await.expect("upsert");
    assert_eq!(
        outcome,
        UpsertOutcome {
            id: Some("00190000001pPvHAAU".into()),
            created: true
        }
    );
}

#[tokio::test]
async fn an_upsert_answered_200_created_false_updated_a_record() {
    let (server, client) = server_and_client().await;
    let body = json!({"id": "00190000001pPvHAAU", "errors": [], "success": true, "created": false});
    answer_upsert(
        &server,
        "11999",
        ResponseTemplate::new(200).set_body_json(body),
    )
    .await;
    let outcome = upsert(&client, "11999").await.expect("upsert");
    assert_eq!(
        outcome,
        UpsertOutcome {
            id: Some("00190000001pPvHAAU".into()),
            created: false
        }
    );
}

#[tokio::test]
async fn an_upsert_answered_204_updated_a_record_whose_id_is_unknown() {
    let (server, client) = server_and_client().await;
    answer_upsert(&server, "11999", ResponseTemplate::new(204)).await;
    let outcome = upsert(&client, "11999").await.expect("upsert");
    assert_eq!(
        outcome,
        UpsertOutcome {
            id: None,
            created: false
        }
    );
}

#[tokio::test]
async fn an_upsert_answered_300_is_a_conflict_listing_the_matches() {
    let (server, client) = server_and_client().await;
    let matches = json!([
        "/services/data/v67.0/sobjects/Account/001D000000Kv3g5IAB",
        "/services/data/v67.0/sobjects/Account/001D000000Kv3g6IAB"
    ]);
    answer_upsert(
        &server,
        "11999",
        ResponseTemplate::new(300).set_body_json(matches),
    )
    .await;
    let error = upsert(&client, "11999").await.expect_err("ambiguous");
    assert_eq!(error.class, ErrorClass::Conflict);
    assert_eq!(error.status, Some(300));
    assert!(error.message.contains("2 records"), "{}", error.message);
    assert!(
        error.message.contains("001D000000Kv3g5IAB"),
        "{}",
        error.message
    );
    assert!(
        error.message.contains("001D000000Kv3g6IAB"),
        "{}",
        error.message
    );
}

#[tokio::test]
async fn the_external_id_value_is_percent_encoded_into_one_segment() {
    let (server, client) = server_and_client().await;
    let body = json!({"id": "00190000001pPvHAAU", "errors": [], "success": true, "created": true});
    answer_upsert(
        &server,
        "A%2FB%20%C3%A9",
        ResponseTemplate::new(201).set_body_json(body),
    )
    .await;
    upsert(&client, "A/B é").await.expect("upsert");
}

#[tokio::test]
async fn an_empty_external_id_value_is_refused_before_any_request() {
    let (server, client) = server_and_client().await;
    let error = upsert(&client, "").await.expect_err("empty");
    assert_eq!(error.class, ErrorClass::Permanent);
    assert!(
        server
            .received_requests()
            .await
            .unwrap_or_default()
            .is_empty()
    );
}

#[tokio::test]
async fn get_asks_for_the_named_fields() {
    let (server, client) = server_and_client().await;
    Mock::given(method("GET"))
        .and(path(format!("{DATA}/sobjects/Account/001000000000001AAA")))
        .and(query_param("fields", "Name,NetSuite_Id__c"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "attributes": {"type": "Account", "url": "/services/data/v67.0/sobjects/Account/001000000000001AAA"},
            "Name": "Acme",
            "NetSuite_Id__c": "647"
        })))
        .mount(&server)
        .await;
    let record = client
        .get("Account", "001000000000001AAA", &["Name", "NetSuite_Id__c"])
        .await
        .expect("get");
    assert_eq!(record.get("NetSuite_Id__c"), Some(&json!("647")));
}

#[tokio::test]
async fn update_patches_the_record_and_accepts_204() {
    let (server, client) = server_and_client().await;
    Mock::given(method("PATCH"))
        .and(path(format!(
            "{DATA}/sobjects/Opportunity/006000000000001AAA"
        )))
        .and(body_json(json!({"Invoice_Number__c": "INV-1007"})))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    client
        .update(
            "Opportunity",
            "006000000000001AAA",
            &fields(json!({"Invoice_Number__c": "INV-1007"})),
        )
        .await
        .expect("update");
}
