//! OAuth 2.0 machine-to-machine: `POST /services/rest/auth/oauth2/v1/token` takes a
//! client-credentials grant with a JWT client assertion (PS256/384/512 or ES256/384, `kid` =
//! the certificate id, `iss` = the client id, `aud` = this URL, at most an hour long, scope
//! `rest_webservices`) and issues an opaque bearer token valid for an hour.

use super::NetsuiteState;
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;
use tokio::time::Instant;

pub const TOKEN_PATH: &str = "/services/rest/auth/oauth2/v1/token";
/// Access tokens live an hour; the assertion may not ask for longer either.
pub const TOKEN_LIFETIME: Duration = Duration::from_secs(3600);
const ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
const REQUIRED_SCOPE: &str = "rest_webservices";
/// How far in the future `iat` may be (clock skew between client and server).
const IAT_SKEW_SECONDS: i64 = 60;

/// Issued access tokens, kept as SHA-256 digests with their expiry.
#[derive(Default)]
pub struct Tokens {
    issued: Mutex<HashMap<[u8; 32], Instant>>,
}

impl Tokens {
    fn issue(&self) -> String {
        let token = URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>());
        let now = Instant::now();
        let mut issued = self
            .issued
            .lock()
            .unwrap_or_else(|poison| poison.into_inner());
        issued.retain(|_, expires| *expires > now);
        issued.insert(digest(&token), now + TOKEN_LIFETIME);
        token
    }

    /// Whether a bearer token was issued here and has not expired.
    pub fn is_valid(&self, token: &str) -> bool {
        let issued = self
            .issued
            .lock()
            .unwrap_or_else(|poison| poison.into_inner());
        // Looking up a digest leaks nothing useful about the token through timing.
        issued
            .get(&digest(token))
            .is_some_and(|expires| *expires > Instant::now())
    }
}

fn digest(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

/// An OAuth error answer (RFC 6749 §5.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OAuthError {
    pub error: &'static str,
    pub description: String,
}

fn refuse(error: &'static str, description: impl Into<String>) -> OAuthError {
    OAuthError {
        error,
        description: description.into(),
    }
}

impl IntoResponse for OAuthError {
    fn into_response(self) -> Response {
        let body = json!({ "error": self.error, "error_description": self.description });
        (
            StatusCode::BAD_REQUEST,
            [(header::CACHE_CONTROL, "no-store")],
            Json(body),
        )
            .into_response()
    }
}

#[derive(Debug, Deserialize)]
struct Claims {
    iss: String,
    iat: i64,
    exp: i64,
    #[serde(default)]
    scope: Value,
}

pub async fn token(
    State(state): State<NetsuiteState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    state.journal.count_operation("token");
    match grant(&state, &headers, &body) {
        Ok(token) => {
            let body = json!({
                "access_token": token,
                "token_type": "bearer",
                "expires_in": TOKEN_LIFETIME.as_secs(),
            });
            (
                StatusCode::OK,
                [(header::CACHE_CONTROL, "no-store")],
                Json(body),
            )
                .into_response()
        }
        Err(error) => {
            tracing::info!(error = error.error, reason = %error.description, "NetSuite sandbox refused an M2M token request");
            state.journal.count_auth_failure();
            error.into_response()
        }
    }
}

fn grant(state: &NetsuiteState, headers: &HeaderMap, body: &[u8]) -> Result<String, OAuthError> {
    let form_encoded = headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| {
            value
                .trim()
                .to_ascii_lowercase()
                .starts_with("application/x-www-form-urlencoded")
        });
    if !form_encoded {
        return Err(refuse(
            "invalid_request",
            "the body must be application/x-www-form-urlencoded",
        ));
    }
    let mut params: HashMap<String, String> = HashMap::new();
    for (name, value) in url::form_urlencoded::parse(body) {
        if params
            .insert(name.to_string(), value.into_owned())
            .is_some()
        {
            return Err(refuse(
                "invalid_request",
                format!("parameter {name} is repeated"),
            ));
        }
    }
    let param = |name: &str| {
        params
            .get(name)
            .map(String::as_str)
            .ok_or_else(|| refuse("invalid_request", format!("parameter {name} is missing")))
    };
    if param("grant_type")? != "client_credentials" {
        return Err(refuse(
            "unsupported_grant_type",
            "only client_credentials is supported",
        ));
    }
    if param("client_assertion_type")? != ASSERTION_TYPE {
        return Err(refuse(
            "invalid_request",
            format!("client_assertion_type must be {ASSERTION_TYPE}"),
        ));
    }
    verify_assertion(
        state,
        param("client_assertion")?,
        chrono::Utc::now().timestamp(),
    )?;
    Ok(state.tokens.issue())
}

/// Checks a client assertion; `now` is unix seconds.
pub fn verify_assertion(
    state: &NetsuiteState,
    assertion: &str,
    now: i64,
) -> Result<(), OAuthError> {
    let credentials = &state.credentials;
    let Some(public_key) = credentials.netsuite_m2m_public_key_pem.as_deref() else {
        return Err(refuse(
            "invalid_client",
            "no OAuth 2.0 client credentials mapping is set up",
        ));
    };
    let header = jsonwebtoken::decode_header(assertion)
        .map_err(|_| refuse("invalid_grant", "the client assertion is not a JWT"))?;
    if header.kid.as_deref() != Some(credentials.netsuite_certificate_id.as_str()) {
        return Err(refuse(
            "invalid_grant",
            "kid does not name a certificate of this integration",
        ));
    }
    let key = match header.alg {
        Algorithm::PS256 | Algorithm::PS384 | Algorithm::PS512 => {
            DecodingKey::from_rsa_pem(public_key.as_bytes())
        }
        Algorithm::ES256 | Algorithm::ES384 => DecodingKey::from_ec_pem(public_key.as_bytes()),
        other => {
            return Err(refuse(
                "invalid_grant",
                format!("algorithm {other:?} is not accepted"),
            ));
        }
    }
    .map_err(|_| {
        refuse(
            "invalid_grant",
            "the algorithm does not fit the certificate's key",
        )
    })?;
    let mut validation = Validation::new(header.alg);
    validation.leeway = 0;
    validation.set_audience(&[state.token_url()]);
    validation.set_required_spec_claims(&["exp", "iat", "iss", "aud"]);
    let claims = jsonwebtoken::decode::<Claims>(assertion, &key, &validation)
        .map_err(|error| {
            refuse(
                "invalid_grant",
                format!("the client assertion is invalid: {error}"),
            )
        })?
        .claims;
    if claims.iss != credentials.netsuite_client_id {
        return Err(refuse(
            "invalid_client",
            "iss is not this integration's client id",
        ));
    }
    if claims.exp - claims.iat > TOKEN_LIFETIME.as_secs() as i64 {
        return Err(refuse(
            "invalid_grant",
            "exp may be at most an hour after iat",
        ));
    }
    if claims.iat > now + IAT_SKEW_SECONDS {
        return Err(refuse("invalid_grant", "iat is in the future"));
    }
    if !scopes(&claims.scope).any(|scope| scope == REQUIRED_SCOPE) {
        return Err(refuse(
            "invalid_scope",
            "scope must include rest_webservices",
        ));
    }
    Ok(())
}

/// `"restlets,rest_webservices"`, `"restlets rest_webservices"` or `["restlets", …]`.
fn scopes(scope: &Value) -> impl Iterator<Item = &str> {
    let listed: Vec<&str> = match scope {
        Value::String(text) => text.split([',', ' ']).collect(),
        Value::Array(items) => items.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    listed
        .into_iter()
        .map(str::trim)
        .filter(|scope| !scope.is_empty())
}
