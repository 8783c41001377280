//! The login check in front of every API route: an OAuth 1.0a TBA signature or a bearer token
//! from the M2M token endpoint. Any failure answers 401 `INVALID_LOGIN` and is counted; the
//! reason goes to the log, as NetSuite keeps it for its Login Audit Trail.

use super::NetsuiteState;
use super::error::NsError;
use super::tba::{self, SignedRequest};
use axum::extract::{Request, State};
use axum::http::{header, request::Parts};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// Middleware: lets only authenticated requests through.
pub async fn require(State(state): State<NetsuiteState>, request: Request, next: Next) -> Response {
    let (parts, body) = request.into_parts();
    match authenticate(&state, &parts) {
        Ok(()) => next.run(Request::from_parts(parts, body)).await,
        Err(reason) => refuse(&state, reason),
    }
}

pub fn refuse(state: &NetsuiteState, reason: &str) -> Response {
    tracing::info!(reason, "NetSuite sandbox refused a login");
    state.journal.count_auth_failure();
    NsError::invalid_login().into_response()
}

/// Checks the `Authorization` header of a request; the error is the reason, for the log.
pub fn authenticate(state: &NetsuiteState, parts: &Parts) -> Result<(), &'static str> {
    let mut values = parts.headers.get_all(header::AUTHORIZATION).iter();
    let (Some(value), None) = (values.next(), values.next()) else {
        return Err("exactly one Authorization header is required");
    };
    let authorization = value
        .to_str()
        .map_err(|_| "the Authorization header is not text")?;
    let (scheme, credentials) = authorization
        .trim()
        .split_once(' ')
        .unwrap_or((authorization, ""));
    if scheme.eq_ignore_ascii_case("Bearer") {
        return if state.tokens.is_valid(credentials.trim()) {
            Ok(())
        } else {
            Err("the bearer token is unknown or expired")
        };
    }
    if !scheme.eq_ignore_ascii_case("OAuth") {
        return Err("the Authorization scheme is neither OAuth nor Bearer");
    }
    let authority = parts
        .uri
        .authority()
        .map(|authority| authority.as_str())
        .or_else(|| {
            parts
                .headers
                .get(header::HOST)
                .and_then(|host| host.to_str().ok())
        })
        .ok_or("the request names no host")?;
    let base_url = state.base_url();
    let scheme = base_url
        .split_once("://")
        .map_or("http", |(scheme, _)| scheme);
    let request = SignedRequest {
        method: parts.method.as_str(),
        scheme,
        authority,
        path: parts.uri.path(),
        query: parts.uri.query(),
        authorization,
    };
    let now = chrono::Utc::now().timestamp();
    tba::verify(&state.credentials, &state.nonces, &request, now).map_err(tba::TbaError::reason)
}
