//! OAuth 1.0a token-based authentication (TBA) with HMAC-SHA256, as NetSuite applies RFC 5849.
//!
//! [`TbaSigner::authorization`] draws a fresh nonce and timestamp for every request; the
//! deterministic core, [`TbaSigner::authorization_at`], is what the tests pin down. The free
//! functions are public so that the sandbox can verify what a client signed.

use crate::config::Secret;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use rand::Rng;
use rand::distr::Alphanumeric;
use sha2::Sha256;
use url::Url;

/// RFC 5849 §3.6: everything but ALPHA, DIGIT, `-`, `.`, `_` and `~` is percent-encoded.
const UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

pub const SIGNATURE_METHOD: &str = "HMAC-SHA256";
const NONCE_LENGTH: usize = 32;

/// The four TBA values from the integration record and the access token.
#[derive(Debug, Clone)]
pub struct TbaCredentials {
    pub consumer_key: String,
    pub consumer_secret: Secret,
    pub token_id: String,
    pub token_secret: Secret,
}

/// Signs requests for one account (the realm).
#[derive(Debug, Clone)]
pub struct TbaSigner {
    realm: String,
    credentials: TbaCredentials,
}

impl TbaSigner {
    pub fn new(realm: impl Into<String>, credentials: TbaCredentials) -> Self {
        Self {
            realm: realm.into(),
            credentials,
        }
    }

    pub fn realm(&self) -> &str {
        &self.realm
    }

    /// The `Authorization` header for one request, with a fresh nonce and the current time.
    /// NetSuite refuses a reused nonce, so call this once per attempt, retries included.
    pub fn authorization(&self, method: &str, url: &Url) -> String {
        let timestamp = chrono::Utc::now().timestamp().max(0).unsigned_abs();
        self.authorization_at(method, url, &fresh_nonce(), timestamp)
    }

    /// The `Authorization` header for a given nonce and timestamp.
    pub fn authorization_at(&self, method: &str, url: &Url, nonce: &str, timestamp: u64) -> String {
        let timestamp = timestamp.to_string();
        let protocol = [
            ("oauth_consumer_key", self.credentials.consumer_key.as_str()),
            ("oauth_token", self.credentials.token_id.as_str()),
            ("oauth_signature_method", SIGNATURE_METHOD),
            ("oauth_timestamp", timestamp.as_str()),
            ("oauth_nonce", nonce),
            ("oauth_version", "1.0"),
        ];
        let base = base_string(method, url, &protocol);
        let signature = sign(
            &base,
            self.credentials.consumer_secret.expose(),
            self.credentials.token_secret.expose(),
        );
        let mut header = format!("OAuth realm=\"{}\"", self.realm);
        for (name, value) in protocol
            .iter()
            .copied()
            .chain([("oauth_signature", signature.as_str())])
        {
            header.push_str(&format!(", {name}=\"{}\"", encode(value)));
        }
        header
    }
}

/// At least 20 random alphanumerics, as NetSuite asks; 32 leaves no room for collisions.
pub fn fresh_nonce() -> String {
    rand::rng()
        .sample_iter(Alphanumeric)
        .take(NONCE_LENGTH)
        .map(char::from)
        .collect()
}

/// RFC 5849 §3.6 percent-encoding (upper-case hex, UTF-8 first).
pub fn encode(value: &str) -> String {
    utf8_percent_encode(value, UNRESERVED).to_string()
}

/// RFC 5849 §3.4.1: `METHOD&pct(base URL)&pct(normalized parameters)`.
///
/// `params` are the protocol parameters plus any form-body parameters (tandem sends JSON,
/// which contributes none); the query comes from `url`. `realm` and `oauth_signature` are
/// never part of the base string and are skipped if given.
pub fn base_string(method: &str, url: &Url, params: &[(&str, &str)]) -> String {
    format!(
        "{}&{}&{}",
        method.to_ascii_uppercase(),
        encode(&base_url(url)),
        encode(&normalized_parameters(url, params))
    )
}

/// RFC 5849 §3.4.1.2: scheme and host lower-cased, default port dropped, path, no query.
pub fn base_url(url: &Url) -> String {
    let host = url.host_str().unwrap_or_default().to_ascii_lowercase();
    // `Url::port` is `None` when the port is the scheme's default.
    let port = url
        .port()
        .map(|port| format!(":{port}"))
        .unwrap_or_default();
    format!("{}://{host}{port}{}", url.scheme(), url.path())
}

/// RFC 5849 §3.4.1.3.2: every parameter encoded, sorted by name then value, `k=v` joined by `&`.
pub fn normalized_parameters(url: &Url, params: &[(&str, &str)]) -> String {
    let mut pairs: Vec<(String, String)> = url
        .query_pairs()
        .map(|(name, value)| (encode(&name), encode(&value)))
        .chain(
            params
                .iter()
                .filter(|(name, _)| *name != "realm" && *name != "oauth_signature")
                .map(|(name, value)| (encode(name), encode(value))),
        )
        .collect();
    pairs.sort();
    pairs
        .iter()
        .map(|(name, value)| format!("{name}={value}"))
        .collect::<Vec<_>>()
        .join("&")
}

/// HMAC-SHA256 over the base string with `pct(consumer_secret)&pct(token_secret)`, base64.
pub fn sign(base_string: &str, consumer_secret: &str, token_secret: &str) -> String {
    let key = format!("{}&{}", encode(consumer_secret), encode(token_secret));
    let mut mac =
        Hmac::<Sha256>::new_from_slice(key.as_bytes()).expect("HMAC accepts keys of any length");
    mac.update(base_string.as_bytes());
    STANDARD.encode(mac.finalize().into_bytes())
}

/// The parameters of an `OAuth …` header, values percent-decoded, in the order sent.
/// `None` when the value is not an OAuth header.
pub fn parse_authorization(header: &str) -> Option<Vec<(String, String)>> {
    let rest = header.trim().strip_prefix("OAuth ")?;
    rest.split(',')
        .map(|part| {
            let (name, value) = part.trim().split_once('=')?;
            let value = value.trim().strip_prefix('"')?.strip_suffix('"')?;
            let value = percent_encoding::percent_decode_str(value)
                .decode_utf8()
                .ok()?;
            Some((name.trim().to_owned(), value.into_owned()))
        })
        .collect()
}

#[cfg(test)]
mod tests;
