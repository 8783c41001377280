//! `tandem doctor` as an admin runs it: the real `tandem sandbox` binary (some runs without a
//! custom field), a config pointing at it, and the real `tandem doctor` binary, whose checklist
//! and exit code say what is missing, and which writes nothing to either system.

use crate::helpers::binary_path;
use crate::sandbox_binary::{SandboxBinary, assert_read_only};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::time::Duration;
use tandem::sandbox::SandboxCredentials;

/// A config for the sandbox's default credentials, queue and store under `dir`.
fn write_config(dir: &Path, sandbox: &SandboxBinary) -> PathBuf {
    let text = crate::helpers::sandbox_config_toml(dir, &sandbox.salesforce, &sandbox.netsuite);
    let path = dir.join("tandem.toml");
    std::fs::write(&path, text).unwrap();
    path
}

/// Runs `tandem doctor --config <path> [args]`: exit code and stdout.
async fn doctor(config: &Path, args: &[&str]) -> (i32, String) {
    let run = tokio::process::Command::new(binary_path())
        .arg("doctor")
        .arg("--config")
        .arg(config)
        .args(args)
        .env_remove("RUST_LOG")
        .current_dir(config.parent().unwrap())
        .kill_on_drop(true)
        .output();
    let output = tokio::time::timeout(Duration::from_secs(60), run)
        .await
        .expect("doctor finishes within 60 s")
        .unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    (output.status.code().unwrap_or(-1), stdout)
}

fn mark_lines(text: &str, mark: char) -> Vec<&str> {
    text.lines()
        .filter(|line| line.trim_start().starts_with(mark))
        .collect()
}

#[tokio::test]
async fn doctor_passes_every_check_against_a_fully_set_up_sandbox_and_writes_nothing() {
    let sandbox = SandboxBinary::start(&[]).await;
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), &sandbox);
    let (code, text) = doctor(&config, &[]).await;
    assert_eq!(code, 0, "{text}");
    assert!(mark_lines(&text, '✗').is_empty(), "{text}");
    let passed = mark_lines(&text, '✓');
    for expected in [
        "✓ token: signed in with the client credentials flow",
        "✓ API version 67.0 is offered by the org",
        "✓ Account.NetSuite_Id__c (written, External ID)",
        "✓ Opportunity.NetSuite_Sales_Order_Id__c (written, External ID)",
        "✓ token: signed in with token-based authentication (TBA)",
        "✓ customer.custentity_sf_account_id (custom field)",
        "✓ queue reachable (embedded)",
    ] {
        assert!(
            passed.iter().any(|line| line.trim() == expected),
            "{expected:?} in\n{text}"
        );
    }
    assert!(text.ends_with("All checks passed.\n"), "{text}");
    assert!(
        !text.contains(&SandboxCredentials::default().salesforce_client_secret),
        "no secret is printed"
    );
    assert_read_only(&sandbox.requests().await, "doctor");
}

#[tokio::test]
async fn doctor_names_a_missing_salesforce_field_with_its_fix_and_exits_1() {
    let sandbox = SandboxBinary::start(&["salesforce:Account.NetSuite_Id__c"]).await;
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), &sandbox);
    let (code, text) = doctor(&config, &[]).await;
    assert_eq!(code, 1, "{text}");
    let failed = mark_lines(&text, '✗');
    assert_eq!(
        failed.iter().map(|line| line.trim()).collect::<Vec<_>>(),
        ["✗ Account.NetSuite_Id__c does not exist"],
        "{text}"
    );
    assert!(
        text.contains(
            "→ create Account.NetSuite_Id__c in Setup > Object Manager > Account > Fields & Relationships: Text(64), External ID, Unique"
        ),
        "{text}"
    );
    assert!(
        text.contains("✓ Contact.NetSuite_Id__c"),
        "the Contact field is still there"
    );
    assert!(text.ends_with("1 check failed.\n"), "{text}");
    assert_read_only(&sandbox.requests().await, "doctor");
}

#[tokio::test]
async fn doctor_names_a_missing_netsuite_custom_field_and_says_so_in_json_too() {
    let sandbox = SandboxBinary::start(&["netsuite:customer.custentity_sf_account_id"]).await;
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), &sandbox);
    let (code, text) = doctor(&config, &[]).await;
    assert_eq!(code, 1, "{text}");
    let failed = mark_lines(&text, '✗');
    assert_eq!(
        failed.iter().map(|line| line.trim()).collect::<Vec<_>>(),
        ["✗ customer.custentity_sf_account_id does not exist"],
        "{text}"
    );
    assert!(
        text.contains("→ create the Entity Field with ID custentity_sf_account_id in Customization > Lists, Records, & Fields > Entity Fields"),
        "{text}"
    );
    let (code, json) = doctor(&config, &["--output", "json"]).await;
    assert_eq!(code, 1);
    let report: Value = serde_json::from_str(&json).unwrap();
    assert_eq!(report["passed"], false);
    let failures: Vec<&Value> = report["sections"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|section| section["checks"].as_array().unwrap())
        .filter(|check| check["status"] == "fail")
        .collect();
    assert_eq!(failures.len(), 1);
    assert_eq!(
        failures[0]["text"],
        "customer.custentity_sf_account_id does not exist"
    );
    assert_read_only(&sandbox.requests().await, "doctor");
}

#[tokio::test]
async fn doctor_exits_2_on_a_config_that_does_not_load() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tandem.toml");
    std::fs::write(&path, "[salesforce]\napi_version = \"sixty-seven\"\n").unwrap();
    let (code, text) = doctor(&path, &[]).await;
    assert_eq!(code, 2);
    assert!(text.is_empty(), "nothing on stdout: {text}");
}

#[tokio::test]
async fn doctor_fails_the_budget_line_when_little_of_the_daily_api_allocation_is_left() {
    let sandbox = SandboxBinary::start(&[]).await;
    let spent = reqwest::Client::new()
        .put(format!("{}/_sandbox/api-usage", sandbox.salesforce))
        .json(&serde_json::json!({ "used": 14_000 }))
        .send()
        .await
        .unwrap();
    assert_eq!(spent.status(), 200);
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), &sandbox);
    let (code, text) = doctor(&config, &[]).await;
    assert_eq!(code, 1, "{text}");
    let failed = mark_lines(&text, '✗');
    assert_eq!(failed.len(), 1, "{text}");
    assert!(
        failed[0].trim().starts_with("✗ daily API requests: 99"),
        "{text}"
    );
    assert!(failed[0].trim().ends_with("of 15000 left (6%)"), "{text}");
}
