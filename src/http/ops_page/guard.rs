//! The gate in front of every ops page but the log-in: the admin token as the session cookie
//! (or an `Authorization: Bearer` header, for scripts), and for every POST made with the cookie,
//! the CSRF field. A refused POST never reaches its handler, so nothing is done; an accepted
//! one hands its parsed form to the handler.

use super::errors::PageError;
use super::{LOGIN, csrf, session};
use crate::http::AppState;
use crate::http::admin_token::{bearer_token, same};
use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};

/// Largest form body read (an edited payload is the biggest field).
const MAX_FORM_BYTES: usize = 1024 * 1024;

/// Who is looking, as far as pages care: the CSRF token their forms must carry (empty for a
/// request authenticated by header, which a browser never sends by itself).
#[derive(Clone)]
pub struct Viewer {
    pub csrf: String,
}

/// The fields of an accepted POST, in order.
#[derive(Clone, Default)]
pub struct ActionForm(Vec<(String, String)>);

impl ActionForm {
    pub fn parse(body: &[u8]) -> Self {
        Self(url::form_urlencoded::parse(body).into_owned().collect())
    }

    /// The first value of `name`, when given and not blank.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(key, value)| key == name && !value.trim().is_empty())
            .map(|(_, value)| value.as_str())
    }

    /// Every pair, for handing a filter on.
    pub fn pairs(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }
}

/// How the request proved it knows the admin token.
enum Session {
    /// The session cookie's value.
    Cookie(String),
    Bearer,
}

pub async fn require_session(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let Some(admin_token) = &state.config.server.admin_token else {
        return PageError::disabled().into_response();
    };
    let admin_token = admin_token.expose();
    let session = match authenticate(request.headers(), admin_token) {
        Ok(session) => session,
        Err(refusal) if request.method() == Method::GET || request.method() == Method::HEAD => {
            return match refusal {
                Refusal::WrongBearer => refusal.into_response(),
                Refusal::NoSession => Redirect::to(LOGIN).into_response(),
            };
        }
        Err(refusal) => return refusal.into_response(),
    };
    let viewer = Viewer {
        csrf: match &session {
            Session::Cookie(value) => csrf::token(admin_token, value),
            Session::Bearer => String::new(),
        },
    };
    let (mut parts, body) = request.into_parts();
    let body = if parts.method == Method::POST {
        let Ok(bytes) = to_bytes(body, MAX_FORM_BYTES).await else {
            return PageError::new(413, "The form is larger than the ops page accepts (1 MiB).")
                .into_response();
        };
        let form = ActionForm::parse(&bytes);
        if let Session::Cookie(value) = &session {
            let given = form.get(csrf::FIELD).unwrap_or_default();
            if !csrf::verify(admin_token, value, given) {
                tracing::warn!(path = %parts.uri.path(), "ops page: a form without a valid CSRF token was refused");
                return PageError::new(
                    403,
                    "Refused: the form's CSRF token is missing or does not belong to your session, \
                     so nothing was done. Reload the page and try again.",
                )
                .into_response();
            }
        }
        parts.extensions.insert(form);
        Body::empty()
    } else {
        body
    };
    parts.extensions.insert(viewer);
    next.run(Request::from_parts(parts, body)).await
}

enum Refusal {
    NoSession,
    WrongBearer,
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        match self {
            Refusal::NoSession => {
                PageError::new(401, "Log in first: there is no session, or it has ended.")
            }
            Refusal::WrongBearer => {
                PageError::new(401, "The bearer token does not match server.admin_token.")
            }
        }
        .into_response()
    }
}

fn authenticate(headers: &HeaderMap, admin_token: &str) -> Result<Session, Refusal> {
    if let Some(given) = bearer_token(headers) {
        return if same(given, admin_token) {
            Ok(Session::Bearer)
        } else {
            Err(Refusal::WrongBearer)
        };
    }
    let cookies = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok());
    match session::from_cookies(cookies) {
        Some(value) if session::verify(admin_token, value, chrono::Utc::now().timestamp()) => {
            Ok(Session::Cookie(value.to_owned()))
        }
        _ => Err(Refusal::NoSession),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_form_field_is_its_first_non_blank_value() {
        let form = ActionForm::parse(b"a=&a=1&b=x+y&c=%7B%22k%22%3A1%7D");
        assert_eq!(form.get("a"), Some("1"));
        assert_eq!(form.get("b"), Some("x y"));
        assert_eq!(form.get("c"), Some("{\"k\":1}"));
        assert_eq!(form.get("d"), None);
    }
}
