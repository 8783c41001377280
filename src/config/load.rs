//! Reading the configuration: TOML file, then `TANDEM_<SECTION>__<KEY>` environment overrides.

use super::Config;
use figment::providers::{Format, Toml};
use figment::value::{Dict, Map, Value};
use figment::{Figment, Metadata, Profile, Provider};
use std::path::Path;

/// A configuration that cannot be used, with the key at fault. Displays as one line.
#[derive(Debug, thiserror::Error)]
#[error("config error: {key}: {reason}")]
pub struct ConfigError {
    pub key: String,
    pub reason: String,
}

impl ConfigError {
    pub fn new(key: impl Into<String>, reason: impl Into<String>) -> Self {
        Self {
            key: key.into(),
            reason: reason.into(),
        }
    }
}

/// Loads `path` (when given; a missing file is an error) and the environment, then validates.
pub fn load(path: Option<&Path>) -> Result<Config, ConfigError> {
    load_from(path, std::env::vars())
}

pub(crate) fn load_from(
    path: Option<&Path>,
    env: impl IntoIterator<Item = (String, String)>,
) -> Result<Config, ConfigError> {
    let mut figment = Figment::new();
    if let Some(path) = path {
        if !path.is_file() {
            return Err(ConfigError::new(
                "--config",
                format!("{} does not exist or is not a file", path.display()),
            ));
        }
        figment = figment.merge(Toml::file_exact(path));
    }
    extracted(figment.merge(EnvOverrides::collect(env)))
}

/// A config from TOML text alone (no file, no environment), validated: for tools and tests.
pub fn load_str(text: &str) -> Result<Config, ConfigError> {
    extracted(Figment::new().merge(Toml::string(text)))
}

fn extracted(figment: Figment) -> Result<Config, ConfigError> {
    let config: Config = figment.extract().map_err(one_line)?;
    config.validate()?;
    Ok(config)
}

/// Turns figment's error into `section.key: reason` without echoing the offending value,
/// which may be a secret.
fn one_line(error: figment::Error) -> ConfigError {
    let key = if error.path.is_empty() {
        "config".to_owned()
    } else {
        error.path.join(".")
    };
    let reason = match &error.kind {
        figment::error::Kind::InvalidType(actual, expected) => {
            format!("expected {expected}, found {}", actual_kind(actual))
        }
        figment::error::Kind::InvalidValue(_, expected) => format!("expected {expected}"),
        // figment's path already ends with the unknown field.
        figment::error::Kind::UnknownField(_, _) => "unknown key".to_owned(),
        figment::error::Kind::Message(message) => message.clone(),
        other => other.to_string(),
    };
    let source = error
        .metadata
        .as_ref()
        .map(|meta| format!(" (from {})", meta.name))
        .unwrap_or_default();
    ConfigError::new(key, format!("{reason}{source}"))
}

fn actual_kind(actual: &figment::error::Actual) -> &'static str {
    use figment::error::Actual;
    match actual {
        Actual::Bool(_) => "a boolean",
        Actual::Unsigned(_) | Actual::Signed(_) => "an integer",
        Actual::Float(_) => "a float",
        Actual::Char(_) | Actual::Str(_) => "a string",
        Actual::Seq => "a list",
        Actual::Map => "a table",
        _ => "another type",
    }
}

/// `TANDEM_NETSUITE__TOKEN_SECRET=…` → `netsuite.token_secret`. Values stay text; typed fields
/// parse them (figment converts `"10"` to a number where a number is expected).
struct EnvOverrides(Dict);

impl EnvOverrides {
    fn collect(env: impl IntoIterator<Item = (String, String)>) -> Self {
        let mut root = Dict::new();
        'variables: for (name, value) in env {
            let Some(rest) = name.strip_prefix("TANDEM_") else {
                continue;
            };
            let Some((section, key)) = rest.split_once("__") else {
                continue;
            };
            // `TANDEM_SALESFORCE__PUBSUB__ENABLED` reaches `salesforce.pubsub.enabled`.
            let mut path: Vec<String> = key.split("__").map(str::to_ascii_lowercase).collect();
            let Some(key) = path.pop() else {
                continue;
            };
            let mut table = &mut root;
            for name in std::iter::once(section.to_ascii_lowercase()).chain(path) {
                let entry = table
                    .entry(name)
                    .or_insert_with(|| Value::from(Dict::new()));
                let Value::Dict(_, inner) = entry else {
                    continue 'variables;
                };
                table = inner;
            }
            table.insert(key, Value::from(value));
        }
        EnvOverrides(root)
    }
}

