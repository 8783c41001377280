//! OAuth 2.0 server-to-server flows (client credentials, JWT bearer) at
//! `/services/oauth2/token`, the sessions they open, and the gate every REST call passes:
//! a live bearer token, a served API version, then the call is counted in `Sforce-Limit-Info`.

use super::SalesforceState;
use super::errors::{ApiError, json_response};
use super::version::ApiVersion;
use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use hmac::{Hmac, Mac};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use rand::Rng;
use serde::Deserialize;
use serde_json::{Value, json};
use sha2::Sha256;
use std::collections::{HashMap, HashSet};
use std::sync::Mutex;
use std::time::{Duration, Instant};
use subtle::ConstantTimeEq;

const JWT_BEARER: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";
/// The org's daily API request allocation shown in `Sforce-Limit-Info`.
pub const DAILY_API_LIMIT: u64 = 15_000;
/// Salesforce's default session timeout: two hours without use.
const SESSION_TIMEOUT: Duration = Duration::from_secs(2 * 60 * 60);
/// A JWT bearer assertion may expire at most this far ahead (3 minutes), plus clock skew.
const MAX_ASSERTION_LIFETIME: i64 = 3 * 60 + 30;
const LOGIN_AUDIENCES: [&str; 2] = [
    "https://login.salesforce.com",
    "https://test.salesforce.com",
];

/// Issued access tokens and when each was last used.
#[derive(Default)]
pub struct Sessions {
    live: Mutex<HashMap<String, Instant>>,
}

impl Sessions {
    fn issue(&self, org_id: &str) -> String {
        const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._";
        let mut rng = rand::rng();
        let secret: String = (0..96)
            .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
            .collect();
        let token = format!("{}!AR{secret}", &org_id[..org_id.len().min(15)]);
        self.lock().insert(token.clone(), Instant::now());
        token
    }

    /// Whether `token` is a live session; using it keeps it alive.
    pub(super) fn touch(&self, token: &str) -> bool {
        let mut live = self.lock();
        match live.get_mut(token) {
            Some(last) if last.elapsed() < SESSION_TIMEOUT => {
                *last = Instant::now();
                true
            }
            Some(_) => {
                live.remove(token);
                false
            }
            None => false,
        }
    }

