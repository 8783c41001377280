//! Secret hygiene, end to end: the real binary with every kind of secret configured (vendor
//! credentials, webhook secrets, the admin token, the outbound token, an alert webhook whose
//! path is its token), driven through its paths that report — debug logs, refusals, a dead
//! letter from a vendor error, the ops API, metrics, an alert that cannot be sent, `tandem
//! doctor` with a wrong credential and `tandem check` with a malformed one. No secret appears
//! in any of it, raw, base64, hex or percent-encoded.

use crate::helpers::*;
use crate::sandbox_binary::SandboxBinary;
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use std::time::Duration;

const ADMIN_TOKEN: &str = "adm-7Qk2Vx9Lr4Tz8Nb1Yc6Hd3Jm5Pa0Se";
const OUTBOUND_TOKEN: &str = "obt-3Fh8Kq1Wz6Rt9Lm2Vb5Xc7Nd4Jp0Gs";
const ALERT_PATH_TOKEN: &str = "B0ALERTPATHTOKEN7xQ2vL9r";
const ALERT_SIGNING_SECRET: &str = "whsec_QWxlcnRTaWduaW5nU2VjcmV0MTIzNDU2Nzg5";

/// Every form a secret could leak in.
fn forms(secret: &str) -> Vec<String> {
    let mut forms = vec![
        secret.to_owned(),
        STANDARD.encode(secret),
        URL_SAFE_NO_PAD.encode(secret),
        secret.bytes().map(|b| format!("{b:02x}")).collect(),
        url::form_urlencoded::byte_serialize(secret.as_bytes()).collect(),
    ];
    if let Some(key) = secret.strip_prefix("whsec_") {
        forms.push(key.to_owned());
        if let Ok(raw) = STANDARD.decode(key) {
            forms.push(raw.iter().map(|b| format!("{b:02x}")).collect());
            forms.push(URL_SAFE_NO_PAD.encode(&raw));
        }
    }
    forms
}

/// Where each secret was found in `texts` (named), if anywhere.
fn leaks(secrets: &[(&str, String)], texts: &[(String, String)]) -> Vec<String> {
    let mut found = Vec::new();
    for (name, secret) in secrets {
        for form in forms(secret) {
            for (place, text) in texts {
                if text.contains(&form) {
                    found.push(format!("{name} (as {form:?}) in {place}"));
                }
            }
        }
    }
    found
}

