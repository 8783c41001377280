//! Hostile and oversized bodies are refused fast, with the right status, and queue nothing.

use crate::helpers::*;
use std::time::{Duration, Instant};

/// Generous bound against pathological parsing; typical refusals take a few milliseconds.
const FAST: Duration = Duration::from_millis(1000);

fn envelope_with(prefix: &str, inner: &str) -> String {
    format!(
        r#"<?xml version="1.0"?>{prefix}<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body>{inner}</soapenv:Body></soapenv:Envelope>"#
    )
}

#[tokio::test]
async fn hostile_xml_is_refused_with_400_in_well_under_a_second() {
    let app = spawn_app_with(|config| {
        config.server.max_body_bytes = 4 * 1024 * 1024;
        config.server.outbound_message_max_body_bytes = 4 * 1024 * 1024;
    })
    .await;
    let laughs = {
        let mut dtd = String::from(r#"<!DOCTYPE lolz [<!ENTITY lol "lol">"#);
        for level in 1..10 {
            let previous = if level == 1 {
                "lol".to_owned()
            } else {
                format!("lol{}", level - 1)
            };
            dtd.push_str(&format!(
                r#"<!ENTITY lol{level} "{}">"#,
                format!("&{previous};").repeat(10)
            ));
        }
        dtd.push(']');
        dtd.push('>');
        envelope_with(&dtd, "&lol9;")
    };
    let attributes: String = (0..100_000).map(|i| format!(" a{i}=\"x\"")).collect();
    let cases = [
        ("DOCTYPE", envelope_with("<!DOCTYPE foo>", "")),
        (
            "external entity",
            envelope_with(
                r#"<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>"#,
                "&e;",
            ),
        ),
        ("billion laughs", laughs),
        (
            "100k attributes",
            envelope_with("", &format!("<notifications{attributes}/>")),
        ),
        (
            "truncated",
            OUTBOUND_FIXTURE[..OUTBOUND_FIXTURE.len() / 2].to_owned(),
        ),
        ("deep nesting", envelope_with("", &"<a>".repeat(100_000))),
        ("not XML", "hello".to_owned()),
    ];
    for (name, body) in cases {
        let started = Instant::now();
        let response = app.post_outbound_message("", body).await;
        let elapsed = started.elapsed();
        assert_eq!(response.status(), 400, "{name}");
        let fault = response.text().await.unwrap();
        assert!(
            fault.contains("<faultcode>soapenv:Client</faultcode>"),
            "{name}: {fault}"
        );
        assert!(elapsed < FAST, "{name} took {elapsed:?}");
        println!("{name}: refused in {elapsed:?}");
    }
    assert_eq!(app.queued().await, 0);
}

#[tokio::test]
async fn an_over_limit_body_gets_413_before_it_is_read() {
    let app = spawn_app_with(|config| {
        config.server.max_body_bytes = 64 * 1024;
        config.server.outbound_message_max_body_bytes = 64 * 1024;
    })
    .await;
    let big = "x".repeat(65 * 1024);

    let started = Instant::now();
    let soap = app.post_outbound_message("", big.clone()).await;
    assert_eq!(soap.status(), 413);
    assert!(soap.text().await.unwrap().contains("<faultstring>"));

    let json = app
        .post_signed("/webhooks/netsuite/events", NETSUITE_SECRET, "m", &big)
        .await;
    assert_eq!(json.status(), 413);
    let error: serde_json::Value = json.json().await.unwrap();
    assert_eq!(error["error"], "payload_too_large");
    assert!(started.elapsed() < FAST);
    assert_eq!(app.queued().await, 0);
}

#[tokio::test]
async fn a_chunked_body_without_length_is_cut_off_at_the_limit() {
    let app = spawn_app_with(|config| config.server.max_body_bytes = 64 * 1024).await;
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> =
        (0..100).map(|_| Ok(vec![b'x'; 16 * 1024])).collect();
    let body = reqwest::Body::wrap_stream(futures_stream(chunks));
    let response = app
        .client
        .post(app.url("/webhooks/netsuite/events"))
        .header("content-type", "application/json")
        .header("webhook-id", "m")
        .header(
            "webhook-timestamp",
            chrono::Utc::now().timestamp().to_string(),
        )
        .header(
            "webhook-signature",
            "v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
        )
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 413);
}

fn futures_stream(
    chunks: Vec<Result<Vec<u8>, std::io::Error>>,
) -> impl futures_core::Stream<Item = Result<Vec<u8>, std::io::Error>> + Send + 'static {
    tokio_stream::iter(chunks)
}
