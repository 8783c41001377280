//! `tandem check` and `tandem serve` with the real binary: the same faults give the same line and
//! exit code from both, before anything starts.

use crate::helpers::{binary_path, write_config};
use std::path::{Path, PathBuf};
use std::time::Duration;
use tokio::io::AsyncBufReadExt;

const SF_SECRET: &str = "sf-client-secret-do-not-print";
const TOKEN_SECRET: &str = "ns-token-secret-do-not-print";

/// The environment that completes a config with both systems and their secrets.
fn credentials() -> Vec<(&'static str, String)> {
    vec![
        ("TANDEM_SALESFORCE__CLIENT_SECRET", SF_SECRET.into()),
        (
            "TANDEM_NETSUITE__CONSUMER_SECRET",
            "ns-consumer-secret".into(),
        ),
        ("TANDEM_NETSUITE__TOKEN_SECRET", TOKEN_SECRET.into()),
    ]
}

/// Appends `extra` sections to the tests' usual config.
fn config_with(dir: &Path, extra: &str) -> PathBuf {
    let path = write_config(dir);
    let mut text = std::fs::read_to_string(&path).unwrap();
    text.push_str(extra);
    std::fs::write(&path, text).unwrap();
    path
}

/// Both systems configured; secrets come from `credentials()`.
fn synced_sections(salesforce: &str, netsuite: &str) -> String {
    format!(
        "\n[salesforce]\ninstance_url = \"https://acme.my.salesforce.com\"\n{salesforce}\n\
         [netsuite]\nbase_url = \"https://123456.suitetalk.api.netsuite.com\"\naccount_id = \"123456\"\n{netsuite}\n"
    )
}

struct Run {
    code: Option<i32>,
    stderr: String,
}

/// Runs `tandem <command> --config <path>` in `dir` and waits (30 s at most) for it to exit.
async fn run(command: &str, dir: &Path, config: &Path, env: &[(&str, String)]) -> Run {
    let mut process = tokio::process::Command::new(binary_path());
    process
        .args([command, "--config"])
        .arg(config)
        .current_dir(dir)
        .env_remove("RUST_LOG")
        .kill_on_drop(true);
    for (key, value) in env {
        process.env(key, value);
    }
    let output = tokio::time::timeout(Duration::from_secs(30), process.output())
        .await
        .unwrap_or_else(|_| panic!("tandem {command} did not exit within 30 s"))
        .unwrap();
    Run {
        code: output.status.code(),
        stderr: String::from_utf8(output.stderr).unwrap(),
    }
}

/// `check` and `serve` both exit 2 with exactly `expected` on stderr, and no secret.
async fn both_refuse(dir: &Path, config: &Path, env: &[(&str, String)], expected: &str) {
    for command in ["check", "serve"] {
        let run = run(command, dir, config, env).await;
        assert_eq!(run.code, Some(2), "tandem {command}: {}", run.stderr);
        assert_eq!(run.stderr.trim_end(), expected, "tandem {command}");
        for secret in [SF_SECRET, TOKEN_SECRET] {
            assert!(!run.stderr.contains(secret), "{}", run.stderr);
        }
    }
}

#[tokio::test]
async fn a_broken_mapping_file_stops_check_and_serve_alike() {
    let dir = tempfile::tempdir().unwrap();
    let mapping = dir.path().join("mapping.toml");
    std::fs::write(&mapping, "[groups\n").unwrap();
    let config = config_with(
        dir.path(),
        &format!("\n[sync]\nmapping = \"{}\"\n", mapping.display()),
    );
    let run = run("check", dir.path(), &config, &[]).await;
    let line = run.stderr.trim_end();
    assert!(
        line.starts_with(&format!(
            "config error: sync.mapping: {}: ",
            mapping.display()
        )),
        "{line}"
    );
    both_refuse(dir.path(), &config, &[], line).await;
}

#[tokio::test]
async fn a_missing_mapping_file_stops_check_and_serve_alike() {
    let dir = tempfile::tempdir().unwrap();
    let mapping = dir.path().join("absent.toml");
    let config = config_with(
        dir.path(),
        &format!("\n[sync]\nmapping = \"{}\"\n", mapping.display()),
    );
    let expected = format!(
        "config error: sync.mapping: {} does not exist",
        mapping.display()
    );
    both_refuse(dir.path(), &config, &[], &expected).await;
}

