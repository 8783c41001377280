//! OAuth 1.0a token-based authentication as NetSuite checks it (RFC 5849 with HMAC-SHA256):
//! the `Authorization: OAuth …` header is parsed, the signature recomputed here from the
//! request and compared in constant time, the timestamp must be within five minutes and a nonce
//! is never accepted twice while its timestamp could still be.

use super::SandboxCredentials;
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use hmac::{Hmac, Mac};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};
use sha2::Sha256;
use std::collections::{HashSet, VecDeque};
use std::sync::Mutex;
use subtle::ConstantTimeEq;

/// RFC 5849 §3.6: all but ALPHA, DIGIT, `-`, `.`, `_`, `~` are percent-encoded.
const UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// How far `oauth_timestamp` may be from the server's clock, either way.
pub const TIMESTAMP_WINDOW_SECONDS: i64 = 5 * 60;

/// The parts of a request that a TBA signature covers.
#[derive(Debug, Clone, Copy)]
pub struct SignedRequest<'a> {
    pub method: &'a str,
    /// `http` or `https`, as the client addressed the server.
    pub scheme: &'a str,
    /// The `Host` the client addressed (`127.0.0.1:8080`).
    pub authority: &'a str,
    /// The path as sent, still percent-encoded.
    pub path: &'a str,
    pub query: Option<&'a str>,
    /// The `Authorization` header value.
    pub authorization: &'a str,
}

/// Why a TBA login failed; NetSuite only shows this in its Login Audit Trail, so it is logged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TbaError {
    Malformed,
    MissingParameter,
    SignatureMethod,
    Version,
    Realm,
    UnknownToken,
    Timestamp,
    Signature,
    NonceReused,
}

impl TbaError {
    pub fn reason(self) -> &'static str {
        match self {
            TbaError::Malformed => "TBA: the OAuth header cannot be parsed",
            TbaError::MissingParameter => "TBA: a required OAuth parameter is missing",
            TbaError::SignatureMethod => "TBA: the signature method is not HMAC-SHA256",
            TbaError::Version => "TBA: oauth_version is not 1.0",
            TbaError::Realm => "TBA: the realm is not this account's id",
            TbaError::UnknownToken => "TBA: unknown consumer key or token",
            TbaError::Timestamp => "TBA: the timestamp is more than five minutes away",
            TbaError::Signature => "TBA: the signature does not match",
            TbaError::NonceReused => "TBA: the nonce was used before",
        }
    }
}

/// Nonces seen recently: a timestamp is accepted for five minutes either side of now, so a
/// nonce is remembered for twice that from when it was first seen.
#[derive(Default)]
pub struct Nonces {
    seen: Mutex<Seen>,
}

#[derive(Default)]
struct Seen {
    nonces: HashSet<String>,
    /// When each nonce was first seen, oldest first.
    order: VecDeque<(i64, String)>,
}

impl Nonces {
    /// Remembers a nonce; false when it was already used.
    fn first_use(&self, key: String, now: i64) -> bool {
        let mut guard = self
            .seen
            .lock()
            .unwrap_or_else(|poison| poison.into_inner());
        let Seen { nonces, order } = &mut *guard;
        while order
            .front()
            .is_some_and(|(at, _)| now - at > 2 * TIMESTAMP_WINDOW_SECONDS)
        {
            if let Some((_, old)) = order.pop_front() {
                nonces.remove(&old);
            }
        }
        if !nonces.insert(key.clone()) {
            return false;
        }
        order.push_back((now, key));
        true
    }
}

/// Checks a TBA-signed request against the sandbox credentials.
pub fn verify(
    credentials: &SandboxCredentials,
    nonces: &Nonces,
    request: &SignedRequest,
    now: i64,
) -> Result<(), TbaError> {
    let params = parse_header(request.authorization)?;
    let get = |name: &str| {
        params
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
            .ok_or(TbaError::MissingParameter)
    };
    if get("oauth_signature_method")? != "HMAC-SHA256" {
        return Err(TbaError::SignatureMethod);
    }
    if params
        .iter()
        .any(|(key, value)| key == "oauth_version" && value != "1.0")
    {
        return Err(TbaError::Version);
    }
    if get("realm")? != credentials.netsuite_account_id {
        return Err(TbaError::Realm);
    }
    let consumer_key = get("oauth_consumer_key")?;
    let token = get("oauth_token")?;
    let known = consumer_key
        .as_bytes()
        .ct_eq(credentials.netsuite_consumer_key.as_bytes())
        & token
            .as_bytes()
            .ct_eq(credentials.netsuite_token_id.as_bytes());
    if !bool::from(known) {
        return Err(TbaError::UnknownToken);
    }
    let nonce = get("oauth_nonce")?;
    let timestamp: i64 = get("oauth_timestamp")?
        .parse()
        .map_err(|_| TbaError::Timestamp)?;
    if (now - timestamp).abs() > TIMESTAMP_WINDOW_SECONDS {
        return Err(TbaError::Timestamp);
    }
    let signature = BASE64
        .decode(get("oauth_signature")?)
        .map_err(|_| TbaError::Signature)?;
    let base = base_string(request, &params);
    let key = format!(
        "{}&{}",
        encode(&credentials.netsuite_consumer_secret),
        encode(&credentials.netsuite_token_secret)
    );
    let mut mac =
        Hmac::<Sha256>::new_from_slice(key.as_bytes()).map_err(|_| TbaError::Signature)?;
    mac.update(base.as_bytes());
    // verify_slice compares in constant time.
    mac.verify_slice(&signature)
        .map_err(|_| TbaError::Signature)?;
    // Only a verified request uses up its nonce, so forged requests cannot burn them.
    if !nonces.first_use(format!("{consumer_key}&{token}&{nonce}"), now) {
        return Err(TbaError::NonceReused);
    }
    Ok(())
}

