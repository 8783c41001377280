//! The configs shipped under `deploy/` load in the real binary: the Kubernetes ConfigMap's
//! tandem.toml, with the Secret's variables, passes `tandem check`.

use crate::helpers::binary_path;
use std::path::Path;

const REPO: &str = env!("CARGO_MANIFEST_DIR");

/// The block under `tandem.toml: |` in the ConfigMap, unindented.
fn configmap_toml(manifest: &str) -> String {
    let mut lines = manifest
        .lines()
        .skip_while(|line| line.trim() != "tandem.toml: |");
    lines.next().expect("the ConfigMap holds tandem.toml");
    lines
        .take_while(|line| line.is_empty() || line.starts_with("    "))
        .map(|line| line.get(4..).unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The `TANDEM_…` entries of the Secret's `stringData`.
fn secret_variables(manifest: &str) -> Vec<(String, String)> {
    manifest
        .lines()
        .filter_map(|line| line.trim().split_once(": "))
        .filter(|(key, _)| key.starts_with("TANDEM_"))
        .map(|(key, value)| {
            let value = value.split("   #").next().unwrap().trim();
            (key.to_owned(), value.to_owned())
        })
        .collect()
}

#[test]
fn the_kubernetes_config_and_secret_pass_tandem_check() {
    let kubernetes = Path::new(REPO).join("deploy/kubernetes");
    let keys = Path::new(REPO).join("tests/fixtures/keys");
    let configmap = std::fs::read_to_string(kubernetes.join("configmap.yaml")).unwrap();
    let toml = configmap_toml(&configmap)
        .replace(
            "/etc/tandem/keys/salesforce.key",
            &keys.join("rsa-test-key.pem").display().to_string(),
        )
        .replace(
            "/etc/tandem/keys/netsuite.key",
            &keys.join("ec-test-key.pem").display().to_string(),
        )
        .replace(
            "/etc/tandem/mapping.toml",
            &Path::new(REPO).join("mapping.toml").display().to_string(),
        );
    assert!(toml.contains("admin_listen = \"0.0.0.0:9091\""), "{toml}");
    let secret = std::fs::read_to_string(kubernetes.join("secret.example.yaml")).unwrap();
    let variables = secret_variables(&secret);
    assert_eq!(variables.len(), 6, "{variables:?}");

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tandem.toml");
    std::fs::write(&path, &toml).unwrap();
    let mut check = std::process::Command::new(binary_path());
    check
        .args(["check", "--config"])
        .arg(&path)
        .env_remove("RUST_LOG");
    for (key, value) in &variables {
        check.env(key, value);
    }
    let output = check.output().unwrap();
    assert!(
        output.status.success(),
        "tandem check refuses the Kubernetes config: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}
