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

        let candidates: Vec<Vec<u8>> = signatures
            .split(' ')
            .filter_map(|entry| entry.split_once(','))
            .filter(|(version, _)| *version == "v1")
            .filter_map(|(_, encoded)| BASE64.decode(encoded).ok())
            // An empty or truncated tag must never be compared: it would match a prefix.
            .filter(|tag| tag.len() == SIGNATURE_LEN)
            .collect();
        for key in &self.keys {
            let mac = key.mac(id, timestamp, body);
            for tag in &candidates {
                // verify_slice compares in constant time.
                if mac.clone().verify_slice(tag).is_ok() {
                    return Ok(id);
                }
            }
        }
        Err(VerifyError::NoMatchingSignature)
    }
}

fn parse_timestamp(text: &str) -> Result<i64, VerifyError> {
    if text.is_empty() || text.len() > 12 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(VerifyError::InvalidTimestamp);
    }
    text.parse().map_err(|_| VerifyError::InvalidTimestamp)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET_1: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    const ID_1: &str = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    const TS_1: i64 = 1614265330;
    const BODY_1: &[u8] = br#"{"test": 2432232314}"#;
    const SIG_1: &str = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

    const SECRET_2: &str = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";
    const ID_2: &str = "msg_27UH4WbU6Z5A5EzD8u03UvzRbpk";
    const TS_2: i64 = 1649367553;
    const BODY_2: &[u8] = br#"{"email":"test@example.com","username":"test_user"}"#;
    const SIG_2: &str = "v1,tZ1I4/hDygAJgO5TYxiSd6Sd0kDW6hPenDe+bTa3Kkw=";

    fn verifier(secrets: &[&str]) -> Verifier {
        Verifier::new(
            secrets
                .iter()
                .map(|s| SigningKey::parse(s).unwrap())
                .collect(),
        )
    }

    fn check(
        v: &Verifier,
        id: &str,
        ts: &str,
        sig: &str,
        body: &[u8],
        now: i64,
    ) -> Result<(), VerifyError> {
        let headers = WebhookHeaders {
            id: Some(id),
            timestamp: Some(ts),
            signature: Some(sig),
        };
        v.verify(headers, body, now).map(|_| ())
    }

    #[test]
    fn both_published_test_vectors_verify() {
        check(
            &verifier(&[SECRET_1]),
            ID_1,
            &TS_1.to_string(),
            SIG_1,
            BODY_1,
            TS_1,
        )
        .unwrap();
        check(
            &verifier(&[SECRET_2]),
            ID_2,
            &TS_2.to_string(),
            SIG_2,
            BODY_2,
            TS_2,
        )
        .unwrap();
    }

    #[test]
    fn signing_reproduces_the_test_vectors() {
        assert_eq!(
            SigningKey::parse(SECRET_1)
                .unwrap()
                .sign(ID_1, TS_1, BODY_1),
            SIG_1
        );
        assert_eq!(
            SigningKey::parse(SECRET_2)
                .unwrap()
                .sign(ID_2, TS_2, BODY_2),
            SIG_2
        );
    }

    #[test]
    fn bad_signatures_are_rejected() {
        let v = verifier(&[SECRET_1]);
        let ts = TS_1.to_string();
        let truncated = &SIG_1[..SIG_1.len() - 8];
        let cases = [
            ("empty v1,", "v1,"),
            ("bare v1", "v1"),
            ("truncated", truncated),
            (
                "wrong version",
                "v2,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
            ),
            (
                "asymmetric version",
                "v1a,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
            ),
            (
                "bad base64",
                "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=!!",
            ),
            ("other vector's signature", SIG_2),
            ("empty header", ""),
        ];
        for (name, sig) in cases {
            assert_eq!(
                check(&v, ID_1, &ts, sig, BODY_1, TS_1),
                Err(VerifyError::NoMatchingSignature),
                "{name}"
            );
        }
        assert_eq!(
            check(&verifier(&[SECRET_2]), ID_1, &ts, SIG_1, BODY_1, TS_1),
            Err(VerifyError::NoMatchingSignature),
            "wrong secret"
        );
        assert_eq!(
            check(&v, ID_1, &ts, SIG_1, br#"{"test": 2432232315}"#, TS_1),
            Err(VerifyError::NoMatchingSignature),
            "changed body"
        );
        assert_eq!(
            check(&v, "msg_other", &ts, SIG_1, BODY_1, TS_1),
            Err(VerifyError::NoMatchingSignature),
            "changed id"
        );
    }

    #[test]
    fn timestamps_outside_five_minutes_either_way_are_rejected() {
        let v = verifier(&[SECRET_1]);
        let ts = TS_1.to_string();
        assert_eq!(
            check(&v, ID_1, &ts, SIG_1, BODY_1, TS_1 + 301),
            Err(VerifyError::TimestampTooOld)
        );
        assert_eq!(
            check(&v, ID_1, &ts, SIG_1, BODY_1, TS_1 - 301),
            Err(VerifyError::TimestampInFuture)
        );
        check(&v, ID_1, &ts, SIG_1, BODY_1, TS_1 + 300).unwrap();
        check(&v, ID_1, &ts, SIG_1, BODY_1, TS_1 - 300).unwrap();
        for bad in [
            "",
            "-1614265330",
            "1614265330.0",
            "16142653300000000",
            "abc",
        ] {
            assert_eq!(
                check(&v, ID_1, bad, SIG_1, BODY_1, TS_1),
                Err(VerifyError::InvalidTimestamp),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn a_rotation_header_with_one_valid_signature_of_two_is_accepted() {
        let header = format!("v1,Zm9vYmFyYmF6Zm9vYmFyYmF6Zm9vYmFyYmF6Zm9vYmE= {SIG_1}");
        check(
            &verifier(&[SECRET_1]),
            ID_1,
            &TS_1.to_string(),
            &header,
            BODY_1,
            TS_1,
        )
        .unwrap();
        // And two configured secrets, the second one matching.
        check(
            &verifier(&[SECRET_2, SECRET_1]),
            ID_1,
            &TS_1.to_string(),
            SIG_1,
            BODY_1,
            TS_1,
        )
        .unwrap();
    }

    #[test]
    fn missing_headers_and_secrets_are_named() {
        let v = verifier(&[SECRET_1]);
        let headers = WebhookHeaders {
            id: None,
            timestamp: Some("1"),
            signature: Some(SIG_1),
        };
        assert_eq!(
            v.verify(headers, BODY_1, TS_1),
            Err(VerifyError::MissingHeader("webhook-id"))
        );
        let none = Verifier::new(vec![]);
        assert_eq!(
            check(&none, ID_1, &TS_1.to_string(), SIG_1, BODY_1, TS_1),
            Err(VerifyError::NoSecrets)
        );
    }

    #[test]
    fn malformed_secrets_are_refused() {
        assert_eq!(
            SigningKey::parse("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").err(),
            Some(KeyError::MissingPrefix)
        );
        assert_eq!(
            SigningKey::parse("whsec_***").err(),
            Some(KeyError::NotBase64)
        );
        assert_eq!(
            SigningKey::parse("whsec_YWJj").err(),
            Some(KeyError::TooShort)
        );
    }
}
