//! Health, readiness and Prometheus metrics.

use crate::helpers::*;
use crate::synced::{Backend, eventually, spawn_synced_on};
use reqwest::Method;
use serde_json::{Value, json};
use std::collections::BTreeSet;

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
    assert!(has(r#"tandem_queue_depth_events{state="ready"}"#), "{text}");
    assert!(
        !has(r#"tandem_queue_depth_events{state="total"}"#),
        "{text}"
    );
    assert!(has("tandem_dead_letters_events "), "{text}");
    assert!(
        has(r#"tandem_http_requests_total{route="/webhooks/netsuite/events""#),
        "{text}"
    );
    assert!(!text.contains("whsec_"), "no secret in metrics");
}

async fn scrape(client: &reqwest::Client, url: String) -> String {
    let response = client.get(url).send().await.unwrap();
    assert_eq!(response.status(), 200);
    response.text().await.unwrap()
}

/// The series (name and labels) of `family` in an exposition.
fn series<'a>(text: &'a str, family: &str) -> Vec<&'a str> {
    text.lines()
        .filter(|line| !line.starts_with('#'))
        .filter_map(|line| line.rsplit_once(' ').map(|(series, _)| series))
        .filter(|series| {
            series
                .strip_prefix(family)
                .is_some_and(|rest| rest.starts_with('{'))
        })
        .collect()
}

/// The values `label` takes in `series`.
fn label_values<'a>(series: &[&'a str], label: &str) -> BTreeSet<&'a str> {
    let key = format!("{label}=\"");
    series
        .iter()
        .filter_map(|series| {
            let start = series.find(&key)? + key.len();
            let rest = &series[start..];
            Some(&rest[..rest.find('"')?])
        })
        .collect()
}

#[tokio::test]
async fn after_a_synced_edit_every_metric_family_has_help_text() {
    let synced = spawn_synced_on(Backend::Embedded).await;
    let account_id = synced.salesforce_id("Account", "Name", "Globex GmbH").await;
    synced
        .edit_in_salesforce(
            "Account",
            &account_id,
            json!({ "Phone": "+49 30 5550 101" }),
        )
        .await;
    let client = &synced.app.client;
    let url = synced.app.url("/metrics");
    // Written to NetSuite, counted, timed; the governor's gauges and the queue depth are set.
    let text = eventually("the account's sync in /metrics", || async {
        let text = scrape(client, url.clone()).await;
        let processed = series(&text, "tandem_events_processed_total")
            .into_iter()
            .any(|s| s.contains(r#"source="salesforce",object="Account",outcome="written""#));
        processed.then_some(text)
    })
    .await;
    for needle in [
        r#"tandem_connector_request_duration_seconds_bucket{system="netsuite","#,
        r#"tandem_sync_latency_seconds_bucket{source="salesforce",object="Account",le="86400"}"#,
        "tandem_netsuite_requests_in_flight ",
        "tandem_netsuite_concurrency_limit ",
        r#"tandem_queue_depth_events{state="in_flight"}"#,
    ] {
        assert!(
            text.lines().any(|line| line.starts_with(needle)),
            "{needle}:\n{text}"
        );
    }

    let families: Vec<&str> = text
        .lines()
        .filter_map(|line| line.strip_prefix("# TYPE "))
        .filter_map(|rest| rest.split(' ').next())
        .collect();
    assert!(families.len() >= 10, "{text}");
    for family in families {
        assert!(
            text.contains(&format!("# HELP {family} ")),
            "{family} has no HELP line:\n{text}"
        );
    }
}

#[tokio::test]
async fn invented_methods_and_unknown_paths_add_at_most_one_series_each() {
    let app = spawn_app().await;
    for n in 0..200 {
        let method = Method::from_bytes(format!("INVENTED{n}").as_bytes()).unwrap();
        let response = app
            .client
            .request(method, app.url("/healthz"))
            .send()
            .await
            .unwrap();
        assert!(response.status().is_client_error(), "{}", response.status());
        let response = app
            .client
            .get(app.url(&format!("/no-such-path-{n}")))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 404);
    }
    let invented_object = r#"{"object":"zz_invented_record","record_id":"1","change":"updated","version":"2026-11-27T10:00:00Z","fields":{}}"#;
    let accepted = app
        .post_signed(
            "/webhooks/netsuite/events",
            NETSUITE_SECRET,
            "invented_object_1",
            invented_object,
        )
        .await;
    assert_eq!(accepted.status(), 202);

    let text = scrape(&app.client, app.url("/metrics")).await;
    assert!(!text.contains("INVENTED"), "{text}");
    assert!(!text.contains("no-such-path"), "{text}");
    assert!(!text.contains("zz_invented"), "{text}");

    let requests = series(&text, "tandem_http_requests_total");
    let invented: Vec<_> = requests
        .iter()
        .filter(|s| s.contains(r#"route="/healthz",method="other""#))
        .collect();
    assert_eq!(invented.len(), 1, "{invented:?}");
    let unknown: Vec<_> = requests
        .iter()
        .filter(|s| s.contains(r#"route="unmatched",method="GET",status="404""#))
        .collect();
    assert_eq!(unknown.len(), 1, "{unknown:?}");

    // Whatever other tests in this process sent, labels stay within their sets.
    let mut routes: BTreeSet<&str> = (tandem::http::ROUTES.iter())
        .chain(tandem::http::OPS_PAGE_ROUTES)
        .map(|(_, path)| *path)
        .collect();
    routes.insert("unmatched");
    let methods = BTreeSet::from([
        "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "other",
    ]);
    for family in [
        "tandem_http_requests_total",
        "tandem_http_request_duration_seconds_bucket",
    ] {
        let family_series = series(&text, family);
        assert!(!family_series.is_empty(), "{family}:\n{text}");
        let seen_routes = label_values(&family_series, "route");
        assert!(seen_routes.is_subset(&routes), "{seen_routes:?}");
        let seen_methods = label_values(&family_series, "method");
        assert!(seen_methods.is_subset(&methods), "{seen_methods:?}");
    }
    let received = series(&text, "tandem_events_received_total");
    assert!(
        received
            .iter()
            .any(|s| s.contains(r#"source="netsuite",object="other",outcome="accepted""#)),
        "{received:?}"
    );
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
