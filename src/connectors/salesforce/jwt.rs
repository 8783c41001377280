//! The RS256 assertion of the OAuth 2.0 JWT bearer flow (`iss` client, `sub` user, `aud` token host).

use crate::config::Secret;
use crate::connectors::error::{ConnectorError, ErrorClass, System};
use chrono::{DateTime, Utc};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde::Serialize;
use url::Url;

/// Salesforce refuses assertions that expire more than three minutes ahead.
pub(super) const LIFETIME: chrono::Duration = chrono::Duration::minutes(3);

#[derive(Serialize)]
struct Claims<'a> {
    iss: &'a str,
    sub: &'a str,
    aud: &'a str,
    exp: i64,
}

/// Signs assertions for one connected app and user; the key is parsed once.
pub(super) struct JwtAssertion {
    client_id: String,
    username: String,
    audience: String,
    key: EncodingKey,
}

impl std::fmt::Debug for JwtAssertion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JwtAssertion")
            .field("client_id", &self.client_id)
            .field("username", &self.username)
            .field("audience", &self.audience)
            .finish_non_exhaustive()
    }
}

impl JwtAssertion {
    /// The audience is the token endpoint's origin: `https://login.salesforce.com`,
    /// `https://test.salesforce.com`, or the org's My Domain.
    pub(super) fn new(
        client_id: &str,
        username: &str,
        private_key_pem: &Secret,
        token_url: &Url,
    ) -> Result<Self, ConnectorError> {
        let key =
            EncodingKey::from_rsa_pem(private_key_pem.expose().as_bytes()).map_err(|error| {
                ConnectorError::new(
                    System::Salesforce,
                    ErrorClass::Permanent,
                    format!("the JWT bearer private key is not a usable RSA PEM key: {error}"),
                )
            })?;
        Ok(Self {
            client_id: client_id.to_owned(),
            username: username.to_owned(),
            audience: token_url.origin().ascii_serialization(),
            key,
        })
    }

    /// A fresh assertion valid until `now` plus three minutes.
    pub(super) fn sign(&self, now: DateTime<Utc>) -> Result<String, ConnectorError> {
        let claims = Claims {
            iss: &self.client_id,
            sub: &self.username,
            aud: &self.audience,
            exp: (now + LIFETIME).timestamp(),
        };
        jsonwebtoken::encode(&Header::new(Algorithm::RS256), &claims, &self.key).map_err(|error| {
            ConnectorError::new(
                System::Salesforce,
                ErrorClass::Permanent,
                format!("could not sign the JWT bearer assertion: {error}"),
            )
        })
    }
}
