//! What a `NetsuiteClient` needs, and how `[netsuite]` in the config file provides it.

use super::m2m::M2mCredentials;
use super::tba::TbaCredentials;
use crate::config::{NetsuiteAuth, NetsuiteConfig, Secret};
use crate::connectors::error::{ConnectorError, ErrorClass, System};
use std::time::Duration;

pub const DEFAULT_CONCURRENCY: usize = 10;
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// One NetSuite account and how to reach it.
#[derive(Debug, Clone)]
pub struct NetsuiteSettings {
    /// `123456`, or `123456_SB1` for a sandbox: the OAuth 1.0a realm.
    pub account_id: String,
    /// The account's REST host root from the Company URLs subtab, e.g.
    /// `https://123456-sb1.suitetalk.api.netsuite.com` (never derived from the account id).
    pub base_url: String,
    pub credentials: NetsuiteCredentials,
    /// Requests in flight at once against the account (tandem's share of its limit).
    pub concurrency: usize,
    /// Per-request timeout, connection to last byte.
    pub timeout: Duration,
}

/// TBA (OAuth 1.0a) or M2M (OAuth 2.0 client credentials with a JWT assertion).
#[derive(Debug, Clone)]
pub enum NetsuiteCredentials {
    Tba(TbaCredentials),
    M2m(M2mCredentials),
}

impl NetsuiteSettings {
    /// Settings with the default concurrency (10) and timeout (30 s).
    pub fn new(
        account_id: impl Into<String>,
        base_url: impl Into<String>,
        credentials: NetsuiteCredentials,
    ) -> Self {
        Self {
            account_id: account_id.into(),
            base_url: base_url.into(),
            credentials,
            concurrency: DEFAULT_CONCURRENCY,
            timeout: DEFAULT_TIMEOUT,
        }
    }

    /// The realm: the account id in upper case with an underscore before the sandbox suffix
    /// (`123456-sb1` and `123456_sb1` both give `123456_SB1`).
    pub fn realm(&self) -> String {
        self.account_id
            .trim()
            .to_ascii_uppercase()
            .replace('-', "_")
    }

    /// Reads `[netsuite]`; a missing value is an error naming its key. For M2M the private
    /// key file is read here, so a wrong path fails at start.
    pub fn from_config(config: &NetsuiteConfig) -> Result<Self, ConnectorError> {
        let account_id = text(&config.account_id, "account_id")?;
        let base_url = text(&config.base_url, "base_url")?;
        if config.concurrency == 0 {
            return Err(config_error("netsuite.concurrency must be at least 1"));
        }
        let credentials = match config.auth {
            NetsuiteAuth::Tba => NetsuiteCredentials::Tba(TbaCredentials {
                consumer_key: text(&config.consumer_key, "consumer_key")?,
                consumer_secret: secret(&config.consumer_secret, "consumer_secret")?,
                token_id: text(&config.token_id, "token_id")?,
                token_secret: secret(&config.token_secret, "token_secret")?,
            }),
            NetsuiteAuth::Oauth2M2m => {
                let client_id = text(&config.client_id, "client_id")?;
                let certificate_id = text(&config.certificate_id, "certificate_id")?;
                let path = config
                    .private_key_path
                    .as_ref()
                    .ok_or_else(|| missing("private_key_path"))?;
                let pem = std::fs::read_to_string(path).map_err(|error| {
                    config_error(format!(
                        "netsuite.private_key_path: cannot read {}: {error}",
                        path.display()
                    ))
                })?;
                NetsuiteCredentials::M2m(M2mCredentials {
                    client_id,
                    certificate_id,
                    private_key_pem: Secret::from(pem),
                })
            }
        };
        Ok(Self {
            concurrency: usize::from(config.concurrency),
            ..Self::new(account_id, base_url, credentials)
        })
    }
}

fn text(value: &Option<String>, key: &str) -> Result<String, ConnectorError> {
    match value.as_deref().map(str::trim) {
        Some(value) if !value.is_empty() => Ok(value.to_owned()),
        _ => Err(missing(key)),
    }
}

fn secret(value: &Option<Secret>, key: &str) -> Result<Secret, ConnectorError> {
    match value {
        Some(value) if !value.expose().trim().is_empty() => Ok(value.clone()),
        _ => Err(missing(key)),
    }
}

fn missing(key: &str) -> ConnectorError {
    config_error(format!(
        "netsuite.{key} is not set (config file or TANDEM_NETSUITE__{})",
        key.to_ascii_uppercase()
    ))
}

pub(super) fn config_error(message: impl Into<String>) -> ConnectorError {
    ConnectorError::new(System::Netsuite, ErrorClass::Permanent, message)
}
