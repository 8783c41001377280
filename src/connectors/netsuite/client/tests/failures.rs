use super::*;
use serde_json::json;
use wiremock::matchers::method;
use wiremock::{Mock, ResponseTemplate};

const INVALID_CONTENT: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/netsuite-rest-error-400-invalid-content.json"
));
const IDEMPOTENCY: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/netsuite-rest-error-400-idempotency.json"
));
const INVALID_LOGIN: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/netsuite-rest-error-401-invalid-login.json"
));

#[tokio::test]
async fn each_fixture_error_is_classified_from_the_wire() {
    let cases = [
        (
            400,
            INVALID_CONTENT,
            ErrorClass::Permanent,
            "INVALID_CONTENT",
            vec!["item.items[0].item"],
        ),
        (
            400,
            IDEMPOTENCY,
            ErrorClass::Permanent,
            "IDEMPOTENCY_ERROR",
            vec![],
        ),
        (
            401,
            INVALID_LOGIN,
            ErrorClass::RefreshAuth,
            "INVALID_LOGIN",
            vec![],
        ),
    ];
    for (status, body, class, code, fields) in cases {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(
                ResponseTemplate::new(status)
                    .set_body_raw(body, "application/vnd.oracle.resource+json; type=error"),
            )
            .expect(1)
            .mount(&server)
            .await;

        let error = tba_client(&server)
            .create(
                "salesOrder",
                &json!({"item": {"items": [{"item": {"id": 9999}}]}}),
            )
            .await
            .unwrap_err();
        assert_eq!(error.system, System::Netsuite);
        assert_eq!(error.status, Some(status));
        assert_eq!(error.class, class, "{code}");
        assert_eq!(error.code.as_deref(), Some(code));
        assert_eq!(error.fields, fields);
    }
}

#[tokio::test]
async fn a_tba_401_is_returned_for_new_credentials_without_a_retry() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(401).set_body_raw(INVALID_LOGIN, "application/json"))
        .expect(1)
        .mount(&server)
        .await;

    let error = tba_client(&server)
        .get("customer", &RecordId::Internal("1".into()), None)
        .await
        .unwrap_err();
    assert_eq!(error.class, ErrorClass::RefreshAuth);
}

#[tokio::test]
async fn a_missing_record_is_permanent() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(404).set_body_json(json!({
            "title": "Record not found", "status": 404,
            "o:errorDetails": [{"detail": "Record does not exist.", "o:errorCode": "NONEXISTENT_ID"}]
        })))
        .mount(&server)
        .await;

    let error = tba_client(&server)
        .get(
            "customer",
            &RecordId::External("0015g00000XyZabAAF".into()),
            None,
        )
        .await
        .unwrap_err();
    assert_eq!(error.class, ErrorClass::Permanent);
    assert_eq!(error.code.as_deref(), Some("NONEXISTENT_ID"));
}

#[tokio::test]
async fn a_server_error_is_returned_as_retry_without_retrying_here() {
    let server = MockServer::start().await;
    Mock::given(method("PATCH"))
        .respond_with(ResponseTemplate::new(503).set_body_string("<html>maintenance</html>"))
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
    assert_eq!(error.status, Some(503));
}

#[tokio::test]
async fn a_refused_connection_is_a_transient_error() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    drop(listener);
    let settings = NetsuiteSettings::new(
        "123456",
        format!("http://{address}"),
        NetsuiteCredentials::Tba(tba_credentials()),
    );

    let error = NetsuiteClient::new(settings)
        .unwrap()
        .create("customer", &json!({}))
        .await
        .unwrap_err();
    assert_eq!(error.class, ErrorClass::Retry);
    assert_eq!(error.status, None);
    assert_eq!(error.message.split(':').next(), Some("could not connect"));
}

#[tokio::test]
async fn a_slow_answer_times_out_as_a_transient_error() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(5)))
        .mount(&server)
        .await;
    let settings = NetsuiteSettings {
        timeout: Duration::from_millis(200),
        ..tba_settings(&server)
    };

    let client = NetsuiteClient::new(settings).unwrap();

    let error = client
        .get("customer", &RecordId::Internal("1".into()), None)
        .await
        .unwrap_err();
    assert_eq!(error.class, ErrorClass::Retry);
    assert!(error.message.starts_with("timed out"), "{}", error.message);
    assert_eq!(client.governor().in_flight(), 0, "the slot was given back");
}