impl Provider for EnvOverrides {
    fn metadata(&self) -> Metadata {
        Metadata::named("environment variable")
    }

    fn data(&self) -> Result<Map<Profile, Dict>, figment::Error> {
        Ok(Profile::Default.collect(self.0.clone()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn toml_file(text: &str) -> tempfile::NamedTempFile {
        let mut file = tempfile::NamedTempFile::new().unwrap();
        file.write_all(text.as_bytes()).unwrap();
        file
    }

    #[test]
    fn an_empty_config_takes_every_default() {
        let config = load_from(None, env(&[])).unwrap();
        assert_eq!(config.netsuite.concurrency, 10);
        assert_eq!(config.server.max_body_bytes, 4 * 1024 * 1024);
        assert_eq!(config.server.outbound_message_max_body_bytes, 1024 * 1024);
        assert_eq!(config.server.max_buffered_body_bytes, 64 * 1024 * 1024);
        assert_eq!(config.store.url.expose(), "sqlite://tandem.db");
    }

    #[test]
    fn a_body_budget_smaller_than_one_body_is_refused_by_name() {
        let text = load_from(
            None,
            env(&[("TANDEM_SERVER__MAX_BUFFERED_BODY_BYTES", "1048576")]),
        )
        .unwrap_err()
        .to_string();
        assert!(text.contains("server.max_buffered_body_bytes"), "{text}");
        let text = load_from(
            None,
            env(&[("TANDEM_SERVER__OUTBOUND_MESSAGE_MAX_BODY_BYTES", "100")]),
        )
        .unwrap_err()
        .to_string();
        assert!(
            text.contains("server.outbound_message_max_body_bytes"),
            "{text}"
        );
    }

    #[test]
    fn environment_overrides_the_file_and_numbers_and_lists_parse_from_text() {
        let file = toml_file("[netsuite]\nconcurrency = 4\naccount_id = \"1\"\n");
        let config = load_from(
            Some(file.path()),
            env(&[
                ("TANDEM_NETSUITE__CONCURRENCY", "7"),
                ("TANDEM_NETSUITE__ACCOUNT_ID", "123456"),
                (
                    "TANDEM_NETSUITE__WEBHOOK_SECRETS",
                    "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw,whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD",
                ),
                ("TANDEM_SERVER__ADMIN_TOKEN", "12345678901234567890"),
                ("TANDEM_SYNC__COALESCE_WINDOW", "5s"),
                ("UNRELATED", "x"),
            ]),
        )
        .unwrap();
        assert_eq!(config.netsuite.concurrency, 7);
        assert_eq!(config.netsuite.account_id.as_deref(), Some("123456"));
        assert_eq!(config.netsuite.webhook_secrets.len(), 2);
        assert_eq!(
            config.server.admin_token.unwrap().expose(),
            "12345678901234567890"
        );
        assert_eq!(config.sync.coalesce_window.as_secs(), 5);
    }

    #[test]
    fn a_wrong_type_names_the_key_in_one_line() {
        let error = load_from(None, env(&[("TANDEM_NETSUITE__CONCURRENCY", "lots")])).unwrap_err();
        let text = error.to_string();
        assert!(
            text.starts_with("config error: netsuite.concurrency:"),
            "{text}"
        );
        assert!(!text.contains('\n'), "{text}");
    }

    #[test]
    fn an_unknown_key_is_refused_by_name() {
        let file = toml_file("[server]\nlisten_port = 1\n");
        let text = load_from(Some(file.path()), env(&[]))
            .unwrap_err()
            .to_string();
        assert!(text.contains("server.listen_port: unknown key"), "{text}");
    }

    #[test]
    fn a_missing_file_is_an_error() {
        let text = load_from(Some(Path::new("/nonexistent/tandem.toml")), env(&[]))
            .unwrap_err()
            .to_string();
        assert!(text.contains("does not exist"), "{text}");
    }

    #[test]
    fn errors_never_echo_a_secret_value() {
        let file = toml_file("[server]\nadmin_token = [\"s3cr3t-value\"]\n");
        let text = load_from(Some(file.path()), env(&[]))
            .unwrap_err()
            .to_string();
        assert!(text.contains("server.admin_token"), "{text}");
        assert!(!text.contains("s3cr3t-value"), "{text}");
    }
}
