//! What a Salesforce client needs to know: org, token endpoint, API version, credentials, timeout.

use crate::config::{SalesforceAuth, SalesforceConfig, Secret};
use crate::connectors::error::{ConnectorError, ErrorClass, System};
use std::time::Duration;
use url::Url;

/// How long one HTTP request may take, token requests included, unless set otherwise.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// Everything [`super::SalesforceClient::new`] needs. `Debug` never shows a secret.
#[derive(Debug, Clone)]
pub struct SalesforceSettings {
    /// The org's My Domain URL; the API base until a token response names another.
    pub instance_url: Url,
    /// OAuth token endpoint. `None`: `<instance_url>/services/oauth2/token`.
    pub token_url: Option<Url>,
    /// REST API version without the `v`, e.g. `67.0`.
    pub api_version: String,
    pub credentials: SalesforceCredentials,
    /// Limit for each HTTP request, from connect to the last body byte.
    pub timeout: Duration,
}

/// The OAuth 2.0 server-to-server flow and what it signs in with.
#[derive(Debug, Clone)]
pub enum SalesforceCredentials {
    /// Client credentials flow: the connected app's consumer key and secret.
    ClientCredentials {
        client_id: String,
        client_secret: Secret,
    },
    /// JWT bearer flow: an RS256 assertion for `username`, signed with the PEM private key whose
    /// certificate is on the connected app.
    JwtBearer {
        client_id: String,
        username: String,
        private_key_pem: Secret,
    },
}

impl SalesforceSettings {
    /// Settings with the default token URL, API version `67.0` and a 30 second timeout.
    pub fn new(instance_url: Url, credentials: SalesforceCredentials) -> Self {
        Self {
            instance_url,
            token_url: None,
            api_version: "67.0".into(),
            credentials,
            timeout: DEFAULT_TIMEOUT,
        }
    }

    /// Reads `[salesforce]`, including the private key file for `jwt_bearer`. A missing or
    /// unusable value is a permanent error naming its key.
    pub fn from_config(config: &SalesforceConfig) -> Result<Self, ConnectorError> {
        let instance_url = parse_url(
            "salesforce.instance_url",
            required("salesforce.instance_url", config.instance_url.as_ref())?,
        )?;
        let token_url = config
            .token_url
            .as_deref()
            .map(|url| parse_url("salesforce.token_url", url))
            .transpose()?;
        let client_id = required("salesforce.client_id", config.client_id.as_ref())?.clone();
        let credentials = match config.auth {
            SalesforceAuth::ClientCredentials => SalesforceCredentials::ClientCredentials {
                client_id,
                client_secret: required("salesforce.client_secret", config.client_secret.as_ref())?
                    .clone(),
            },
            SalesforceAuth::JwtBearer => {
                let path = required(
                    "salesforce.private_key_path",
                    config.private_key_path.as_ref(),
                )?;
                let pem = std::fs::read_to_string(path).map_err(|error| {
                    invalid(format!(
                        "salesforce.private_key_path: cannot read {}: {error}",
                        path.display()
                    ))
                })?;
                SalesforceCredentials::JwtBearer {
                    client_id,
                    username: required("salesforce.username", config.username.as_ref())?.clone(),
                    private_key_pem: Secret::from(pem),
                }
            }
        };
        Ok(Self {
            instance_url,
            token_url,
            api_version: config.api_version.clone(),
            credentials,
            timeout: DEFAULT_TIMEOUT,
        })
    }

    /// The configured token endpoint, or the instance's own.
    pub fn token_url(&self) -> Result<Url, ConnectorError> {
        match &self.token_url {
            Some(url) => Ok(url.clone()),
            None => join(&self.instance_url, "/services/oauth2/token"),
        }
    }
}

/// `base` followed by `path` (which starts with `/`), keeping any path prefix `base` has.
pub(super) fn join(base: &Url, path: &str) -> Result<Url, ConnectorError> {
    let text = format!("{}{path}", base.as_str().trim_end_matches('/'));
    Url::parse(&text).map_err(|error| invalid(format!("cannot build a request URL: {error}")))
}

fn required<'a, T>(key: &str, value: Option<&'a T>) -> Result<&'a T, ConnectorError> {
    value.ok_or_else(|| invalid(format!("{key} is not set")))
}

fn parse_url(key: &str, value: &str) -> Result<Url, ConnectorError> {
    Url::parse(value).map_err(|error| invalid(format!("{key}: {error}")))
}

fn invalid(message: String) -> ConnectorError {
    ConnectorError::new(System::Salesforce, ErrorClass::Permanent, message)
}
