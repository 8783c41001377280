//! `server.admin_listen`: with it set, the webhook port serves only webhooks and health checks,
//! and `/metrics` and the ops API answer on the internal port alone.

use crate::helpers::*;
use crate::raw_clients::config_with;

#[tokio::test]
async fn with_an_admin_address_metrics_and_the_ops_api_leave_the_webhook_port() {
    let dir = tempfile::tempdir().unwrap();
    let config = config_with(
        dir.path(),
        "admin_listen = \"127.0.0.1:0\"\nadmin_token = \"0123456789abcdef0123\"",
    );
    let mut tandem = RunningBinary::start(&config, &[]).await;
    let admin = tandem.admin_address().await;
    assert_ne!(admin, tandem.address);
    let client = reqwest::Client::new();
    let admin_url = |path: &str| format!("http://{admin}{path}");
    let status = |response: reqwest::Response| response.status().as_u16();

    let url = tandem.url("/webhooks/netsuite/events");
    let event = netsuite_event("7", "2026-11-27T10:00:00Z");
    let accepted = post_signed_to(&client, &url, NETSUITE_SECRET, "admin_split_1", &event)
        .await
        .unwrap();
    assert_eq!(accepted.status(), 202, "webhooks stay on the webhook port");
    for path in ["/healthz", "/readyz"] {
        let public = client.get(tandem.url(path)).send().await.unwrap();
        assert_eq!(status(public), 200, "{path} on the webhook port");
        let internal = client.get(admin_url(path)).send().await.unwrap();
        assert_eq!(status(internal), 200, "{path} on the admin port");
    }
    for path in ["/metrics", "/api/v1/dead-letters"] {
        let public = client
            .get(tandem.url(path))
            .bearer_auth("0123456789abcdef0123")
            .send()
            .await
            .unwrap();
        assert_eq!(
            status(public),
            404,
            "{path} is not served on the webhook port"
        );
    }

    let metrics = client.get(admin_url("/metrics")).send().await.unwrap();
    assert_eq!(metrics.status(), 200);
    let text = metrics.text().await.unwrap();
    assert!(
        text.contains(r#"tandem_events_received_total{source="netsuite",object="customer",outcome="accepted"} 1"#),
        "the admin port's /metrics counts the webhook port's events:\n{text}"
    );
    let dead_letters = client
        .get(admin_url("/api/v1/dead-letters"))
        .bearer_auth("0123456789abcdef0123")
        .send()
        .await
        .unwrap();
    assert_eq!(
        status(dead_letters),
        200,
        "the ops API answers on the admin port"
    );
    let webhook_on_admin = post_signed_to(
        &client,
        &admin_url("/webhooks/netsuite/events"),
        NETSUITE_SECRET,
        "admin_split_2",
        &event,
    )
    .await
    .unwrap();
    assert_eq!(
        webhook_on_admin.status(),
        404,
        "webhooks are not served on the admin port"
    );
}

#[test]
fn an_admin_address_equal_to_the_webhook_address_is_a_config_error() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path());
    let text = std::fs::read_to_string(&config).unwrap().replacen(
        "listen = \"127.0.0.1:0\"\n",
        "listen = \"127.0.0.1:18099\"\nadmin_listen = \"127.0.0.1:18099\"\n",
        1,
    );
    std::fs::write(&config, text).unwrap();
    let output = std::process::Command::new(binary_path())
        .args(["check", "--config"])
        .arg(&config)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("server.admin_listen: must differ from server.listen"),
        "{stderr}"
    );
}
