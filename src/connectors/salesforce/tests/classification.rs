//! Every failing answer, as Salesforce sends it, classified for the worker.

use super::*;
use crate::connectors::error::ErrorClass;
use std::time::Duration;

/// Verbatim from the REST API error codes page (see `tests/fixtures/`).
const MALFORMED_ID: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/sf-rest-error-malformed-id.json"
));
const NOT_FOUND: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/sf-rest-error-not-found.json"
));

struct Case {
    status: u16,
    body: &'static str,
    retry_after: Option<&'static str>,
    class: ErrorClass,
    code: Option<&'static str>,
    fields: &'static [&'static str],
}

fn cases() -> Vec<Case> {
    use ErrorClass::*;
    let case = |status, body, class, code, fields| Case {
        status,
        body,
        retry_after: None,
        class,
        code,
        fields,
    };
    vec![
        case(400, MALFORMED_ID, Permanent, Some("MALFORMED_ID"), &["Id"]),
        case(404, NOT_FOUND, Permanent, Some("NOT_FOUND"), &[]),
        // The shapes below are assembled from the documented `[{"message","errorCode","fields"}]`.
        case(
            400,
            r#"[{"message":"Required fields are missing: [Name]","errorCode":"REQUIRED_FIELD_MISSING","fields":["Name"]}]"#,
            Permanent,
            Some("REQUIRED_FIELD_MISSING"),
            &["Name"],
        ),
        case(
            400,
            r#"[{"message":"No such column 'Foo__c' on sobject of type Account","errorCode":"INVALID_FIELD"}]"#,
            Permanent,
            Some("INVALID_FIELD"),
            &[],
        ),
        case(
            400,
            r#"[{"message":"Website must start with https","errorCode":"FIELD_CUSTOM_VALIDATION_EXCEPTION","fields":["Website"]}]"#,
            Permanent,
            Some("FIELD_CUSTOM_VALIDATION_EXCEPTION"),
            &["Website"],
        ),
        case(
            400,
            r#"[{"message":"unable to obtain exclusive access to this record","errorCode":"UNABLE_TO_LOCK_ROW","fields":[]}]"#,
            Retry,
            Some("UNABLE_TO_LOCK_ROW"),
            &[],
        ),
        case(
            403,
            r#"[{"message":"TotalRequests Limit exceeded.","errorCode":"REQUEST_LIMIT_EXCEEDED"}]"#,
            BackOff,
            Some("REQUEST_LIMIT_EXCEEDED"),
            &[],
        ),
        Case {
            retry_after: Some("30"),
            ..case(
                503,
                r#"[{"message":"Server is unavailable","errorCode":"SERVER_UNAVAILABLE"}]"#,
                Retry,
                Some("SERVER_UNAVAILABLE"),
                &[],
            )
        },
        Case {
            retry_after: Some("7"),
            ..case(429, "", Retry, None, &[])
        },
        case(
            500,
            "<html><body>Internal error</body></html>",
            Retry,
            None,
            &[],
        ),
        case(502, r#"{"unexpected":"shape"}"#, Retry, None, &[]),
    ]
}

#[tokio::test]
async fn every_failing_status_is_classified_with_code_fields_and_retry_after() {
    let (server, client) = server_and_client().await;
    let cases = cases();
    for (index, case) in cases.iter().enumerate() {
        let mut answer =
            ResponseTemplate::new(case.status).set_body_raw(case.body, "application/json");
        if let Some(seconds) = case.retry_after {
            answer = answer.insert_header("retry-after", seconds);
        }
        Mock::given(method("GET"))
            .and(path(format!("{DATA}/sobjects/Account/case{index}")))
            .respond_with(answer)
            .mount(&server)
            .await;
    }
    for (index, case) in cases.iter().enumerate() {
        let error = client
            .get("Account", &format!("case{index}"), &[])
            .await
            .expect_err("a failing answer");
        let what = format!("case {index}: {} {}", case.status, case.body);
        assert_eq!(error.class, case.class, "{what}");
        assert_eq!(error.status, Some(case.status), "{what}");
        assert_eq!(error.code.as_deref(), case.code, "{what}");
        assert_eq!(error.fields, case.fields, "{what}");
        assert!(!error.message.is_empty(), "{what}");
        let retry_after = case
            .retry_after
            .map(|s| Duration::from_secs(s.parse().expect("seconds")));
        assert_eq!(error.retry_after, retry_after, "{what}");
    }
}

#[tokio::test]
async fn the_vendor_message_is_kept() {
    let (server, client) = server_and_client().await;
    Mock::given(method("GET"))
        .and(path(format!("{DATA}/sobjects/Account/001900K0001pPuOAAU")))
        .respond_with(ResponseTemplate::new(400).set_body_raw(MALFORMED_ID, "application/json"))
        .mount(&server)
        .await;
    let error = client
        .get("Account", "001900K0001pPuOAAU", &[])
        .await
        .expect_err("malformed");
    assert_eq!(
        error.to_string(),
        "salesforce 400 MALFORMED_ID: Account ID: id value of incorrect type: 001900K0001pPuOAAU (fields: Id)"
    );
}

#[tokio::test]
async fn a_timeout_is_retry() {
    let (server, _) = server_and_client().await;
    Mock::given(method("GET"))
        .and(path(format!("{DATA}/sobjects/Account/slow")))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(30)))
        .mount(&server)
        .await;
    let mut settings = settings_for(&server);
    settings.timeout = Duration::from_millis(200);
    let error = SalesforceClient::new(settings)
        .expect("client")
        .get("Account", "slow", &[])
        .await
        .expect_err("timed out");
    assert_eq!(error.class, ErrorClass::Retry);
    assert!(error.message.starts_with("timed out"), "{}", error.message);
}

#[tokio::test]
async fn a_refused_connection_is_retry() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let address = listener.local_addr().expect("address");
    drop(listener);
    let settings = SalesforceSettings::new(
        Url::parse(&format!("http://{address}")).expect("url"),
        SalesforceCredentials::ClientCredentials {
            client_id: "consumer-key".into(),
            client_secret: Secret::from(CLIENT_SECRET),
        },
    );
    let error = SalesforceClient::new(settings)
        .expect("client")
        .query("SELECT Id FROM Account")
        .await
        .expect_err("nothing listens");
    assert_eq!(error.class, ErrorClass::Retry);
    assert!(
        error.message.starts_with("could not connect"),
        "{}",
        error.message
    );
}
