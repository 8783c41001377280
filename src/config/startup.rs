//! What `tandem serve` needs beyond a well-formed config, checked before anything starts so
//! that `tandem check` and `serve` refuse the same files with the same line: the mapping file,
//! and, when sync runs, the credentials and key files of the configured auth modes.

use super::{
    Config, ConfigError, NetsuiteAuth, NetsuiteConfig, SalesforceAuth, SalesforceConfig, Secret,
    SmtpTls,
};
use crate::domain::mapping::Mapping;
use jsonwebtoken::EncodingKey;
use std::path::Path;

/// The mapping path that may be absent: the shipped default mapping is used instead.
const DEFAULT_MAPPING: &str = "mapping.toml";

impl Config {
    /// Everything `validate` checks, plus what starting needs: a readable, valid mapping file
    /// and, when both systems are configured (sync runs), every credential and key file their
    /// auth modes use. One system configured without the other is refused: sync would stay off.
    /// Messages name the key and never carry a secret.
    pub fn check_startup(&self) -> Result<(), ConfigError> {
        self.validate()?;
        check_mapping(&self.sync.mapping)?;
        match (&self.salesforce.instance_url, &self.netsuite.base_url) {
            (None, None) => Ok(()),
            (Some(_), None) => Err(ConfigError::new(
                "netsuite.base_url",
                "required when salesforce.instance_url is set (sync needs both systems)",
            )),
            (None, Some(_)) => Err(ConfigError::new(
                "salesforce.instance_url",
                "required when netsuite.base_url is set (sync needs both systems)",
            )),
            (Some(_), Some(_)) => {
                check_salesforce(&self.salesforce)?;
                check_netsuite(&self.netsuite)
            }
        }
    }

    /// Settings that work but deserve a second look, one line each; none carries a secret.
    pub fn startup_warnings(&self) -> Vec<String> {
        let mut warnings = Vec::new();
        if self.alerts.smtp_tls == SmtpTls::None {
            warnings.push(
                "warning: alerts.smtp_tls = \"none\": alert e-mail and the SMTP password travel in plain text; use it only with a local test server".to_owned(),
            );
        }
        warnings
    }
}

fn check_mapping(path: &Path) -> Result<(), ConfigError> {
    load_mapping(path).map(drop)
}

/// The mapping at `sync.mapping`; the shipped default when the default path has no file.
pub fn load_mapping(path: &Path) -> Result<Mapping, ConfigError> {
    if !path.exists() {
        if path == Path::new(DEFAULT_MAPPING) {
            return Ok(Mapping::shipped());
        }
        return Err(ConfigError::new(
            "sync.mapping",
            format!("{} does not exist", path.display()),
        ));
    }
    Mapping::load(path).map_err(|error| {
        let reason = error.to_string();
        let reason = reason.strip_prefix("mapping: ").unwrap_or(&reason);
        ConfigError::new("sync.mapping", format!("{}: {reason}", path.display()))
    })
}

fn check_salesforce(config: &SalesforceConfig) -> Result<(), ConfigError> {
    match config.auth {
        SalesforceAuth::ClientCredentials => {
            let mode = "salesforce.auth = \"client_credentials\"";
            required("salesforce.client_id", config.client_id.as_deref(), mode)?;
            required(
                "salesforce.client_secret",
                config.client_secret.as_ref().map(Secret::expose),
                mode,
            )
        }
        SalesforceAuth::JwtBearer => {
            let mode = "salesforce.auth = \"jwt_bearer\"";
            required("salesforce.client_id", config.client_id.as_deref(), mode)?;
            required("salesforce.username", config.username.as_deref(), mode)?;
            let path = required_path(
                "salesforce.private_key_path",
                config.private_key_path.as_deref(),
                mode,
            )?;
            let pem = read_key("salesforce.private_key_path", path)?;
            EncodingKey::from_rsa_pem(pem.as_bytes())
                .map(drop)
                .map_err(|_| {
                    ConfigError::new(
                        "salesforce.private_key_path",
                        format!("{} is not an RSA private key in PEM", path.display()),
                    )
                })
        }
    }
}

