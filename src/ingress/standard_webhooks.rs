//! Standard Webhooks (symmetric v1): HMAC-SHA256 over `{id}.{timestamp}.{body}`, checked in
//! constant time against every configured secret so that secrets can be rotated.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use hmac::{Hmac, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// How far a `webhook-timestamp` may be from now, either way.
pub const TOLERANCE_SECONDS: i64 = 5 * 60;
/// Longest `webhook-id` accepted; ids are also dedupe keys.
const MAX_ID_LEN: usize = 255;
const SIGNATURE_LEN: usize = 32;
/// Entries in one `webhook-signature` header: a sender rotating secrets sends a few.
pub const MAX_SIGNATURES: usize = 8;
/// Longest `webhook-signature` header: eight entries of `v1,` and 44 base64 characters fit.
const MAX_SIGNATURE_HEADER_LEN: usize = 512;

/// A decoded `whsec_…` secret.
#[derive(Clone)]
pub struct SigningKey(Vec<u8>);

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    #[error("must start with whsec_")]
    MissingPrefix,
    #[error("is not valid base64 after whsec_")]
    NotBase64,
    #[error("decodes to fewer than 16 bytes")]
    TooShort,
}

impl SigningKey {
    pub fn parse(secret: &str) -> Result<Self, KeyError> {
        let encoded = secret
            .strip_prefix("whsec_")
            .ok_or(KeyError::MissingPrefix)?;
        let key = BASE64.decode(encoded).map_err(|_| KeyError::NotBase64)?;
        if key.len() < 16 {
            return Err(KeyError::TooShort);
        }
        Ok(SigningKey(key))
    }

    fn mac(&self, id: &str, timestamp: &str, body: &[u8]) -> HmacSha256 {
        // HMAC accepts keys of any length.
        let mut mac = HmacSha256::new_from_slice(&self.0).expect("HMAC takes any key length");
        mac.update(id.as_bytes());
        mac.update(b".");
        mac.update(timestamp.as_bytes());
        mac.update(b".");
        mac.update(body);
        mac
    }

    /// The `v1,<base64>` signature of a message, as a sender computes it.
    pub fn sign(&self, id: &str, timestamp: i64, body: &[u8]) -> String {
        let tag = self
            .mac(id, &timestamp.to_string(), body)
            .finalize()
            .into_bytes();
        format!("v1,{}", BASE64.encode(tag))
    }
}

/// Why a webhook was refused. Safe to show the sender: it names no secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    #[error("missing header {0}")]
    MissingHeader(&'static str),
    #[error("webhook-id must be 1 to 255 printable ASCII characters")]
    InvalidId,
    #[error("webhook-timestamp must be integer unix seconds")]
    InvalidTimestamp,
    #[error("webhook-timestamp is more than 5 minutes old")]
    TimestampTooOld,
    #[error("webhook-timestamp is more than 5 minutes in the future")]
    TimestampInFuture,
    #[error(
        "webhook-signature must be 1 to 8 space-separated entries, with at least one v1,<base64 of 32 bytes>"
    )]
    InvalidSignatureHeader,
    #[error("no webhook-signature entry matches")]
    NoMatchingSignature,
    #[error("no webhook secret is configured for this source")]
    NoSecrets,
}

impl VerifyError {
    /// A short label for metrics.
    pub fn reason(&self) -> &'static str {
        match self {
            VerifyError::MissingHeader(_) => "missing_header",
            VerifyError::InvalidId => "invalid_id",
            VerifyError::InvalidTimestamp => "invalid_timestamp",
            VerifyError::TimestampTooOld => "timestamp_too_old",
            VerifyError::TimestampInFuture => "timestamp_in_future",
            VerifyError::InvalidSignatureHeader => "invalid_signature_header",
            VerifyError::NoMatchingSignature => "no_matching_signature",
            VerifyError::NoSecrets => "no_secrets",
        }
    }
}

/// The three Standard Webhooks headers, as received.
#[derive(Debug, Clone, Copy)]
pub struct WebhookHeaders<'a> {
    pub id: Option<&'a str>,
    pub timestamp: Option<&'a str>,
    pub signature: Option<&'a str>,
}

/// Verifies webhooks against a list of keys (any one may match).
#[derive(Clone)]
pub struct Verifier {
    keys: Vec<SigningKey>,
}

/// Headers that passed every check needing no body: present, well-formed and fresh. Only
/// then is the body worth reading.
#[derive(Debug)]
pub struct CheckedHeaders<'a> {
    id: &'a str,
    timestamp: &'a str,
    tags: Vec<[u8; SIGNATURE_LEN]>,
}

