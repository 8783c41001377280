use super::*;
use serde_json::json;
use wiremock::matchers::{body_json, method, path, query_param};
use wiremock::{Mock, ResponseTemplate};

#[tokio::test]
async fn create_returns_the_internal_id_from_location() {
    let server = MockServer::start().await;
    let body =
        json!({"entityid": "New Customer", "companyname": "My Company", "subsidiary": {"id": "1"}});
    Mock::given(method("POST"))
        .and(path(format!("{RECORDS}/customer")))
        .and(body_json(&body))
        .respond_with(ResponseTemplate::new(204).insert_header(
            "Location",
            format!("{}{RECORDS}/customer/647", server.uri()).as_str(),
        ))
        .expect(1)
        .mount(&server)
        .await;

    let id = tba_client(&server).create("customer", &body).await.unwrap();
    assert_eq!(id, "647");
}

#[tokio::test]
async fn create_without_location_is_a_permanent_error() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(204))
        .mount(&server)
        .await;

    let error = tba_client(&server)
        .create("salesOrder", &json!({"entity": {"id": 107}}))
        .await
        .unwrap_err();
    assert_eq!(error.class, ErrorClass::Permanent);
    assert!(error.message.contains("Location"));
}

#[tokio::test]
async fn upsert_puts_to_the_eid_path_and_reads_the_id_when_given() {
    let server = MockServer::start().await;
    Mock::given(method("PUT"))
        .and(path(format!("{RECORDS}/customer/eid:CID002")))
        .respond_with(
            ResponseTemplate::new(204)
                .insert_header("Location", format!("{RECORDS}/customer/648").as_str()),
        )
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path(format!("{RECORDS}/customer/eid:CID002")))
        .respond_with(ResponseTemplate::new(204))
        .mount(&server)
        .await;
    let client = tba_client(&server);
    let body = json!({"firstName": "John", "lastName": "Smith"});

    let first = client
        .upsert_by_external_id("customer", "CID002", &body)
        .await
        .unwrap();
    assert_eq!(
        first,
        RecordRef {
            id: Some("648".into())
        }
    );
    let second = client
        .upsert_by_external_id("customer", "CID002", &body)
        .await
        .unwrap();
    assert_eq!(second, RecordRef { id: None });
}

#[tokio::test]
async fn an_external_id_netsuite_cannot_route_is_refused_before_sending() {
    let server = MockServer::start().await;
    let error = tba_client(&server)
        .upsert_by_external_id("customer", "A|B", &json!({}))
        .await
        .unwrap_err();
    assert_eq!(error.class, ErrorClass::Permanent);
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn patch_with_replace_replaces_the_item_sublist() {
    let server = MockServer::start().await;
    let body = json!({"item": {"items": [{"item": {"id": 42}, "quantity": 3}]}});
    Mock::given(method("PATCH"))
        .and(path(format!("{RECORDS}/salesOrder/647")))
        .and(query_param("replace", "item"))
        .and(body_json(&body))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;

    tba_client(&server)
        .patch(
            "salesOrder",
            &RecordId::Internal("647".into()),
            &body,
            Some("item"),
        )
        .await
        .unwrap();
}

#[tokio::test]
async fn patch_by_external_id_merges_without_a_query() {
    let server = MockServer::start().await;
    Mock::given(method("PATCH"))
        .and(path(format!("{RECORDS}/customer/eid:0015g00000XyZabAAF")))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;

    let id = RecordId::External("0015g00000XyZabAAF".into());
    tba_client(&server)
        .patch("customer", &id, &json!({"creditlimit": 5000}), None)
        .await
        .unwrap();
    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests[0].url.query(), None);
}

#[tokio::test]
async fn get_asks_for_the_named_fields_and_returns_the_body() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("{RECORDS}/invoice/5512")))
        .and(query_param("fields", "tranId,status,amountRemaining"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "links": [], "tranId": "INV-1007", "status": {"id": "A"}, "amountRemaining": 1200.0
        })))
        .expect(1)
        .mount(&server)
        .await;

    let record = tba_client(&server)
        .get(
            "invoice",
            &RecordId::Internal("5512".into()),
            Some(&["tranId", "status", "amountRemaining"]),
        )
        .await
        .unwrap();
    assert_eq!(record["tranId"], "INV-1007");
    assert_eq!(record["amountRemaining"], 1200.0);
}
