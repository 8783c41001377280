//! Health, readiness and Prometheus metrics.

use crate::helpers::*;
use serde_json::Value;

#[tokio::test]
async fn healthz_and_readyz_answer_200_when_the_queue_is_usable() {
    let app = spawn_app().await;
    let health = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(health.status(), 200);
    let ready = app.client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), 200);
    let body: Value = ready.json().await.unwrap();
    assert_eq!(body["checks"]["queue"], "ok");
}

#[tokio::test]
async fn metrics_count_received_events_signature_failures_and_queue_depth() {
    let app = spawn_app().await;
    let ok = app
        .post_signed(
            "/webhooks/netsuite/events",
            NETSUITE_SECRET,
            "metrics_1",
            &netsuite_event("9", "2026-11-27T10:00:00Z"),
        )
        .await;
    assert_eq!(ok.status(), 202);
    let bad = app
        .post_signed(
            "/webhooks/netsuite/events",
            SALESFORCE_SECRET,
            "metrics_2",
            &netsuite_event("9", "2026-11-27T10:00:00Z"),
        )
        .await;
    assert_eq!(bad.status(), 401);

    let response = app.client.get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let text = response.text().await.unwrap();
    let has = |needle: &str| text.lines().any(|line| line.starts_with(needle));
    assert!(
        has(
            r#"tandem_events_received_total{source="netsuite",object="customer",outcome="accepted"}"#
        ),
        "{text}"
    );
    assert!(
        has(r#"tandem_signature_failures_total{source="netsuite",reason="no_matching_signature"}"#),
        "{text}"
    );
    assert!(
        has(r#"tandem_enqueue_duration_seconds_bucket{backend="embedded""#),
        "{text}"
    );
    assert!(has(r#"tandem_queue_depth_events{state="total"}"#), "{text}");
    assert!(
        has(r#"tandem_http_requests_total{route="/webhooks/netsuite/events""#),
        "{text}"
    );
    assert!(!text.contains("whsec_"), "no secret in metrics");
}

#[tokio::test]
async fn unknown_routes_and_methods_get_json_errors() {
    let app = spawn_app().await;
    let missing = app.client.get(app.url("/nope")).send().await.unwrap();
    assert_eq!(missing.status(), 404);
    assert_eq!(missing.json::<Value>().await.unwrap()["error"], "not_found");
    let wrong_method = app
        .client
        .get(app.url("/webhooks/netsuite/events"))
        .send()
        .await
        .unwrap();
    assert_eq!(wrong_method.status(), 405);
    assert_eq!(
        wrong_method.json::<Value>().await.unwrap()["error"],
        "method_not_allowed"
    );
}

#[tokio::test]
async fn a_bad_config_fails_tandem_check_with_one_line_naming_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.toml");
    std::fs::write(&path, "[netsuite]\nconcurrency = \"ten\"\n").unwrap();
    let output = std::process::Command::new(binary_path())
        .args(["check", "--config"])
        .arg(&path)
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert!(stderr.contains("netsuite.concurrency"), "{stderr}");

    let good = write_config(dir.path());
    let output = std::process::Command::new(binary_path())
        .args(["check", "--config"])
        .arg(&good)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[tokio::test]
async fn secrets_given_by_environment_never_reach_the_logs() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path());
    let token = "tok-very-secret-outbound-token";
    let mut tandem = RunningBinary::start(
        &config,
        &[
            ("TANDEM_SALESFORCE__OUTBOUND_MESSAGE_TOKEN", token),
            ("RUST_LOG", "debug"),
        ],
    )
    .await;
    let client = reqwest::Client::new();
    let response = client
        .post(tandem.url("/webhooks/salesforce/outbound-message?token=wrong"))
        .header("content-type", "text/xml")
        .body(OUTBOUND_FIXTURE)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    assert!(!response.text().await.unwrap().contains(token));
    tandem.child.kill().await.unwrap();
    let lines = tandem.drain_logs().await;
    assert!(!lines.is_empty());
    for line in lines {
        let text = line.to_string();
        assert!(!text.contains(token), "secret in log: {text}");
        assert!(!text.contains("whsec_"), "secret in log: {text}");
    }
}
