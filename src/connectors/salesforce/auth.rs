//! OAuth 2.0 access tokens (client credentials or JWT bearer): fetched once, shared by every
//! caller, and replaced exactly once when Salesforce rejects the one in use.

use super::errors::{ErrorBody, parse_error_body};
use super::jwt::JwtAssertion;
use super::meter;
use super::settings::{SalesforceCredentials, SalesforceSettings};
use crate::config::Secret;
use crate::connectors::error::{ConnectorError, ErrorClass, System, class_of_status};
use crate::ops::metrics::Operation;
use reqwest::header::ACCEPT;
use serde::Deserialize;
use std::sync::Arc;
use std::time::Instant;
use tokio::sync::Mutex;
use url::Url;

const JWT_BEARER: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";

/// A token and the instance it is good for. `Debug` never shows the token.
pub(super) struct AccessToken {
    /// Which fetch produced it, so a rejection only discards the token that was rejected.
    generation: u64,
    value: Secret,
    /// The API base named by the token response, when it named one.
    pub(super) instance_url: Option<Url>,
}

impl AccessToken {
    pub(super) fn secret(&self) -> &str {
        self.value.expose()
    }
}

impl std::fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccessToken")
            .field("generation", &self.generation)
            .field("instance_url", &self.instance_url.as_ref().map(Url::as_str))
            .finish_non_exhaustive()
    }
}

#[derive(Debug)]
enum Grant {
    ClientCredentials {
        client_id: String,
        client_secret: Secret,
    },
    JwtBearer(JwtAssertion),
}

#[derive(Default)]
struct Cache {
    current: Option<Arc<AccessToken>>,
    generation: u64,
}

/// The shared token. The lock is held while fetching, so callers that find no token wait for
/// the one fetch in flight instead of starting their own.
#[derive(Debug)]
pub(super) struct TokenSource {
    http: reqwest::Client,
    token_url: Url,
    grant: Grant,
    cache: Mutex<Cache>,
}

impl std::fmt::Debug for Cache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cache")
            .field("generation", &self.generation)
            .finish_non_exhaustive()
    }
}

#[derive(Deserialize)]
struct TokenResponse {
    access_token: String,
    instance_url: Option<String>,
    token_type: Option<String>,
    /// Epoch milliseconds, as a string.
    issued_at: Option<String>,
}

impl TokenSource {
    pub(super) fn new(
        http: reqwest::Client,
        settings: &SalesforceSettings,
    ) -> Result<Self, ConnectorError> {
        let token_url = settings.token_url()?;
        let grant = match &settings.credentials {
            SalesforceCredentials::ClientCredentials {
                client_id,
                client_secret,
            } => Grant::ClientCredentials {
                client_id: client_id.clone(),
                client_secret: client_secret.clone(),
            },
            SalesforceCredentials::JwtBearer {
                client_id,
                username,
                private_key_pem,
            } => Grant::JwtBearer(JwtAssertion::new(
                client_id,
                username,
                private_key_pem,
                &token_url,
            )?),
        };
        Ok(Self {
            http,
            token_url,
            grant,
            cache: Mutex::new(Cache::default()),
        })
    }

    /// The cached token, fetching one first if there is none.
    pub(super) async fn current(&self) -> Result<Arc<AccessToken>, ConnectorError> {
        let mut cache = self.cache.lock().await;
        if let Some(token) = &cache.current {
            return Ok(Arc::clone(token));
        }
        let generation = cache.generation + 1;
        let started = Instant::now();
        let result = self.fetch(generation).await;
        meter::record_call(Operation::Token, &result, started.elapsed());
        let token = Arc::new(result?);
        cache.generation = generation;
        cache.current = Some(Arc::clone(&token));
        Ok(token)
    }

    /// Drops `rejected` if it is still the cached token. Callers that were refused the same
    /// token find it already replaced (or being replaced), so one rejection wave costs one fetch.
    pub(super) async fn invalidate(&self, rejected: &AccessToken) {
        let mut cache = self.cache.lock().await;
        if cache
            .current
            .as_ref()
            .is_some_and(|token| token.generation == rejected.generation)
        {
            cache.current = None;
        }
    }

    async fn fetch(&self, generation: u64) -> Result<AccessToken, ConnectorError> {
        let form: Vec<(&str, String)> = match &self.grant {
            Grant::ClientCredentials {
                client_id,
                client_secret,
            } => vec![
                ("grant_type", "client_credentials".into()),
                ("client_id", client_id.clone()),
                ("client_secret", client_secret.expose().to_owned()),
            ],
            Grant::JwtBearer(assertion) => vec![
                ("grant_type", JWT_BEARER.into()),
                ("assertion", assertion.sign(chrono::Utc::now())?),
            ],
        };
        let transport = |error| ConnectorError::transport(System::Salesforce, error);
        let response = self
            .http
            .post(self.token_url.clone())
            .header(ACCEPT, "application/json")
            .form(&form)
            .send()
            .await
            .map_err(transport)?;
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = response.bytes().await.map_err(transport)?;
        if !(200..300).contains(&status) {
            return Err(token_error(status, &body).with_retry_after(&headers));
        }
        let answer: TokenResponse = serde_json::from_slice(&body).map_err(|_| {
            ConnectorError::new(
                System::Salesforce,
                ErrorClass::Retry,
                "the token endpoint answered without a readable token",
            )
            .with_status(status)
        })?;
        if let Some(kind) = &answer.token_type
            && !kind.eq_ignore_ascii_case("bearer")
        {
            return Err(ConnectorError::new(
                System::Salesforce,
                ErrorClass::Permanent,
                format!("the token endpoint issued a {kind} token; only Bearer is supported"),
            ));
        }
        let instance_url = answer
            .instance_url
            .as_deref()
            .map(Url::parse)
            .transpose()
            .map_err(|error| {
                ConnectorError::new(
                    System::Salesforce,
                    ErrorClass::Permanent,
                    format!("the token response's instance_url is not a URL: {error}"),
                )
            })?;
        tracing::debug!(
            generation,
            issued_at = answer.issued_at.as_deref(),
            "fetched a Salesforce access token"
        );
        Ok(AccessToken {
            generation,
            value: Secret::from(answer.access_token),
            instance_url,
        })
    }
}

/// A refused token request. `invalid_grant`, `invalid_client` and `unauthorized_client` mean the
/// credentials or the app's set-up are wrong (`RefreshAuth`: a human must act); other 4xx mean
/// the request itself is wrong; 5xx and 429 are transient.
fn token_error(status: u16, body: &[u8]) -> ConnectorError {
    let (code, description) = match parse_error_body(body) {
        ErrorBody::Items(items) => items
            .into_iter()
            .next()
            .map(|item| (item.error_code, item.message))
            .unwrap_or_default(),
        ErrorBody::Text(text) => (String::new(), text),
        ErrorBody::Matches(_) => Default::default(),
    };
    let class = match (status, code.as_str()) {
        (_, "invalid_grant" | "invalid_client" | "unauthorized_client") => ErrorClass::RefreshAuth,
        (400..=499, _) if !matches!(status, 401 | 408 | 429) => ErrorClass::Permanent,
        _ => class_of_status(status),
    };
    let message = if description.is_empty() {
        format!("the token endpoint refused the request (HTTP {status})")
    } else {
        format!("the token endpoint refused the request: {description}")
    };
    let error = ConnectorError::new(System::Salesforce, class, message).with_status(status);
    if code.is_empty() {
        error
    } else {
        error.with_code(code)
    }
}
