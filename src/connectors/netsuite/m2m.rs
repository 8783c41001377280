//! OAuth 2.0 client credentials with a JWT client assertion (NetSuite "M2M"): mint an access
//! token, keep it until shortly before it expires, and mint once for any number of callers.
//!
//! NetSuite issues no refresh token: a new assertion is signed for every mint.

use super::errors;
use super::record::endpoint;
use super::telemetry;
use crate::config::Secret;
use crate::connectors::error::{ConnectorError, ErrorClass, System, class_of_status};
use crate::ops::metrics::{CallOutcome, Operation};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde::{Deserialize, Deserializer, Serialize};
use std::time::Duration;
use tokio::sync::Mutex;
use tokio::time::Instant;
use url::Url;

pub const SCOPE: &str = "restlets,rest_webservices";
pub const ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
/// NetSuite refuses an assertion whose `exp` is more than an hour after its `iat`.
const ASSERTION_LIFETIME_SECONDS: i64 = 3600;
/// Access tokens live an hour when the answer does not say.
const DEFAULT_TOKEN_LIFETIME: Duration = Duration::from_secs(3600);
/// A token is replaced this long before it expires, so that no request carries a token that
/// expires on the way.
const REFRESH_MARGIN: Duration = Duration::from_secs(60);

/// The integration record's client id, the certificate id from the M2M setup page and the
/// PEM private key (PKCS#8 RSA for PS256, or EC P-256 for ES256) whose certificate was uploaded.
#[derive(Debug, Clone)]
pub struct M2mCredentials {
    pub client_id: String,
    pub certificate_id: String,
    pub private_key_pem: Secret,
}

/// The claims of a client assertion.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssertionClaims {
    pub iss: String,
    pub scope: String,
    pub aud: String,
    pub iat: i64,
    pub exp: i64,
}

/// Mints and caches access tokens for one integration.
#[derive(Debug)]
pub struct TokenSource {
    http: reqwest::Client,
    token_url: Url,
    client_id: String,
    certificate_id: String,
    key: EncodingKey,
    algorithm: Algorithm,
    /// Held across a mint: callers arriving meanwhile wait and then share its token.
    cached: Mutex<Option<CachedToken>>,
}

#[derive(Debug)]
struct CachedToken {
    value: Secret,
    refresh_at: Instant,
}

#[derive(Deserialize)]
struct TokenAnswer {
    access_token: String,
    #[serde(default, deserialize_with = "seconds")]
    expires_in: Option<u64>,
}

#[derive(Deserialize)]
struct OAuthError {
    error: String,
    #[serde(default)]
    error_description: Option<String>,
}

/// `POST {base_url}/services/rest/auth/oauth2/v1/token`, which is also the assertion's `aud`.
pub fn token_url(base_url: &Url) -> Url {
    endpoint(
        base_url,
        &["services", "rest", "auth", "oauth2", "v1", "token"],
    )
}

impl TokenSource {
    /// Fails when the key is neither an RSA key (PS256) nor an EC P-256 key (ES256).
    pub fn new(
        http: reqwest::Client,
        token_url: Url,
        credentials: &M2mCredentials,
    ) -> Result<Self, ConnectorError> {
        let (key, algorithm) = signing_key(credentials.private_key_pem.expose())?;
        let source = Self {
            http,
            token_url,
            client_id: credentials.client_id.clone(),
            certificate_id: credentials.certificate_id.clone(),
            key,
            algorithm,
            cached: Mutex::new(None),
        };
        // A key that parses may still not sign (a public key, an EC key on another curve).
        source
            .assertion(chrono::Utc::now().timestamp())
            .map_err(|error| {
                ConnectorError::new(
                    System::Netsuite,
                    ErrorClass::Permanent,
                    format!(
                        "the M2M private key cannot sign {algorithm:?}: {}",
                        error.message
                    ),
                )
            })?;
        Ok(source)
    }

    /// PS256 for an RSA key, ES256 for an EC key.
    pub fn algorithm(&self) -> Algorithm {
        self.algorithm
    }

    /// A client assertion issued at `issued_at` (Unix seconds).
    pub fn assertion(&self, issued_at: i64) -> Result<String, ConnectorError> {
        let mut header = Header::new(self.algorithm);
        header.kid = Some(self.certificate_id.clone());
        let claims = AssertionClaims {
            iss: self.client_id.clone(),
            scope: SCOPE.to_owned(),
            aud: self.token_url.to_string(),
            iat: issued_at,
            exp: issued_at + ASSERTION_LIFETIME_SECONDS,
        };
        jsonwebtoken::encode(&header, &claims, &self.key).map_err(|error| {
            ConnectorError::new(
                System::Netsuite,
                ErrorClass::Permanent,
                format!("could not sign the M2M client assertion: {error}"),
            )
        })
    }

