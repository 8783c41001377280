//! Requests built to cost memory or log volume: refused before their body is read, cut short
//! when echoed or logged, and summed up in the log instead of a line each.

use crate::helpers::*;
use serde_json::Value;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const NETSUITE: &str = "/webhooks/netsuite/events";
/// A well-formed `v1` entry whose tag (32 zero bytes) matches no secret.
const WRONG_SIGNATURE: &str = "v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";

/// Sends a request's headers, announcing a body that never comes, and returns the status the
/// server answers. A server that waited for the body would never answer; 10 s bounds that.
async fn status_without_sending_the_body(app: &TestApp, headers: &[(&str, String)]) -> u16 {
    let mut stream = tokio::net::TcpStream::connect(app.address).await.unwrap();
    let mut request = format!("POST {NETSUITE} HTTP/1.1\r\nhost: tandem\r\n");
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    let read = async {
        let mut buffer = [0u8; 4096];
        while !answer.windows(4).any(|window| window == b"\r\n\r\n") {
            let n = stream.read(&mut buffer).await.unwrap();
            assert!(n > 0, "connection closed without an answer");
            answer.extend_from_slice(&buffer[..n]);
        }
    };
    tokio::time::timeout(Duration::from_secs(10), read)
        .await
        .expect("answered without the body");
    let status_line = String::from_utf8_lossy(&answer);
    status_line
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("no status in {status_line:?}"))
}

#[tokio::test]
async fn unsigned_stale_or_oversized_webhooks_are_refused_without_reading_their_body() {
    let app = spawn_app().await;
    let now = chrono::Utc::now().timestamp();
    let signed = |timestamp: i64, signature: &str| {
        vec![
            ("content-type", "application/json".to_owned()),
            ("content-length", "200000".to_owned()),
            ("webhook-id", "msg_1".to_owned()),
            ("webhook-timestamp", timestamp.to_string()),
            ("webhook-signature", signature.to_owned()),
        ]
    };
    let without = |name: &str| {
        let mut headers = signed(now, WRONG_SIGNATURE);
        headers.retain(|(header, _)| *header != name);
        headers
    };
    let long_id = {
        let mut headers = signed(now, WRONG_SIGNATURE);
        headers[2].1 = "m".repeat(300);
        headers
    };
    let fractional = {
        let mut headers = signed(now, WRONG_SIGNATURE);
        headers[3].1 = format!("{now}.5");
        headers
    };
    let many = [WRONG_SIGNATURE; 9].join(" ");
    let oversized = {
        let mut headers = signed(now, WRONG_SIGNATURE);
        headers[1].1 = (300 * 1024).to_string();
        headers
    };
    let plain = {
        let mut headers = signed(now, WRONG_SIGNATURE);
        headers[0].1 = "text/plain".to_owned();
        headers
    };
    let cases = [
        ("no webhook-id", without("webhook-id"), 401),
        ("no webhook-timestamp", without("webhook-timestamp"), 401),
        ("no webhook-signature", without("webhook-signature"), 401),
        ("a 300-character id", long_id, 401),
        ("a timestamp that is not an integer", fractional, 401),
        ("a stale timestamp", signed(now - 301, WRONG_SIGNATURE), 401),
        (
            "a future timestamp",
            signed(now + 301, WRONG_SIGNATURE),
            401,
        ),
        ("a short tag", signed(now, "v1,AAAA"), 401),
        ("nine signatures", signed(now, &many), 401),
        ("a Content-Length over the limit", oversized, 413),
        ("a wrong content type", plain, 415),
    ];
    for (name, headers, expected) in cases {
        let status = status_without_sending_the_body(&app, &headers).await;
        assert_eq!(status, expected, "{name}");
    }
    assert_eq!(app.queued().await, 0);
}

#[tokio::test]
async fn the_outbound_message_endpoint_has_its_own_smaller_limit() {
    let app = spawn_app_with(|config| {
        config.server.max_body_bytes = 256 * 1024;
        config.server.outbound_message_max_body_bytes = 64 * 1024;
    })
    .await;
    // 100 notifications, Salesforce's most, fit the default limit with room to spare.
    let full = outbound_message(ORG_ID, "full", 100);
    assert!(
        full.len()
            < tandem::Config::default()
                .server
                .outbound_message_max_body_bytes
                / 2
    );

    let big = outbound_message(ORG_ID, "big", 300);
    assert!(big.len() > 64 * 1024 && big.len() < 256 * 1024);
    let response = app.post_outbound_message("", big).await;
    assert_eq!(response.status(), 413);
    let fault = response.text().await.unwrap();
    assert!(fault.contains("65536"), "{fault}");

    let chunks: Vec<Result<Vec<u8>, std::io::Error>> =
        (0..20).map(|_| Ok(vec![b'x'; 16 * 1024])).collect();
    let response = app
        .client
        .post(app.url("/webhooks/salesforce/outbound-message"))
        .header("content-type", "text/xml")
        .body(reqwest::Body::wrap_stream(tokio_stream::iter(chunks)))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 413, "cut off while streaming");

    let small = app
        .post_outbound_message("", outbound_message(ORG_ID, "small", 10))
        .await;
    assert_eq!(small.status(), 200);
    assert_eq!(app.queued().await, 10);
}

