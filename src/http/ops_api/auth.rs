//! The ops API's guard: `Authorization: Bearer <server.admin_token>`, compared in constant
//! time, checked before anything of the request is read. Without a configured token the API
//! is off.

use crate::http::admin_token::{bearer_token, same};
use crate::http::{ApiError, AppState};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// Lets the request through only with the configured admin token.
pub async fn require_admin_token(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let Some(expected) = &state.config.server.admin_token else {
        return ApiError::Forbidden(
            "the ops API is disabled until server.admin_token is set".into(),
        )
        .into_response();
    };
    match bearer_token(request.headers()) {
        Some(given) if same(given, expected.expose()) => next.run(request).await,
        Some(_) => unauthorized("the bearer token does not match server.admin_token"),
        None => unauthorized("send Authorization: Bearer <server.admin_token>"),
    }
}

fn unauthorized(message: &str) -> Response {
    let mut response = ApiError::Unauthorized(message.into()).into_response();
    response.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static("Bearer realm=\"tandem ops\""),
    );
    response
}