    /// The cached access token, or a new one when it is missing or about to expire.
    pub async fn access_token(&self) -> Result<Secret, ConnectorError> {
        let mut cached = self.cached.lock().await;
        if let Some(token) = cached.as_ref()
            && Instant::now() < token.refresh_at
        {
            return Ok(token.value.clone());
        }
        let token = self.mint().await?;
        let value = token.value.clone();
        *cached = Some(token);
        Ok(value)
    }

    /// Drops `refused` from the cache (NetSuite answered 401 to it), unless another caller
    /// has already replaced it.
    pub async fn invalidate(&self, refused: &Secret) {
        let mut cached = self.cached.lock().await;
        if cached
            .as_ref()
            .is_some_and(|token| token.value.expose() == refused.expose())
        {
            *cached = None;
        }
    }

    async fn mint(&self) -> Result<CachedToken, ConnectorError> {
        let requested_at = Instant::now();
        let assertion = self.assertion(chrono::Utc::now().timestamp())?;
        let form = [
            ("grant_type", "client_credentials"),
            ("client_assertion_type", ASSERTION_TYPE),
            ("client_assertion", assertion.as_str()),
        ];
        let result = async {
            let response = self
                .http
                .post(self.token_url.clone())
                .form(&form)
                .send()
                .await?;
            let status = response.status().as_u16();
            let headers = response.headers().clone();
            Ok((status, headers, response.bytes().await?))
        }
        .await;
        let (status, headers, body) = result.map_err(|error: reqwest::Error| {
            let error = ConnectorError::transport(System::Netsuite, error);
            telemetry::record(
                Operation::Token,
                CallOutcome::Failed(error.class),
                requested_at.elapsed(),
            );
            error
        })?;
        if !(200..300).contains(&status) {
            let error = token_error(status, &headers, &body);
            telemetry::record(
                Operation::Token,
                CallOutcome::Failed(error.class),
                requested_at.elapsed(),
            );
            return Err(error);
        }
        let answer: TokenAnswer = serde_json::from_slice(&body).map_err(|_| {
            // serde's message may quote the body, and the body holds the token: say less.
            ConnectorError::new(
                System::Netsuite,
                ErrorClass::Retry,
                "the token endpoint answered without an access_token",
            )
            .with_status(status)
        })?;
        telemetry::record(Operation::Token, CallOutcome::Ok, requested_at.elapsed());
        let lifetime = answer
            .expires_in
            .map_or(DEFAULT_TOKEN_LIFETIME, Duration::from_secs);
        tracing::debug!(
            expires_in = lifetime.as_secs(),
            "minted a netsuite access token"
        );
        Ok(CachedToken {
            value: Secret::from(answer.access_token),
            refresh_at: requested_at + lifetime.saturating_sub(REFRESH_MARGIN),
        })
    }
}

/// A refused mint is a credentials problem (wrong client id, certificate or key, or the
/// certificate was revoked) unless the server or the network failed.
fn token_error(status: u16, headers: &reqwest::header::HeaderMap, body: &[u8]) -> ConnectorError {
    let mut error = errors::classify(status, headers, body);
    if let Ok(oauth) = serde_json::from_slice::<OAuthError>(body) {
        error.message = oauth
            .error_description
            .unwrap_or_else(|| oauth.error.clone());
        error.code = Some(oauth.error);
    }
    error.class = match status {
        400 | 401 | 403 => ErrorClass::RefreshAuth,
        _ => class_of_status(status),
    };
    error.message = format!("token request refused: {}", error.message);
    error
}

/// The key and its algorithm: RSA signs PS256 (NetSuite takes no PKCS#1 v1.5), EC signs ES256.
fn signing_key(pem: &str) -> Result<(EncodingKey, Algorithm), ConnectorError> {
    if let Ok(key) = EncodingKey::from_rsa_pem(pem.as_bytes()) {
        return Ok((key, Algorithm::PS256));
    }
    if let Ok(key) = EncodingKey::from_ec_pem(pem.as_bytes()) {
        return Ok((key, Algorithm::ES256));
    }
    Err(ConnectorError::new(
        System::Netsuite,
        ErrorClass::Permanent,
        "the M2M private key is neither an RSA nor an EC P-256 private key in PEM (PKCS#8)",
    ))
}

/// `expires_in` as a number or, as NetSuite has been seen to send it, as a string.
fn seconds<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<u64>, D::Error> {
    use serde::de::Error;
    match serde_json::Value::deserialize(deserializer)? {
        serde_json::Value::Null => Ok(None),
        serde_json::Value::Number(number) => number
            .as_u64()
            .or_else(|| number.as_f64().filter(|f| *f >= 0.0).map(|f| f as u64))
            .map(Some)
            .ok_or_else(|| D::Error::custom("expires_in is not a number of seconds")),
        serde_json::Value::String(text) => text
            .trim()
            .parse()
            .map(Some)
            .map_err(|_| D::Error::custom("expires_in is not a number of seconds")),
        _ => Err(D::Error::custom("expires_in is not a number of seconds")),
    }
}

#[cfg(test)]
mod tests;
