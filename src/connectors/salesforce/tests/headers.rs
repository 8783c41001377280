//! What goes on and comes off every call: the `client=tandem` tag and the org's API usage.

use super::*;
use crate::ops::metrics::{SALESFORCE_API_LIMIT as API_LIMIT, SALESFORCE_API_USAGE as API_USAGE};
use wiremock::matchers::header;

#[tokio::test]
async fn every_call_carries_sforce_call_options_client_tandem() {
    let (server, client) = server_and_client().await;
    let tagged = || header("sforce-call-options", "client=tandem");
    Mock::given(method("GET"))
        .and(path(format!("{DATA}/sobjects/Account/001000000000001AAA")))
        .and(tagged())
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"Name": "Acme"})))
        .mount(&server)
        .await;
    Mock::given(method("PATCH"))
        .and(path(format!("{DATA}/sobjects/Account/001000000000001AAA")))
        .and(tagged())
        .respond_with(ResponseTemplate::new(204))
        .mount(&server)
        .await;
    Mock::given(method("PATCH"))
        .and(path(format!("{DATA}/sobjects/Account/NetSuite_Id__c/647")))
        .and(tagged())
        .respond_with(ResponseTemplate::new(204))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{DATA}/query")))
        .and(tagged())
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"done": true, "records": []})),
        )
        .mount(&server)
        .await;
    Mock::given(method("PATCH"))
        .and(path(format!(
            "{DATA}/composite/sobjects/Account/NetSuite_Id__c"
        )))
        .and(tagged())
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!([{"id": "001000000000001AAA", "success": true, "errors": [], "created": false}]),
        ))
        .mount(&server)
        .await;

    let record = fields(json!({"NetSuite_Id__c": "647", "Name": "Acme"}));
    client
        .get("Account", "001000000000001AAA", &[])
        .await
        .expect("get");
    client
        .update("Account", "001000000000001AAA", &record)
        .await
        .expect("update");
    client
        .upsert("Account", "NetSuite_Id__c", "647", &record)
        .await
        .expect("upsert");
    client.query("SELECT Id FROM Account").await.expect("query");
    client
        .upsert_collection("Account", "NetSuite_Id__c", vec![record.clone()])
        .await
        .expect("collection");

    let api_calls: Vec<_> = server
        .received_requests()
        .await
        .unwrap_or_default()
        .into_iter()
        .filter(|request| request.url.path() != TOKEN_PATH)
        .collect();
    assert_eq!(api_calls.len(), 5);
    for request in &api_calls {
        assert_eq!(
            request
                .headers
                .get("sforce-call-options")
                .map(|v| v.as_bytes()),
            Some(&b"client=tandem"[..]),
            "{} {}",
            request.method,
            request.url
        );
        assert_eq!(
            request.headers.get("authorization").map(|v| v.as_bytes()),
            Some(&b"Bearer tok-1"[..])
        );
    }
}

#[tokio::test]
async fn sforce_limit_info_is_kept_and_exported_as_gauges() {
    let recorder = metrics_exporter_prometheus::PrometheusBuilder::new().build_recorder();
    let handle = recorder.handle();
    // The test runs on one thread, so the local recorder sees every metric the client sets.
    let _guard = metrics::set_default_local_recorder(&recorder);

    let (server, client) = server_and_client().await;
    assert_eq!(client.api_usage(), None);
    Mock::given(method("GET"))
        .and(path(format!("{DATA}/query")))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("sforce-limit-info", "api-usage=18/5000")
                .set_body_json(json!({"done": true, "records": []})),
        )
        .mount(&server)
        .await;
    client.query("SELECT Id FROM Account").await.expect("query");
    assert_eq!(client.api_usage(), Some((18, 5000)));

    let exposition = handle.render();
    assert!(
        exposition.contains(&format!("{API_USAGE} 18")),
        "{exposition}"
    );
    assert!(
        exposition.contains(&format!("{API_LIMIT} 5000")),
        "{exposition}"
    );
    assert!(
        exposition.contains(r#"tandem_connector_requests_total{system="salesforce",operation="query",outcome="ok"} 1"#),
        "{exposition}"
    );
    assert!(
        exposition.contains(r#"tandem_connector_request_duration_seconds_count{system="salesforce",operation="query",outcome="ok"} 1"#),
        "{exposition}"
    );
}