fn check_netsuite(config: &NetsuiteConfig) -> Result<(), ConfigError> {
    let secret = |value: &Option<Secret>| value.as_ref().map(Secret::expose).map(str::to_owned);
    match config.auth {
        NetsuiteAuth::Tba => {
            let mode = "netsuite.auth = \"tba\"";
            required("netsuite.account_id", config.account_id.as_deref(), mode)?;
            required(
                "netsuite.consumer_key",
                config.consumer_key.as_deref(),
                mode,
            )?;
            required(
                "netsuite.consumer_secret",
                secret(&config.consumer_secret).as_deref(),
                mode,
            )?;
            required("netsuite.token_id", config.token_id.as_deref(), mode)?;
            required(
                "netsuite.token_secret",
                secret(&config.token_secret).as_deref(),
                mode,
            )
        }
        NetsuiteAuth::Oauth2M2m => {
            let mode = "netsuite.auth = \"oauth2_m2m\"";
            // The OAuth realm and the host name need the account id whatever the auth mode.
            required("netsuite.account_id", config.account_id.as_deref(), mode)?;
            required("netsuite.client_id", config.client_id.as_deref(), mode)?;
            required(
                "netsuite.certificate_id",
                config.certificate_id.as_deref(),
                mode,
            )?;
            let path = required_path(
                "netsuite.private_key_path",
                config.private_key_path.as_deref(),
                mode,
            )?;
            let pem = read_key("netsuite.private_key_path", path)?;
            let bytes = pem.as_bytes();
            if EncodingKey::from_rsa_pem(bytes).is_ok() || EncodingKey::from_ec_pem(bytes).is_ok() {
                return Ok(());
            }
            Err(ConfigError::new(
                "netsuite.private_key_path",
                format!(
                    "{} is neither an RSA nor an EC P-256 private key in PEM",
                    path.display()
                ),
            ))
        }
    }
}

/// A value that must be set and not blank (the value itself never goes into the message).
fn required(key: &str, value: Option<&str>, mode: &str) -> Result<(), ConfigError> {
    match value.map(str::trim) {
        Some(value) if !value.is_empty() => Ok(()),
        _ => Err(ConfigError::new(key, format!("required when {mode}"))),
    }
}

fn required_path<'a>(
    key: &str,
    value: Option<&'a Path>,
    mode: &str,
) -> Result<&'a Path, ConfigError> {
    match value {
        Some(path) if !path.as_os_str().is_empty() => Ok(path),
        _ => Err(ConfigError::new(key, format!("required when {mode}"))),
    }
}