#[tokio::test]
async fn a_missing_salesforce_client_id_stops_check_and_serve_alike() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path());
    let env = [
        credentials(),
        vec![
            (
                "TANDEM_SALESFORCE__INSTANCE_URL",
                "https://acme.my.salesforce.com".into(),
            ),
            (
                "TANDEM_NETSUITE__BASE_URL",
                "https://123456.suitetalk.api.netsuite.com".into(),
            ),
            ("TANDEM_NETSUITE__ACCOUNT_ID", "123456".into()),
            ("TANDEM_NETSUITE__CONSUMER_KEY", "ck".into()),
            ("TANDEM_NETSUITE__TOKEN_ID", "ti".into()),
        ],
    ]
    .concat();
    both_refuse(
        dir.path(),
        &config,
        &env,
        "config error: salesforce.client_id: required when salesforce.auth = \"client_credentials\"",
    )
    .await;
}

#[tokio::test]
async fn a_missing_netsuite_token_secret_is_named_without_printing_the_other_secrets() {
    let dir = tempfile::tempdir().unwrap();
    // write_config has its own [salesforce] and [netsuite]: give these by environment.
    let config = write_config(dir.path());
    let env = vec![
        ("TANDEM_SALESFORCE__CLIENT_SECRET", SF_SECRET.into()),
        ("TANDEM_SALESFORCE__CLIENT_ID", "3MVG9".into()),
        (
            "TANDEM_SALESFORCE__INSTANCE_URL",
            "https://acme.my.salesforce.com".into(),
        ),
        (
            "TANDEM_NETSUITE__BASE_URL",
            "https://123456.suitetalk.api.netsuite.com".into(),
        ),
        ("TANDEM_NETSUITE__ACCOUNT_ID", "123456".into()),
        ("TANDEM_NETSUITE__CONSUMER_KEY", "ck".into()),
        (
            "TANDEM_NETSUITE__CONSUMER_SECRET",
            "ns-consumer-secret".into(),
        ),
        ("TANDEM_NETSUITE__TOKEN_ID", "ti".into()),
    ];
    both_refuse(
        dir.path(),
        &config,
        &env,
        "config error: netsuite.token_secret: required when netsuite.auth = \"tba\"",
    )
    .await;
}

#[tokio::test]
async fn one_system_configured_without_the_other_stops_check_and_serve_alike() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path());
    let env = vec![(
        "TANDEM_SALESFORCE__INSTANCE_URL",
        "https://acme.my.salesforce.com".to_owned(),
    )];
    both_refuse(
        dir.path(),
        &config,
        &env,
        "config error: netsuite.base_url: required when salesforce.instance_url is set (sync needs both systems)",
    )
    .await;
}

#[tokio::test]
async fn an_unreadable_or_invalid_key_file_stops_check_and_serve_alike() {
    let dir = tempfile::tempdir().unwrap();
    let absent = dir.path().join("absent.pem");
    let sections = synced_sections(
        "client_id = \"3MVG9\"",
        &format!(
            "auth = \"oauth2_m2m\"\nclient_id = \"m2m\"\ncertificate_id = \"kid\"\nprivate_key_path = \"{}\"",
            absent.display()
        ),
    );
    let path = dir.path().join("tandem.toml");
    std::fs::write(&path, &sections).unwrap();
    let env = credentials();
    let run = run("check", dir.path(), &path, &env).await;
    let line = run.stderr.trim_end().to_owned();
    assert!(
        line.starts_with(&format!(
            "config error: netsuite.private_key_path: cannot read {}",
            absent.display()
        )),
        "{line}"
    );
    both_refuse(dir.path(), &path, &env, &line).await;

    let garbage = dir.path().join("salesforce.pem");
    std::fs::write(&garbage, "-----BEGIN PRIVATE KEY-----\nnot base64\n").unwrap();
    let sections = synced_sections(
        &format!(
            "auth = \"jwt_bearer\"\nclient_id = \"3MVG9\"\nusername = \"integration@acme.com\"\nprivate_key_path = \"{}\"",
            garbage.display()
        ),
        "consumer_key = \"ck\"\ntoken_id = \"ti\"",
    );
    std::fs::write(&path, &sections).unwrap();
    let expected = format!(
        "config error: salesforce.private_key_path: {} is not an RSA private key in PEM",
        garbage.display()
    );
    both_refuse(dir.path(), &path, &env, &expected).await;
}

#[tokio::test]
async fn a_complete_config_with_key_files_passes_check() {
    let dir = tempfile::tempdir().unwrap();
    let keys = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/keys");
    let sections = synced_sections(
        &format!(
            "auth = \"jwt_bearer\"\nclient_id = \"3MVG9\"\nusername = \"integration@acme.com\"\nprivate_key_path = \"{}\"",
            keys.join("rsa-test-key.pem").display()
        ),
        &format!(
            "auth = \"oauth2_m2m\"\nclient_id = \"m2m\"\ncertificate_id = \"kid\"\nprivate_key_path = \"{}\"",
            keys.join("ec-test-key.pem").display()
        ),
    );
    let path = dir.path().join("tandem.toml");
    std::fs::write(&path, sections).unwrap();
    let run = run("check", dir.path(), &path, &[]).await;
    assert_eq!(run.code, Some(0), "{}", run.stderr);
}

