use super::*;
use reqwest::header::{HeaderValue, RETRY_AFTER};
use std::time::Duration;

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

struct Case {
    name: &'static str,
    status: u16,
    body: &'static str,
    class: ErrorClass,
    code: Option<&'static str>,
    fields: &'static [&'static str],
}

const CASES: &[Case] = &[
    Case {
        name: "invalid content names the sublist path",
        status: 400,
        body: INVALID_CONTENT,
        class: ErrorClass::Permanent,
        code: Some("INVALID_CONTENT"),
        fields: &["item.items[0].item"],
    },
    Case {
        name: "a repeated idempotency key",
        status: 400,
        body: IDEMPOTENCY,
        class: ErrorClass::Permanent,
        code: Some("IDEMPOTENCY_ERROR"),
        fields: &[],
    },
    Case {
        name: "invalid login",
        status: 401,
        body: INVALID_LOGIN,
        class: ErrorClass::RefreshAuth,
        code: Some("INVALID_LOGIN"),
        fields: &[],
    },
    Case {
        name: "a concurrency limit code",
        status: 429,
        body: r#"{"title":"Too Many Requests","status":429,"o:errorDetails":[{"detail":"Concurrency limit exceeded","o:errorCode":"CONCURRENCY_LIMIT_EXCEEDED"}]}"#,
        class: ErrorClass::Retry,
        code: Some("CONCURRENCY_LIMIT_EXCEEDED"),
        fields: &[],
    },
    Case {
        name: "a user error",
        status: 400,
        body: r#"{"title":"Bad Request","status":400,"o:errorDetails":[{"detail":"This entity already exists.","o:errorCode":"USER_ERROR","o:errorPath":"entityid"}]}"#,
        class: ErrorClass::Permanent,
        code: Some("USER_ERROR"),
        fields: &["entityid"],
    },
    Case {
        name: "a missing record",
        status: 404,
        body: r#"{"title":"Record not found","status":404,"o:errorDetails":[{"detail":"Record does not exist.","o:errorCode":"NONEXISTENT_ID"}]}"#,
        class: ErrorClass::Permanent,
        code: Some("NONEXISTENT_ID"),
        fields: &[],
    },
    Case {
        name: "a bare 404",
        status: 404,
        body: "",
        class: ErrorClass::Permanent,
        code: None,
        fields: &[],
    },
    Case {
        name: "an HTML 502 from a proxy",
        status: 502,
        body: "<html><body>Bad Gateway</body></html>",
        class: ErrorClass::Retry,
        code: None,
        fields: &[],
    },
    Case {
        name: "a 503 with an unknown code",
        status: 503,
        body: r#"{"title":"Service Unavailable","o:errorDetails":[{"detail":"down","o:errorCode":"UNEXPECTED_ERROR"}]}"#,
        class: ErrorClass::Retry,
        code: Some("UNEXPECTED_ERROR"),
        fields: &[],
    },
];

#[test]
fn every_fixture_body_gets_its_class_code_and_fields() {
    for case in CASES {
        let error = classify(case.status, &HeaderMap::new(), case.body.as_bytes());
        assert_eq!(error.system, System::Netsuite, "{}", case.name);
        assert_eq!(error.class, case.class, "{}", case.name);
        assert_eq!(error.status, Some(case.status), "{}", case.name);
        assert_eq!(error.code.as_deref(), case.code, "{}", case.name);
        assert_eq!(error.fields, case.fields, "{}", case.name);
        assert!(!error.message.is_empty(), "{}", case.name);
    }
}

#[test]
fn the_message_is_the_vendor_detail() {
    let error = classify(400, &HeaderMap::new(), INVALID_CONTENT.as_bytes());
    assert_eq!(
        error.message,
        "Error while accessing resource: You have entered an Invalid Field Value 9999 for the following field: item"
    );
}

#[test]
fn a_long_foreign_body_is_cut_short() {
    let body = "x".repeat(5000);
    let error = classify(500, &HeaderMap::new(), body.as_bytes());
    assert!(error.message.chars().count() <= MAX_RAW_MESSAGE + 1);
}

#[test]
fn retry_after_is_kept() {
    let mut headers = HeaderMap::new();
    headers.insert(RETRY_AFTER, HeaderValue::from_static("3"));
    let error = classify(429, &headers, b"");
    assert_eq!(error.class, ErrorClass::Retry);
    assert_eq!(error.retry_after, Some(Duration::from_secs(3)));
}