    /// Ends every session (as an admin revoking them would); returns how many there were.
    pub fn expire_all(&self) -> usize {
        let mut live = self.lock();
        let count = live.len();
        live.clear();
        count
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Instant>> {
        self.live.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// An OAuth error answer: 400 `{"error","error_description"}`.
fn oauth_error(state: &SalesforceState, error: &str, description: &str) -> Response {
    state.journal().count_auth_failure();
    json_response(
        StatusCode::BAD_REQUEST,
        &json!({ "error": error, "error_description": description }),
    )
}

/// `POST /services/oauth2/token`.
pub async fn token(
    State(state): State<SalesforceState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    state.journal().count_operation("token");
    let latency = state.inner.faults.latency();
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    let is_form = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.to_ascii_lowercase()
                .starts_with("application/x-www-form-urlencoded")
        });
    let params: HashMap<String, String> = if is_form {
        url::form_urlencoded::parse(&body).into_owned().collect()
    } else {
        HashMap::new()
    };
    let param = |name: &str| params.get(name).map(String::as_str).unwrap_or_default();
    let credentials = state.credentials();
    match param("grant_type") {
        "client_credentials" => {
            if !same(param("client_id"), &credentials.salesforce_client_id) {
                return oauth_error(&state, "invalid_client_id", "client identifier invalid");
            }
            if !same(
                param("client_secret"),
                &credentials.salesforce_client_secret,
            ) {
                return oauth_error(&state, "invalid_client", "invalid client credentials");
            }
        }
        JWT_BEARER => {
            if let Err((error, description)) = verify_assertion(&state, param("assertion")) {
                return oauth_error(&state, error, description);
            }
        }
        _ => return oauth_error(&state, "unsupported_grant_type", "grant type not supported"),
    }
    issue(&state)
}

fn same(given: &str, expected: &str) -> bool {
    bool::from(given.as_bytes().ct_eq(expected.as_bytes()))
}

fn issue(state: &SalesforceState) -> Response {
    let credentials = state.credentials();
    let base = state.base_url();
    let access_token = state.inner.sessions.issue(&credentials.salesforce_org_id);
    let id = format!(
        "{base}/id/{}/{}",
        credentials.salesforce_org_id, credentials.salesforce_integration_user_id
    );
    let issued_at = chrono::Utc::now().timestamp_millis().to_string();
    // Salesforce signs id + issued_at with the consumer secret, so clients can check the answer.
    let signature = Hmac::<Sha256>::new_from_slice(credentials.salesforce_client_secret.as_bytes())
        .map(|mut mac| {
            mac.update(id.as_bytes());
            mac.update(issued_at.as_bytes());
            base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
        })
        .unwrap_or_default();
    json_response(
        StatusCode::OK,
        &json!({
            "access_token": access_token,
            "signature": signature,
            "scope": "api",
            "instance_url": base,
            "id": id,
            "token_type": "Bearer",
            "issued_at": issued_at,
        }),
    )
}

#[derive(Deserialize)]
struct Claims {
    iss: Option<String>,
    sub: Option<String>,
    aud: Option<Value>,
    exp: Option<f64>,
}

type Refusal = (&'static str, &'static str);
const INVALID_ASSERTION: Refusal = ("invalid_grant", "invalid assertion");

/// RS256 signature by the connected app's certificate key, `iss` = consumer key, `sub` = the
/// pre-authorised user, `aud` = a login host or this org, `exp` within the next 3 minutes.
fn verify_assertion(state: &SalesforceState, assertion: &str) -> Result<(), Refusal> {
    let credentials = state.credentials();
    let pem = credentials
        .salesforce_jwt_public_key_pem
        .as_deref()
        .ok_or(INVALID_ASSERTION)?;
    let key = DecodingKey::from_rsa_pem(pem.as_bytes()).map_err(|_| INVALID_ASSERTION)?;
    let mut validation = Validation::new(Algorithm::RS256);
    // Claims are checked below, each with the answer Salesforce gives.
    validation.required_spec_claims = HashSet::new();
    validation.validate_exp = false;
    validation.validate_aud = false;
    validation.leeway = 0;
    let claims = jsonwebtoken::decode::<Claims>(assertion, &key, &validation)
        .map_err(|_| INVALID_ASSERTION)?
        .claims;
    if !claims
        .iss
        .as_deref()
        .is_some_and(|iss| same(iss, &credentials.salesforce_client_id))
    {
        return Err(("invalid_client_id", "client identifier invalid"));
    }
    let base = state.base_url();
    let audience_ok = |aud: &str| {
        let aud = aud.trim_end_matches('/');
        LOGIN_AUDIENCES.contains(&aud) || aud == base
    };
    let audiences: Vec<&str> = match &claims.aud {
        Some(Value::String(aud)) => vec![aud.as_str()],
        Some(Value::Array(list)) => list.iter().filter_map(Value::as_str).collect(),
        _ => vec![],
    };
    if !audiences.into_iter().any(audience_ok) {
        return Err(("invalid_grant", "audience is invalid"));
    }
    if claims.sub.as_deref() != Some(credentials.salesforce_username.as_str()) {
        return Err(INVALID_ASSERTION);
    }
    let now = chrono::Utc::now().timestamp();
    match claims.exp.map(|exp| exp as i64) {
        Some(exp) if exp > now && exp <= now + MAX_ASSERTION_LIFETIME => Ok(()),
        _ => Err(INVALID_ASSERTION),
    }
}

/// The bearer token of a request (`Authorization: Bearer …`, or the older `OAuth …`).
fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    let known = scheme.eq_ignore_ascii_case("bearer") || scheme.eq_ignore_ascii_case("oauth");
    known.then(|| token.trim()).filter(|t| !t.is_empty())
}

/// Middleware for every REST route: 401 without a live session, 404 for an unserved version;
/// otherwise the call is counted, marked in flight, and answered with `Sforce-Limit-Info`.
pub async fn admit(
    State(state): State<SalesforceState>,
    mut request: Request,
    next: Next,
) -> Response {
    let live = bearer(request.headers()).is_some_and(|token| state.inner.sessions.touch(token));
    if !live {
        state.journal().count_auth_failure();
        let mut response = ApiError::invalid_session().into_response();
        response
            .headers_mut()
            .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Token"));
        return response;
    }
    let _in_flight = state.journal().enter();
    let used = state.count_api_call();
    let mut response = match ApiVersion::from_path(request.uri().path()) {
        Some(version) => {
            request.extensions_mut().insert(version);
            next.run(request).await
        }
        None => ApiError::not_found().into_response(),
    };
    if let Ok(value) = HeaderValue::from_str(&format!("api-usage={used}/{DAILY_API_LIMIT}")) {
        response.headers_mut().insert("sforce-limit-info", value);
    }
    response
}