#[tokio::test]
async fn smtp_without_tls_makes_check_and_serve_warn_about_plain_text() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path());
    let env = vec![("TANDEM_ALERTS__SMTP_TLS", "none".to_owned())];

    let quiet = run("check", dir.path(), &config, &[]).await;
    assert_eq!(quiet.code, Some(0), "{}", quiet.stderr);
    assert!(!quiet.stderr.contains("alerts"), "{}", quiet.stderr);

    let checked = run("check", dir.path(), &config, &env).await;
    assert_eq!(checked.code, Some(0), "{}", checked.stderr);
    let warning = checked.stderr.trim_end();
    assert_eq!(warning.lines().count(), 1, "{warning}");
    assert!(warning.starts_with("warning: alerts.smtp_tls"), "{warning}");
    assert!(warning.contains("plain text"), "{warning}");

    // serve prints the same line before it starts, then runs.
    let mut child = tokio::process::Command::new(binary_path())
        .args(["serve", "--config"])
        .arg(&config)
        .current_dir(dir.path())
        .env_remove("RUST_LOG")
        .env("TANDEM_ALERTS__SMTP_TLS", &env[0].1)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = tokio::io::BufReader::new(child.stderr.take().unwrap()).lines();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    let mut before_listening = Vec::new();
    loop {
        let line = tokio::time::timeout_at(deadline, lines.next_line())
            .await
            .expect("tandem serve logs that it listens within 30 s")
            .unwrap()
            .expect("tandem serve keeps running");
        if line.contains("tandem is listening") {
            break;
        }
        before_listening.push(line);
    }
    assert!(
        before_listening.iter().any(|line| line == warning),
        "{before_listening:?}"
    );
    child.kill().await.unwrap();
}

#[tokio::test]
async fn tandem_init_writes_a_config_that_passes_check_and_never_overwrites_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tandem.toml");
    let init = || {
        std::process::Command::new(binary_path())
            .args(["init", "--config"])
            .arg(&path)
            .current_dir(dir.path())
            .output()
            .unwrap()
    };
    let first = init();
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    let next = String::from_utf8(first.stdout).unwrap();
    for step in [
        "salesforce.instance_url",
        "TANDEM_NETSUITE__TOKEN_SECRET",
        "tandem check --config",
    ] {
        assert!(next.contains(step), "{next}");
    }
    let written = std::fs::read_to_string(&path).unwrap();
    let example =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("tandem.example.toml"))
            .unwrap();
    assert_eq!(written, example);

    // As written (sync off), and with both systems given by environment as the steps say.
    let plain = run("check", dir.path(), &path, &[]).await;
    assert_eq!(plain.code, Some(0), "{}", plain.stderr);
    let env = [
        credentials(),
        vec![
            (
                "TANDEM_SALESFORCE__INSTANCE_URL",
                "https://acme.my.salesforce.com".into(),
            ),
            ("TANDEM_SALESFORCE__CLIENT_ID", "3MVG9".into()),
            (
                "TANDEM_NETSUITE__BASE_URL",
                "https://123456.suitetalk.api.netsuite.com".into(),
            ),
            ("TANDEM_NETSUITE__ACCOUNT_ID", "123456".into()),
            ("TANDEM_NETSUITE__CONSUMER_KEY", "ck".into()),
            ("TANDEM_NETSUITE__TOKEN_ID", "ti".into()),
        ],
    ]
    .concat();
    let synced = run("check", dir.path(), &path, &env).await;
    assert_eq!(synced.code, Some(0), "{}", synced.stderr);
    let without_secret: Vec<_> = env
        .iter()
        .filter(|(key, _)| *key != "TANDEM_NETSUITE__TOKEN_SECRET")
        .cloned()
        .collect();
    let refused = run("check", dir.path(), &path, &without_secret).await;
    assert_eq!(refused.code, Some(2), "{}", refused.stderr);

    std::fs::write(&path, "# edited by hand\n").unwrap();
    let second = init();
    assert_eq!(second.status.code(), Some(2));
    let stderr = String::from_utf8(second.stderr).unwrap();
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    assert!(stderr.contains("already exists"), "{stderr}");
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        "# edited by hand\n"
    );
}