/// `OAuth realm="…", oauth_…="…"` → decoded pairs; a repeated parameter is malformed.
fn parse_header(header: &str) -> Result<Vec<(String, String)>, TbaError> {
    let (scheme, mut rest) = header.trim().split_once(' ').ok_or(TbaError::Malformed)?;
    if !scheme.eq_ignore_ascii_case("OAuth") {
        return Err(TbaError::Malformed);
    }
    let mut params: Vec<(String, String)> = Vec::new();
    loop {
        rest = rest.trim_start();
        if rest.is_empty() {
            break;
        }
        let (name, after) = rest.split_once('=').ok_or(TbaError::Malformed)?;
        let after = after
            .trim_start()
            .strip_prefix('"')
            .ok_or(TbaError::Malformed)?;
        let (value, after) = after.split_once('"').ok_or(TbaError::Malformed)?;
        let name = name.trim().to_owned();
        let value = percent_decode_str(value)
            .decode_utf8()
            .map_err(|_| TbaError::Malformed)?
            .into_owned();
        if params.iter().any(|(seen, _)| *seen == name) {
            return Err(TbaError::Malformed);
        }
        params.push((name, value));
        rest = after.trim_start();
        if !rest.is_empty() {
            rest = rest.strip_prefix(',').ok_or(TbaError::Malformed)?;
        }
    }
    Ok(params)
}

/// RFC 5849 §3.4.1: `METHOD&pct(base URL)&pct(normalized parameters)`.
fn base_string(request: &SignedRequest, header_params: &[(String, String)]) -> String {
    let query_params = request
        .query
        .map(|query| {
            url::form_urlencoded::parse(query.as_bytes())
                .into_owned()
                .collect::<Vec<_>>()
        })
        .unwrap_or_default();
    let mut pairs: Vec<(String, String)> = header_params
        .iter()
        .filter(|(name, _)| name != "realm" && name != "oauth_signature")
        .chain(query_params.iter())
        .map(|(name, value)| (encode(name), encode(value)))
        .collect();
    pairs.sort();
    let normalized = pairs
        .iter()
        .map(|(name, value)| format!("{name}={value}"))
        .collect::<Vec<_>>()
        .join("&");
    format!(
        "{}&{}&{}",
        request.method.to_ascii_uppercase(),
        encode(&base_url(request)),
        encode(&normalized)
    )
}

/// Scheme and host lower-cased, the scheme's default port dropped, the path, no query.
fn base_url(request: &SignedRequest) -> String {
    let scheme = request.scheme.to_ascii_lowercase();
    let authority = request.authority.to_ascii_lowercase();
    let default_port = if scheme == "https" { ":443" } else { ":80" };
    let authority = authority.strip_suffix(default_port).unwrap_or(&authority);
    format!("{scheme}://{authority}{}", request.path)
}

fn encode(value: &str) -> String {
    utf8_percent_encode(value, UNRESERVED).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rfc_5849_example_base_string_is_reproduced() {
        // RFC 5849 §3.4.1.1, with the body parameters moved into the query (same rules).
        let request = SignedRequest {
            method: "post",
            scheme: "HTTP",
            authority: "Example.com:80",
            path: "/request",
            query: Some("b5=%3D%253D&a3=a&c%40=&a2=r%20b&c2&a3=2+q"),
            authorization: "",
        };
        let header = [
            ("realm", "Example"),
            ("oauth_consumer_key", "9djdj82h48djs9d2"),
            ("oauth_token", "kkk9d7dh3k39sjv7"),
            ("oauth_signature_method", "HMAC-SHA1"),
            ("oauth_timestamp", "137131201"),
            ("oauth_nonce", "7d8f3e4a"),
            ("oauth_signature", "ignored"),
        ]
        .map(|(name, value)| (name.to_owned(), value.to_owned()));
        assert_eq!(
            base_string(&request, &header),
            "POST&http%3A%2F%2Fexample.com%2Frequest&a2%3Dr%2520b%26a3%3D2%2520q%26a3%3Da%26b5%3D%253D%25253D%26c%2540%3D%26c2%3D%26oauth_consumer_key%3D9djdj82h48djs9d2%26oauth_nonce%3D7d8f3e4a%26oauth_signature_method%3DHMAC-SHA1%26oauth_timestamp%3D137131201%26oauth_token%3Dkkk9d7dh3k39sjv7"
        );
    }

    #[test]
    fn header_parameters_are_decoded_and_repeats_refused() {
        let params =
            parse_header(r#"OAuth realm="1234567_SB1", oauth_signature="a%2Bb%3D""#).unwrap();
        assert_eq!(params[1], ("oauth_signature".to_owned(), "a+b=".to_owned()));
        assert_eq!(
            parse_header(r#"OAuth a="1", a="2""#),
            Err(TbaError::Malformed)
        );
        assert_eq!(parse_header(r#"Basic a="1""#), Err(TbaError::Malformed));
    }

    #[test]
    fn a_nonce_is_accepted_once_and_forgotten_after_the_window() {
        let nonces = Nonces::default();
        assert!(nonces.first_use("k&t&n".into(), 1_000));
        assert!(!nonces.first_use("k&t&n".into(), 1_200));
        assert!(nonces.first_use("k&t&n".into(), 1_000 + 2 * TIMESTAMP_WINDOW_SECONDS + 1));
    }
}
