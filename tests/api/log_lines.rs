//! The log lines an operator reads: the real binary writing text logs to a pipe (as under
//! systemd, docker or Kubernetes) logs each applied event once, with the record ids on both
//! sides, and without terminal colour codes.

use crate::synced::eventually;
use serde_json::json;
use std::path::Path;
use std::time::Duration;
use tandem::sandbox::{EchoConfig, Sandbox, SandboxConfig};
use tokio::io::AsyncBufReadExt;

/// A config for the binary that talks to `sandbox` with its default credentials (what
/// `tandem::sandbox::tandem_config::configure` sets, written as TOML).
fn write_sandbox_config(dir: &Path, sandbox: &Sandbox) -> std::path::PathBuf {
    let text = format!(
        "[server]\nlisten = \"127.0.0.1:0\"\nlog_format = \"text\"\n\n{}",
        crate::helpers::sandbox_config_toml(dir, &sandbox.salesforce_url, &sandbox.netsuite_url)
    );
    let path = dir.join("tandem.toml");
    std::fs::write(&path, text).unwrap();
    path
}

/// Waits (up to 30 s) for a raw line containing `text`; every line read is kept in `seen`.
async fn wait_for_raw_line(
    lines: &mut tokio::io::Lines<tokio::io::BufReader<tokio::process::ChildStderr>>,
    seen: &mut Vec<String>,
    text: &str,
) -> String {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let line = tokio::time::timeout_at(deadline, lines.next_line())
            .await
            .unwrap_or_else(|_| panic!("no line containing {text:?} within 30 s: {seen:#?}"))
            .unwrap()
            .unwrap_or_else(|| panic!("tandem exited before logging {text:?}: {seen:#?}"));
        seen.push(line.clone());
        if line.contains(text) {
            return line;
        }
    }
}

#[tokio::test]
async fn an_applied_event_is_logged_once_with_both_record_ids_and_no_colour_codes() {
    let sandbox = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let config = write_sandbox_config(dir.path(), &sandbox);
    let mut child = tokio::process::Command::new(crate::helpers::binary_path())
        .args(["serve", "--config"])
        .arg(&config)
        .env_remove("RUST_LOG")
        .env_remove("NO_COLOR")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = tokio::io::BufReader::new(child.stderr.take().unwrap()).lines();
    let mut seen = Vec::new();

    let listening = wait_for_raw_line(&mut lines, &mut seen, "tandem is listening").await;
    assert!(
        !listening.contains('\x1b'),
        "an escape code in {listening:?}"
    );
    let address = listening
        .split_whitespace()
        .find_map(|field| field.strip_prefix("address="))
        .unwrap_or_else(|| panic!("no address in {listening:?}"))
        .to_owned();
    sandbox.set_echo_targets(EchoConfig {
        netsuite_events_url: Some(format!("http://{address}/webhooks/netsuite/events")),
        salesforce_outbound_url: Some(format!(
            "http://{address}/webhooks/salesforce/outbound-message"
        )),
    });

    // A human edit of an Account in Salesforce: its Outbound Message reaches tandem, which
    // creates the customer in NetSuite.
    let http = reqwest::Client::new();
    let accounts: serde_json::Value = http
        .get(format!(
            "{}/_sandbox/records/Account",
            sandbox.salesforce_url
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let accounts = accounts
        .as_array()
        .cloned()
        .or_else(|| accounts["records"].as_array().cloned())
        .unwrap();
    let account_id = accounts
        .iter()
        .find(|a| a["Name"] == "Globex GmbH")
        .and_then(|a| a["Id"].as_str())
        .expect("the sandbox holds Globex GmbH")
        .to_owned();
    let response = http
        .patch(format!(
            "{}/_sandbox/records/Account/{account_id}",
            sandbox.salesforce_url
        ))
        .json(&json!({ "Phone": "+49 30 5550 100" }))
        .send()
        .await
        .unwrap();
    assert!(response.status().is_success(), "{}", response.status());

    let applied = wait_for_raw_line(&mut lines, &mut seen, "applied event").await;
    let customer_id = eventually("the customer in NetSuite", || async {
        let customers: serde_json::Value = http
            .get(format!(
                "{}/_sandbox/records/customer",
                sandbox.netsuite_url
            ))
            .send()
            .await
            .ok()?
            .json()
            .await
            .ok()?;
        let customers = customers
            .as_array()
            .cloned()
            .or_else(|| customers["items"].as_array().cloned())?;
        customers
            .iter()
            .find(|c| c["externalId"] == account_id.as_str())
            .and_then(|c| c["id"].as_str())
            .map(str::to_owned)
    })
    .await;

    assert!(applied.contains(" INFO "), "{applied}");
    for field in [
        "flow=account_to_customer".to_owned(),
        "source=salesforce".to_owned(),
        format!("source_id={account_id}"),
        "target=netsuite".to_owned(),
        format!("target_id={customer_id}"),
        "outcome=written".to_owned(),
    ] {
        assert!(applied.contains(&field), "{field} missing from {applied}");
    }
    // The event's span carries the record id too, so the lines logged while applying it
    // (warnings, retries) can be traced to the record.
    assert!(
        applied.contains(&format!("record_id={account_id}")),
        "{applied}"
    );

    child.kill().await.unwrap();
    while let Ok(Ok(Some(line))) =
        tokio::time::timeout(Duration::from_secs(10), lines.next_line()).await
    {
        seen.push(line);
    }
    for line in &seen {
        assert!(!line.contains('\x1b'), "an escape code in {line:?}");
    }
    sandbox.stop().await;
}