async fn cli(args: &[&str], config: &std::path::Path) -> String {
    let output = tokio::process::Command::new(binary_path())
        .args(args)
        .arg("--config")
        .arg(config)
        .env_remove("RUST_LOG")
        .kill_on_drop(true)
        .output()
        .await
        .unwrap();
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

#[tokio::test]
async fn no_secret_reaches_logs_answers_metrics_or_command_output() {
    let sandbox = SandboxBinary::start(&[]).await;
    let credentials = tandem::sandbox::SandboxCredentials::default();
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("tandem.toml");
    let text = format!(
        "[server]\nlisten = \"127.0.0.1:0\"\nadmin_token = \"{ADMIN_TOKEN}\"\n\n{}\n\
         [alerts]\nwebhook_url = \"http://127.0.0.1:9/hooks/{ALERT_PATH_TOKEN}\"\n\
         webhook_secret = \"{ALERT_SIGNING_SECRET}\"\ndigest_interval = \"1s\"\n",
        sandbox_config_toml(dir.path(), &sandbox.salesforce, &sandbox.netsuite)
    );
    let text = text.replacen(
        "[salesforce]\n",
        &format!(
            "[salesforce]\nwebhook_secrets = [\"{SALESFORCE_SECRET}\"]\noutbound_message_token = \"{OUTBOUND_TOKEN}\"\n"
        ),
        1,
    );
    std::fs::write(&config, &text).unwrap();
    let secrets = [
        (
            "salesforce client secret",
            credentials.salesforce_client_secret.clone(),
        ),
        (
            "netsuite consumer secret",
            credentials.netsuite_consumer_secret.clone(),
        ),
        (
            "netsuite token secret",
            credentials.netsuite_token_secret.clone(),
        ),
        (
            "netsuite webhook secret",
            credentials.netsuite_webhook_secret.clone(),
        ),
        ("salesforce webhook secret", SALESFORCE_SECRET.to_owned()),
        ("admin token", ADMIN_TOKEN.to_owned()),
        ("outbound message token", OUTBOUND_TOKEN.to_owned()),
        ("alert webhook path", ALERT_PATH_TOKEN.to_owned()),
        ("alert signing secret", ALERT_SIGNING_SECRET.to_owned()),
    ];

    let mut tandem = RunningBinary::start(
        &config,
        &[
            ("RUST_LOG", "debug"),
            // The fixture's organisation, so its Outbound Message is accepted.
            ("TANDEM_SALESFORCE__ORGANIZATION_ID", ORG_ID),
        ],
    )
    .await;
    let client = reqwest::Client::new();
    let mut texts: Vec<(String, String)> = Vec::new();

    // Accepted: its account is not in the sandbox, so the worker's read fails with the
    // vendor's error and the event becomes a dead letter (and an alert that cannot be sent).
    let accepted = client
        .post(tandem.url(&format!(
            "/webhooks/salesforce/outbound-message?token={OUTBOUND_TOKEN}"
        )))
        .header("content-type", "text/xml")
        .body(OUTBOUND_FIXTURE)
        .send()
        .await
        .unwrap();
    assert_eq!(accepted.status(), 200);
    texts.push((
        "the accepted Outbound Message's answer".into(),
        accepted.text().await.unwrap(),
    ));
    let refusals = [
        client
            .post(tandem.url("/webhooks/salesforce/outbound-message?token=wrong"))
            .header("content-type", "text/xml")
            .body(OUTBOUND_FIXTURE),
        client
            .post(tandem.url("/webhooks/netsuite/events"))
            .header("content-type", "application/json")
            .header("webhook-id", "msg_hygiene")
            .header(
                "webhook-timestamp",
                chrono::Utc::now().timestamp().to_string(),
            )
            .header(
                "webhook-signature",
                "v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
            )
            .body(netsuite_event("5512", "2026-11-27T10:15:02Z")),
        client
            .get(tandem.url("/api/v1/dead-letters"))
            .bearer_auth(format!("{ADMIN_TOKEN}x")),
    ];
    for (n, request) in refusals.into_iter().enumerate() {
        let answer = request.send().await.unwrap();
        assert!(
            answer.status().is_client_error(),
            "refusal {n}: {}",
            answer.status()
        );
        texts.push((format!("refusal {n}"), answer.text().await.unwrap()));
    }

    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    let letters = loop {
        let answer = client
            .get(tandem.url("/api/v1/dead-letters"))
            .bearer_auth(ADMIN_TOKEN)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        if answer.contains("\"id\"") {
            break answer;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "no dead letter: {answer}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    texts.push(("the dead-letter list".into(), letters));
    tandem.wait_for_log("alert").await;
    for path in [
        "/api/v1/flows",
        "/api/v1/conflicts",
        "/api/v1/dead-letters/1",
    ] {
        let answer = client
            .get(tandem.url(path))
            .bearer_auth(ADMIN_TOKEN)
            .send()
            .await
            .unwrap();
        texts.push((path.to_owned(), answer.text().await.unwrap()));
    }
    texts.push(("/metrics".into(), tandem.metrics(&client).await));
    tandem.child.kill().await.unwrap();
    tandem.drain_logs().await;
    let lines = tandem.every_log_line();
    assert!(lines.len() > 20, "debug logging ran: {} lines", lines.len());
    texts.extend(
        lines
            .iter()
            .map(|line| ("a log line".to_owned(), line.to_string())),
    );

    // A wrong credential: `tandem doctor` reports the refusal, naming neither value.
    let wrong_secret = "wrong-token-secret-5Gk8Qz2Lw7Rv";
    let doctor_config = dir.path().join("doctor.toml");
    std::fs::write(
        &doctor_config,
        text.replace(&credentials.netsuite_token_secret, wrong_secret),
    )
    .unwrap();
    let doctor = cli(&["doctor"], &doctor_config).await;
    assert!(doctor.to_lowercase().contains("netsuite"), "{doctor}");
    texts.push(("tandem doctor".into(), doctor));
    // A malformed webhook secret: `tandem check` names the key, not the value.
    let malformed = "whsec_not!base64?but-secret-8Hq3";
    let check_config = dir.path().join("check.toml");
    std::fs::write(&check_config, text.replace(SALESFORCE_SECRET, malformed)).unwrap();
    let check = cli(&["check"], &check_config).await;
    assert!(check.contains("webhook_secrets"), "{check}");
    texts.push(("tandem check".into(), check));

    let mut secrets: Vec<(&str, String)> = secrets.to_vec();
    secrets.push(("the wrong token secret", wrong_secret.to_owned()));
    secrets.push(("the malformed webhook secret", malformed.to_owned()));
    let found = leaks(&secrets, &texts);
    let scanned: usize = texts.iter().map(|(_, text)| text.len()).sum();
    println!(
        "scanned {} texts ({scanned} bytes) for {} secrets in {} forms each: {} found",
        texts.len(),
        secrets.len(),
        forms(SALESFORCE_SECRET).len(),
        found.len()
    );
    assert!(found.is_empty(), "secrets leaked: {found:#?}");
}