impl<'a> CheckedHeaders<'a> {
    /// The `webhook-id`, 1 to 255 printable ASCII characters; not yet authenticated.
    pub fn id(&self) -> &'a str {
        self.id
    }
}

impl Verifier {
    pub fn new(keys: Vec<SigningKey>) -> Self {
        Self { keys }
    }

    /// Checks headers and signature over the raw body; returns the `webhook-id` on success.
    pub fn verify<'a>(
        &self,
        headers: WebhookHeaders<'a>,
        body: &[u8],
        now_unix: i64,
    ) -> Result<&'a str, VerifyError> {
        let checked = self.check_headers(headers, now_unix)?;
        self.verify_body(&checked, body)
    }

    /// Everything that can be refused before the body is read: no secret configured, a
    /// missing or malformed header, a timestamp outside the tolerance.
    pub fn check_headers<'a>(
        &self,
        headers: WebhookHeaders<'a>,
        now_unix: i64,
    ) -> Result<CheckedHeaders<'a>, VerifyError> {
        if self.keys.is_empty() {
            return Err(VerifyError::NoSecrets);
        }
        let id = headers.id.ok_or(VerifyError::MissingHeader("webhook-id"))?;
        let timestamp = headers
            .timestamp
            .ok_or(VerifyError::MissingHeader("webhook-timestamp"))?;
        let signatures = headers
            .signature
            .ok_or(VerifyError::MissingHeader("webhook-signature"))?;
        if id.is_empty() || id.len() > MAX_ID_LEN || !id.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(VerifyError::InvalidId);
        }
        let sent_at = parse_timestamp(timestamp)?;
        if now_unix - sent_at > TOLERANCE_SECONDS {
            return Err(VerifyError::TimestampTooOld);
        }
        if sent_at - now_unix > TOLERANCE_SECONDS {
            return Err(VerifyError::TimestampInFuture);
        }
        Ok(CheckedHeaders {
            id,
            timestamp,
            tags: parse_signatures(signatures)?,
        })
    }

    /// Checks the signature over the raw body against every key and every `v1` entry, each
    /// comparison in constant time; returns the `webhook-id` on success.
    pub fn verify_body<'a>(
        &self,
        checked: &CheckedHeaders<'a>,
        body: &[u8],
    ) -> Result<&'a str, VerifyError> {
        for key in &self.keys {
            let mac = key.mac(checked.id, checked.timestamp, body);
            for tag in &checked.tags {
                // verify_slice compares in constant time.
                if mac.clone().verify_slice(tag).is_ok() {
                    return Ok(checked.id);
                }
            }
        }
        Err(VerifyError::NoMatchingSignature)
    }
}

/// The 32-byte tags of the `v1,<base64>` entries. Entries of other schemes (`v1a,…`) are
/// skipped; a malformed `v1` entry, too many entries or none of `v1` refuse the header.
fn parse_signatures(header: &str) -> Result<Vec<[u8; SIGNATURE_LEN]>, VerifyError> {
    if header.len() > MAX_SIGNATURE_HEADER_LEN {
        return Err(VerifyError::InvalidSignatureHeader);
    }
    let entries: Vec<&str> = header
        .split(' ')
        .filter(|entry| !entry.is_empty())
        .collect();
    if entries.len() > MAX_SIGNATURES {
        return Err(VerifyError::InvalidSignatureHeader);
    }
    let mut tags = Vec::new();
    for entry in entries {
        let (version, encoded) = entry
            .split_once(',')
            .ok_or(VerifyError::InvalidSignatureHeader)?;
        if version != "v1" {
            continue;
        }
        // An empty or truncated tag must never be compared: it would match a prefix.
        let tag = BASE64
            .decode(encoded)
            .ok()
            .and_then(|tag| <[u8; SIGNATURE_LEN]>::try_from(tag).ok())
            .ok_or(VerifyError::InvalidSignatureHeader)?;
        tags.push(tag);
    }
    if tags.is_empty() {
        return Err(VerifyError::InvalidSignatureHeader);
    }
    Ok(tags)
}

fn parse_timestamp(text: &str) -> Result<i64, VerifyError> {
    if text.is_empty() || text.len() > 12 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(VerifyError::InvalidTimestamp);
    }
    text.parse().map_err(|_| VerifyError::InvalidTimestamp)
}

#[cfg(test)]
mod tests;
