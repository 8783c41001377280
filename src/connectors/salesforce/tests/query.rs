//! SOQL queries follow `nextRecordsUrl` until `done`.

use super::*;
use wiremock::matchers::query_param;

#[tokio::test]
async fn a_query_follows_next_records_url_until_done() {
    let (server, client) = server_and_client().await;
    let soql = "SELECT Id, Name FROM Account WHERE NetSuite_Id__c = '647'";
    let next = format!("{DATA}/query/01gD0000002HU6KIAW-2000");
    Mock::given(method("GET"))
        .and(path(format!("{DATA}/query")))
        .and(query_param("q", soql))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "totalSize": 3,
            "done": false,
            "nextRecordsUrl": next,
            "records": [
                {"attributes": {"type": "Account"}, "Id": "001000000000001AAA", "Name": "One"},
                {"attributes": {"type": "Account"}, "Id": "001000000000002AAA", "Name": "Two"}
            ]
        })))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(next.as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "totalSize": 3,
            "done": true,
            "records": [{"attributes": {"type": "Account"}, "Id": "001000000000003AAA", "Name": "Three"}]
        })))
        .expect(1)
        .mount(&server)
        .await;
    let records = client.query(soql).await.expect("query");
    let names: Vec<_> = records
        .iter()
        .map(|record| record["Name"].clone())
        .collect();
    assert_eq!(names, [json!("One"), json!("Two"), json!("Three")]);
}

#[tokio::test]
async fn a_page_not_done_without_a_next_url_is_an_error_not_a_loop() {
    let (server, client) = server_and_client().await;
    Mock::given(method("GET"))
        .and(path(format!("{DATA}/query")))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"totalSize": 5, "done": false, "records": []})),
        )
        .mount(&server)
        .await;
    client
        .query("SELECT Id FROM Account")
        .await
        .expect_err("no next page");
}