#[tokio::test]
async fn a_megabyte_organization_id_gives_a_short_fault_and_a_short_log_line() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path());
    let mut tandem = RunningBinary::start(
        &config,
        &[("TANDEM_SERVER__OUTBOUND_MESSAGE_MAX_BODY_BYTES", "2097152")],
    )
    .await;
    let organization = "0".repeat(1_000_000);
    let response = reqwest::Client::new()
        .post(tandem.url("/webhooks/salesforce/outbound-message"))
        .header("content-type", "text/xml")
        .body(outbound_message(&organization, "org", 1))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
    let fault = response.text().await.unwrap();
    assert!(fault.len() < 1024, "fault of {} bytes", fault.len());
    assert!(fault.contains("…(1000000 bytes)"), "{fault}");

    tandem.child.kill().await.unwrap();
    let lines = tandem.drain_logs().await;
    let refused: Vec<&Value> = lines
        .iter()
        .filter(|line| line["reason"] == "organization_id")
        .collect();
    assert_eq!(refused.len(), 1, "{lines:?}");
    let text = refused[0].to_string();
    assert!(text.len() < 1024, "log line of {} bytes", text.len());
    assert!(text.contains("…(1000000 bytes)"), "{text}");
    for line in &lines {
        assert!(line.to_string().len() < 4096, "a long log line: {line}");
    }
}

#[tokio::test]
async fn a_thousand_bad_signatures_are_counted_each_and_logged_once() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path());
    let mut tandem = RunningBinary::start(&config, &[]).await;
    let client = reqwest::Client::new();
    let body = netsuite_event("1", "2026-11-27T10:00:00Z");
    let url = tandem.url(NETSUITE);
    for batch in 0..20 {
        let mut requests = tokio::task::JoinSet::new();
        for i in 0..50 {
            let (client, url, body) = (client.clone(), url.clone(), body.clone());
            requests.spawn(async move {
                let id = format!("msg_{batch}_{i}");
                post_signed_to(&client, &url, SALESFORCE_SECRET, &id, &body).await
            });
        }
        while let Some(response) = requests.join_next().await {
            assert_eq!(response.unwrap().unwrap().status(), 401);
        }
    }
    let metrics = tandem.metrics(&client).await;
    let failures = metrics
        .lines()
        .find(|line| {
            line.starts_with("tandem_signature_failures_total{")
                && line.contains(r#"source="netsuite""#)
                && line.contains(r#"reason="no_matching_signature""#)
        })
        .unwrap_or_else(|| panic!("no failure counter in {metrics}"));
    assert!(failures.ends_with(" 1000"), "{failures}");

    tandem.child.kill().await.unwrap();
    let lines = tandem.drain_logs().await;
    let warnings: Vec<&Value> = lines
        .iter()
        .filter(|line| line["level"] == "WARN" && line["source"] == "netsuite")
        .collect();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert_eq!(warnings[0]["reason"], "no_matching_signature");
}

#[tokio::test]
async fn bodies_past_the_memory_budget_get_503_until_it_frees_up() {
    let app = spawn_app_with(|config| {
        config.server.max_body_bytes = 64 * 1024;
        config.server.outbound_message_max_body_bytes = 64 * 1024;
        config.server.max_buffered_body_bytes = 100 * 1024;
    })
    .await;
    let now = chrono::Utc::now().timestamp().to_string();
    let wrongly_signed = |body: reqwest::Body| {
        app.client
            .post(app.url(NETSUITE))
            .header("content-type", "application/json")
            .header("webhook-id", "msg_budget")
            .header("webhook-timestamp", now.clone())
            .header("webhook-signature", WRONG_SIGNATURE)
            .body(body)
    };
    // A body that stalls after 60 KiB, holding that much of the budget.
    let (chunks, stalled) = tokio::sync::mpsc::channel::<Result<Vec<u8>, std::io::Error>>(4);
    chunks.send(Ok(vec![b' '; 60 * 1024])).await.unwrap();
    let stalled = tokio::spawn(
        wrongly_signed(reqwest::Body::wrap_stream(
            tokio_stream::wrappers::ReceiverStream::new(stalled),
        ))
        .send(),
    );
    let second = || wrongly_signed(vec![b' '; 60 * 1024].into()).send();

    // Until the stalled body's first chunk is read, a second one fits; then it does not.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let response = second().await.unwrap();
        if response.status() == 503 {
            assert!(response.headers().contains_key("retry-after"));
            let error: Value = response.json().await.unwrap();
            assert_eq!(error["error"], "busy");
            break;
        }
        assert_eq!(response.status(), 401);
        assert!(
            tokio::time::Instant::now() < deadline,
            "the budget never filled"
        );
        tokio::task::yield_now().await;
    }

    drop(chunks);
    assert_eq!(stalled.await.unwrap().unwrap().status(), 401);
    assert_eq!(
        second().await.unwrap().status(),
        401,
        "the budget is free again"
    );
    assert_eq!(app.queued().await, 0);
}
