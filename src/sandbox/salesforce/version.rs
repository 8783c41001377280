//! REST API versions (`v40.0` up to the current release), the version list at
//! `/services/data/`, and Salesforce's answers for unknown resources and methods.

use super::errors::{ApiError, json_response};
use axum::extract::Request;
use axum::http::{Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

/// Oldest version the sandbox serves.
pub const OLDEST: u32 = 40;
/// The current release (Winter '27).
pub const LATEST: u32 = 68;
/// Upsert answers 200 with `created:false` for an update from this version on (204 before).
pub const UPSERT_BODY_ON_UPDATE: u32 = 46;

/// The version a request is made under, e.g. `v67.0`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ApiVersion(pub u32);

impl ApiVersion {
    /// The version segment of `/services/data/v67.0/…`, when it names a served version.
    pub fn from_path(path: &str) -> Option<ApiVersion> {
        let segment = path.strip_prefix("/services/data/")?.split('/').next()?;
        let major = segment.strip_prefix('v')?.strip_suffix(".0")?;
        if major.is_empty() || !major.bytes().all(|b| b.is_ascii_digit()) || major.starts_with('0')
        {
            return None;
        }
        let major: u32 = major.parse().ok()?;
        (OLDEST..=LATEST)
            .contains(&major)
            .then_some(ApiVersion(major))
    }

    pub fn label(self) -> String {
        format!("v{}.0", self.0)
    }
}

/// The release a version shipped in: v41.0 was Winter '18, three releases a year.
fn release(major: u32) -> String {
    if major < 41 {
        return "Summer '17".into();
    }
    let offset = major - 41;
    let season = ["Winter", "Spring", "Summer"][(offset % 3) as usize];
    format!("{season} '{}", 18 + offset / 3)
}

/// `GET /services/data/`: every served version, oldest first (no authentication needed).
pub async fn list() -> Response {
    let versions: Vec<Value> = (OLDEST..=LATEST)
        .map(|major| {
            json!({ "label": release(major), "url": format!("/services/data/v{major}.0"), "version": format!("{major}.0") })
        })
        .collect();
    json_response(StatusCode::OK, &versions)
}

pub async fn not_found() -> ApiError {
    ApiError::not_found()
}

/// Gives API 405s Salesforce's body (axum leaves them empty), naming the allowed methods.
pub async fn method_not_allowed(request: Request, next: Next) -> Response {
    let method = request.method().clone();
    let api = request.uri().path().starts_with("/services/");
    let response = next.run(request).await;
    if response.status() != StatusCode::METHOD_NOT_ALLOWED || !api {
        return response;
    }
    let allowed = response
        .headers()
        .get(header::ALLOW)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .replace(' ', "");
    let mut answer = ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "METHOD_NOT_ALLOWED",
        format!("HTTP Method '{method}' not allowed. Allowed are {allowed}"),
    )
    .into_response();
    if let Some(allow) = response.headers().get(header::ALLOW) {
        answer.headers_mut().insert(header::ALLOW, allow.clone());
    }
    if method == Method::HEAD {
        *answer.body_mut() = axum::body::Body::empty();
    }
    answer
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn served_versions_are_whole_releases_from_40_to_the_current_one() {
        assert_eq!(
            ApiVersion::from_path("/services/data/v67.0/query"),
            Some(ApiVersion(67))
        );
        assert_eq!(
            ApiVersion::from_path("/services/data/v40.0/sobjects/Account"),
            Some(ApiVersion(40))
        );
        for bad in [
            "v39.0", "v99.0", "v67", "v67.1", "67.0", "v067.0", "vx.0", "",
        ] {
            assert_eq!(
                ApiVersion::from_path(&format!("/services/data/{bad}/query")),
                None,
                "{bad}"
            );
        }
    }

    #[test]
    fn releases_are_named_as_salesforce_names_them() {
        assert_eq!(release(65), "Winter '26");
        assert_eq!(release(67), "Summer '26");
        assert_eq!(release(46), "Summer '19");
    }
}
