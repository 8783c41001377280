//! Logging in and out: a form that takes the admin token and answers with the session cookie;
//! the token itself travels only in the form's body, never in a URL.

use super::errors::PageError;
use super::guard::ActionForm;
use super::layout::{self, bare_page};
use super::{LOGIN, PAGE, login_throttle, session};
use crate::http::AppState;
use crate::http::admin_token::same;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;

fn form(error: Option<&str>, notice: Option<&str>) -> axum::response::Html<String> {
    bare_page(
        "Log in",
        html! {
            @if let Some(error) = error { p.error id="error" { (error) } }
            @if let Some(notice) = notice { p.notice id="notice" { (notice) } }
            form method="post" action=(LOGIN) {
                label for="token" { "Admin token (" code { "server.admin_token" } ")" }
                input #token type="password" name="token" autocomplete="current-password" required autofocus;
                button type="submit" id="login" { "Log in" }
            }
        },
    )
}

/// `GET /ops/login`.
pub async fn show(State(state): State<AppState>, RawQuery(query): RawQuery) -> Response {
    if state.config.server.admin_token.is_none() {
        return PageError::disabled().into_response();
    }
    let query = layout::query_pairs(query.as_deref());
    form(None, layout::notice(&query)).into_response()
}

/// `POST /ops/login`: the right token gets a session and goes to the overview; a wrong one
/// gets the form again, 401.
pub async fn submit(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let Some(admin_token) = &state.config.server.admin_token else {
        return PageError::disabled().into_response();
    };
    let now = std::time::Instant::now();
    if let Some(wait) = login_throttle::wait(now) {
        let seconds = wait.as_secs().max(1);
        let message =
            format!("Too many wrong tokens in the last minute; try again in {seconds} s.");
        let mut response =
            (StatusCode::TOO_MANY_REQUESTS, form(Some(&message), None)).into_response();
        if let Ok(value) = HeaderValue::from_str(&seconds.to_string()) {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
        return response;
    }
    let given = ActionForm::parse(&body);
    let given = given.get("token").unwrap_or_default();
    if !same(given.trim(), admin_token.expose()) {
        login_throttle::failed(now);
        tracing::warn!("ops page: a log-in with a wrong admin token was refused");
        let page = form(
            Some("That is not the admin token (server.admin_token)."),
            None,
        );
        return (StatusCode::UNAUTHORIZED, page).into_response();
    }
    let value = session::issue(admin_token.expose(), chrono::Utc::now().timestamp());
    let cookie = session::set_cookie(&value, over_https(&headers));
    with_cookie(Redirect::to(PAGE).into_response(), &cookie)
}

/// `POST /ops/logout` (behind the guard, so with the CSRF field): the cookie is cleared.
pub async fn logout(axum::Extension(_): axum::Extension<ActionForm>) -> Response {
    let page = layout::after_action(LOGIN, "You are logged out.");
    with_cookie(page, &session::clear_cookie())
}

fn with_cookie(mut response: Response, cookie: &str) -> Response {
    if let Ok(value) = HeaderValue::from_str(cookie) {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    response
}

/// Whether the browser reached tandem over HTTPS (directly, or through a proxy that says so).
fn over_https(headers: &HeaderMap) -> bool {
    headers
        .get("x-forwarded-proto")
        .and_then(|value| value.to_str().ok())
        .is_some_and(|proto| proto.eq_ignore_ascii_case("https"))
}
