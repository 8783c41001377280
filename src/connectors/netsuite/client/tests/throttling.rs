use super::*;
use crate::connectors::netsuite::settings::DEFAULT_CONCURRENCY;
use crate::connectors::netsuite::tba::parse_authorization;
use serde_json::json;
use wiremock::matchers::method;
use wiremock::{Mock, ResponseTemplate};

fn throttled() -> ResponseTemplate {
    ResponseTemplate::new(429).set_body_json(json!({
        "title": "Too Many Requests", "status": 429,
        "o:errorDetails": [{"detail": "Concurrency limit exceeded", "o:errorCode": "CONCURRENCY_LIMIT_EXCEEDED"}]
    }))
}

fn nonce(request: &wiremock::Request) -> String {
    parse_authorization(&authorization(request))
        .unwrap()
        .into_iter()
        .find(|(name, _)| name == "oauth_nonce")
        .unwrap()
        .1
}

/// The first create is throttled (retry at once), every later one creates customer 9.
async fn answer_429_then_created(server: &MockServer) {
    Mock::given(method("POST"))
        .respond_with(throttled().insert_header("Retry-After", "0"))
        .up_to_n_times(1)
        .mount(server)
        .await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(204)
                .insert_header("Location", format!("{RECORDS}/customer/9").as_str()),
        )
        .mount(server)
        .await;
}

#[tokio::test]
async fn a_429_then_204_succeeds_after_a_retry_and_lowers_the_governor() {
    let server = MockServer::start().await;
    answer_429_then_created(&server).await;
    let client = tba_client(&server);

    let id = client
        .create("customer", &json!({"companyname": "Acme"}))
        .await
        .unwrap();

    assert_eq!(id, "9");
    assert_eq!(client.governor().effective_limit(), DEFAULT_CONCURRENCY / 2);
    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), 2);
    assert_ne!(
        nonce(&requests[0]),
        nonce(&requests[1]),
        "every attempt is signed afresh"
    );
}

#[tokio::test]
async fn a_429_without_retry_after_is_retried_after_a_short_backoff() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(throttled())
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": "1"})))
        .mount(&server)
        .await;

    let started = std::time::Instant::now();
    let record = tba_client(&server)
        .get("customer", &RecordId::Internal("1".into()), None)
        .await
        .unwrap();
    assert_eq!(record["id"], "1");
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[tokio::test]
async fn five_retries_of_429_end_in_a_retry_error() {
    let server = MockServer::start().await;
    Mock::given(method("PUT"))
        .respond_with(throttled().insert_header("Retry-After", "0"))
        .expect(u64::from(MAX_THROTTLE_RETRIES) + 1)
        .mount(&server)
        .await;
    let client = tba_client(&server);

    let error = client
        .upsert_by_external_id("customer", "CID002", &json!({}))
        .await
        .unwrap_err();
    assert_eq!(error.class, ErrorClass::Retry);
    assert_eq!(error.status, Some(429));
    assert_eq!(error.code.as_deref(), Some("CONCURRENCY_LIMIT_EXCEEDED"));
    assert_eq!(
        client.governor().effective_limit(),
        1,
        "halved on each attempt"
    );
}

#[tokio::test]
async fn a_long_retry_after_goes_back_to_the_caller_at_once() {
    let server = MockServer::start().await;
    Mock::given(method("PATCH"))
        .respond_with(throttled().insert_header("Retry-After", "120"))
        .expect(1)
        .mount(&server)
        .await;

    let error = tba_client(&server)
        .patch(
            "customer",
            &RecordId::Internal("1".into()),
            &json!({}),
            None,
        )
        .await
        .unwrap_err();
    assert_eq!(error.class, ErrorClass::Retry);
    assert_eq!(error.retry_after, Some(Duration::from_secs(120)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_calls_stay_within_the_configured_concurrency() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"id": "1"}))
                .set_delay(Duration::from_millis(20)),
        )
        .expect(30)
        .mount(&server)
        .await;
    let client = NetsuiteClient::new(NetsuiteSettings {
        concurrency: 3,
        ..tba_settings(&server)
    })
    .unwrap();

    let mut calls = tokio::task::JoinSet::new();
    for _ in 0..30 {
        let client = client.clone();
        calls.spawn(async move {
            client
                .get("customer", &RecordId::Internal("1".into()), None)
                .await
        });
    }
    while let Some(done) = calls.join_next().await {
        done.unwrap().unwrap();
    }
    assert!(client.governor().peak_in_flight() <= 3);
    assert_eq!(client.governor().in_flight(), 0);
}

#[tokio::test]
async fn each_attempt_is_counted_and_timed_and_slots_are_shown_against_the_limit() {
    use crate::ops::metrics::{
        CONNECTOR_DURATION, CONNECTOR_REQUESTS, NETSUITE_CONCURRENCY_LIMIT,
        NETSUITE_EFFECTIVE_LIMIT, NETSUITE_IN_FLIGHT, NETSUITE_THROTTLED,
    };
    let recorder = crate::ops::metrics::builder()
        .expect("bucket lists")
        .build_recorder();
    let handle = recorder.handle();
    // The test runs on one thread, so the local recorder sees every metric the client sets.
    let _guard = metrics::set_default_local_recorder(&recorder);
    let server = MockServer::start().await;
    answer_429_then_created(&server).await;
    let client = tba_client(&server);

    client
        .create("customer", &json!({"companyname": "Acme"}))
        .await
        .unwrap();

    let text = handle.render();
    let labels =
        |outcome: &str| format!(r#"{{system="netsuite",operation="create",outcome="{outcome}"}}"#);
    for line in [
        format!("{CONNECTOR_REQUESTS}{} 1", labels("throttled")),
        format!("{CONNECTOR_REQUESTS}{} 1", labels("ok")),
        format!("{CONNECTOR_DURATION}_count{} 1", labels("throttled")),
        format!("{CONNECTOR_DURATION}_count{} 1", labels("ok")),
        format!("{NETSUITE_THROTTLED} 1"),
        format!("{NETSUITE_IN_FLIGHT} 0"),
        format!("{NETSUITE_CONCURRENCY_LIMIT} {DEFAULT_CONCURRENCY}"),
        format!("{NETSUITE_EFFECTIVE_LIMIT} {}", DEFAULT_CONCURRENCY / 2),
    ] {
        assert!(text.lines().any(|l| l == line), "{line}:\n{text}");
    }
}