fn read_key(key: &str, path: &Path) -> Result<String, ConfigError> {
    std::fs::read_to_string(path)
        .map_err(|error| ConfigError::new(key, format!("cannot read {}: {error}", path.display())))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn synced() -> Config {
        let mut config = Config::default();
        config.salesforce.instance_url = Some("https://acme.my.salesforce.com".into());
        config.salesforce.client_id = Some("3MVG9".into());
        config.salesforce.client_secret = Some(Secret::from("sf-secret-value"));
        config.netsuite.base_url = Some("https://123456.suitetalk.api.netsuite.com".into());
        config.netsuite.account_id = Some("123456".into());
        config.netsuite.consumer_key = Some("ck".into());
        config.netsuite.consumer_secret = Some(Secret::from("cs-secret-value"));
        config.netsuite.token_id = Some("ti".into());
        config.netsuite.token_secret = Some(Secret::from("ts-secret-value"));
        config
    }

    fn key_of(config: &Config) -> String {
        config.check_startup().unwrap_err().key
    }

    #[test]
    fn a_config_without_either_system_needs_no_credentials() {
        Config::default().check_startup().unwrap();
        synced().check_startup().unwrap();
    }

    #[test]
    fn one_system_without_the_other_names_the_missing_url() {
        let mut config = synced();
        config.netsuite.base_url = None;
        assert_eq!(key_of(&config), "netsuite.base_url");
        let mut config = synced();
        config.salesforce.instance_url = None;
        assert_eq!(key_of(&config), "salesforce.instance_url");
    }

    #[test]
    fn each_auth_mode_names_its_first_missing_credential() {
        let mut config = synced();
        config.salesforce.client_secret = Some(Secret::from("  "));
        assert_eq!(key_of(&config), "salesforce.client_secret");

        let mut config = synced();
        config.salesforce.auth = SalesforceAuth::JwtBearer;
        assert_eq!(key_of(&config), "salesforce.username");
        config.salesforce.username = Some("integration@acme.com".into());
        assert_eq!(key_of(&config), "salesforce.private_key_path");

        let mut config = synced();
        config.netsuite.token_secret = None;
        assert_eq!(key_of(&config), "netsuite.token_secret");

        let mut config = synced();
        config.netsuite.auth = NetsuiteAuth::Oauth2M2m;
        assert_eq!(key_of(&config), "netsuite.client_id");
        config.netsuite.client_id = Some("m2m".into());
        assert_eq!(key_of(&config), "netsuite.certificate_id");
        config.netsuite.certificate_id = Some("kid".into());
        assert_eq!(key_of(&config), "netsuite.private_key_path");
    }

    #[test]
    fn a_key_file_must_exist_and_hold_a_private_key() {
        let dir = tempfile::tempdir().unwrap();
        let mut config = synced();
        config.netsuite.auth = NetsuiteAuth::Oauth2M2m;
        config.netsuite.client_id = Some("m2m".into());
        config.netsuite.certificate_id = Some("kid".into());
        config.netsuite.private_key_path = Some(dir.path().join("absent.pem"));
        let error = config.check_startup().unwrap_err();
        assert_eq!(error.key, "netsuite.private_key_path");
        assert!(error.reason.contains("cannot read"), "{error}");

        let garbage = dir.path().join("garbage.pem");
        std::fs::write(&garbage, "not a key at all").unwrap();
        config.netsuite.private_key_path = Some(garbage);
        let error = config.check_startup().unwrap_err();
        assert!(error.reason.contains("private key in PEM"), "{error}");
        assert!(!error.to_string().contains("not a key at all"), "{error}");

        let fixtures = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/keys");
        let key = std::fs::read_dir(&fixtures)
            .unwrap()
            .map(|entry| entry.unwrap().path())
            .find(|path| {
                std::fs::read_to_string(path).is_ok_and(|text| text.contains("BEGIN PRIVATE KEY"))
            })
            .expect("a PKCS#8 private key among the test keys");
        config.netsuite.private_key_path = Some(key);
        config.check_startup().unwrap();
    }

    #[test]
    fn credentials_never_appear_in_the_message() {
        let mut config = synced();
        config.netsuite.token_id = None;
        let text = config.check_startup().unwrap_err().to_string();
        assert_eq!(
            text,
            "config error: netsuite.token_id: required when netsuite.auth = \"tba\""
        );
        for secret in ["sf-secret-value", "cs-secret-value", "ts-secret-value"] {
            assert!(!text.contains(secret), "{text}");
        }
    }

    #[test]
    fn a_broken_or_missing_mapping_file_is_refused_by_key() {
        let dir = tempfile::tempdir().unwrap();
        let mut config = Config::default();
        config.sync.mapping = dir.path().join("absent.toml");
        let error = config.check_startup().unwrap_err();
        assert_eq!(error.key, "sync.mapping");
        assert!(error.reason.contains("does not exist"), "{error}");

        let broken = dir.path().join("broken.toml");
        std::fs::write(&broken, "[flows.account\n").unwrap();
        config.sync.mapping = broken;
        assert_eq!(key_of(&config), "sync.mapping");

        config.sync.mapping = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("mapping.toml");
        config.check_startup().unwrap();
    }

    #[test]
    fn smtp_without_tls_warns_and_nothing_else_does() {
        assert!(Config::default().startup_warnings().is_empty());
        let mut config = Config::default();
        config.alerts.webhook_url = Some(Secret::from("https://hooks.example.com/secret-path"));
        assert!(config.startup_warnings().is_empty());
        config.alerts.smtp_tls = SmtpTls::None;
        let warnings = config.startup_warnings();
        assert_eq!(warnings.len(), 1);
        assert!(warnings[0].contains("alerts.smtp_tls"), "{warnings:?}");
        assert!(!warnings[0].contains("secret-path"), "{warnings:?}");
    }
}
