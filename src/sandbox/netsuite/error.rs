//! NetSuite's REST error answer, `{"type","title","status","o:errorDetails":[{"detail",
//! "o:errorCode","o:errorPath"}]}`, and every error the emulator gives, in one place.
//!
//! Codes and why: `INVALID_LOGIN` (401, the fixture body verbatim), `NONEXISTENT_ID` (404, an
//! unknown id, type or sub-resource), `INVALID_CONTENT` (400, a bad value, a malformed body or
//! a custom field the record type lacks, with `o:errorPath`), `USER_ERROR` (400, a business rule: missing mandatory fields, PUT
//! without `eid:`, a record with dependents; also 405 for a method a resource lacks),
//! `DUP_RCRD` (400, an external id already in use: NetSuite's own code for "This record already
//! exists"), `CONCURRENCY_LIMIT_EXCEEDED` (429, the code clients match),
//! `RCRD_HAS_BEEN_CHANGED` (400, an injected record-lock collision: NetSuite's optimistic
//! concurrency error), `UNEXPECTED_ERROR` (an injected 5xx).

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

/// NetSuite answers errors with Oracle's REST media type.
pub const ERROR_CONTENT_TYPE: &str = "application/vnd.oracle.resource+json; type=error";

#[derive(Debug, Clone, PartialEq)]
pub struct NsError {
    pub status: StatusCode,
    pub code: &'static str,
    pub detail: String,
    pub path: Option<String>,
}

impl NsError {
    pub fn new(status: StatusCode, code: &'static str, detail: impl Into<String>) -> Self {
        Self {
            status,
            code,
            detail: detail.into(),
            path: None,
        }
    }

    pub fn at(mut self, path: impl Into<String>) -> Self {
        self.path = Some(path.into());
        self
    }

    /// Every authentication failure, whatever the reason: NetSuite shows details only in its
    /// Login Audit Trail.
    pub fn invalid_login() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "INVALID_LOGIN",
            "Invalid login attempt. For more details, see the Login Audit Trail in the NetSuite UI at Setup > Users/Roles > User Management > View Login Audit Trail.",
        )
    }

    pub fn nonexistent_record() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "NONEXISTENT_ID",
            "The record instance does not exist. Provide a valid record instance ID.",
        )
    }

    /// An unknown record type, sub-resource or path segment.
    pub fn invalid_path(segment: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "NONEXISTENT_ID",
            format!(
                "Invalid value for the resource or sub-resource field '{segment}'. Provide a valid value."
            ),
        )
    }

    /// A value NetSuite cannot accept for a field, with the JSON path to it.
    pub fn invalid_value(path: &str, field: &str, value: &Value) -> Self {
        let value = match value {
            Value::String(text) => text.clone(),
            Value::Object(object) => match object.get("id").or_else(|| object.get("externalId")) {
                Some(Value::String(id)) => id.clone(),
                Some(other) => other.to_string(),
                None => Value::Object(object.clone()).to_string(),
            },
            other => other.to_string(),
        };
        Self::new(
            StatusCode::BAD_REQUEST,
            "INVALID_CONTENT",
            format!("Error while accessing resource: You have entered an Invalid Field Value {value} for the following field: {field}"),
        )
        .at(path)
    }

    /// A body key naming a custom field the record type does not have. NetSuite's documentation
    /// shows no body for this case; the emulator answers with the documented error shape, the
    /// code the documentation gives for invalid request content (`INVALID_CONTENT`, a 400), the
    /// field's name in `o:errorPath`, and a detail in the style of the documented ones.
    pub fn unknown_field(record_type: &str, field: &str) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "INVALID_CONTENT",
            format!("Error while accessing resource: Invalid field {field}: the {record_type} record has no such field. Create the custom field or remove it from the request."),
        )
        .at(field)
    }

    pub fn malformed_body(why: &str) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "INVALID_CONTENT",
            format!("Invalid content in the request body: {why}"),
        )
    }

    pub fn user_error(detail: impl Into<String>) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "USER_ERROR",
            format!("Error while accessing resource: {}", detail.into()),
        )
    }

    /// Mandatory fields left empty, named by their labels as the NetSuite UI shows them.
    pub fn missing_values(labels: &[&str]) -> Self {
        Self::user_error(format!("Please enter value(s) for: {}", labels.join(", ")))
    }

    pub fn duplicate_external_id() -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "DUP_RCRD",
            "Error while accessing resource: This record already exists.",
        )
        .at("externalId")
    }

    pub fn put_without_external_id() -> Self {
        Self::user_error(
            "PUT is only valid for upsert: address the record by its external ID (…/eid:{externalId}); use PATCH to update by internal ID.",
        )
    }

    pub fn method_not_allowed() -> Self {
        Self::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "USER_ERROR",
            "The HTTP method is not supported for this resource.",
        )
    }

    pub fn concurrency_limit() -> Self {
        Self::new(
            StatusCode::TOO_MANY_REQUESTS,
            "CONCURRENCY_LIMIT_EXCEEDED",
            "Concurrent request limit exceeded. Request blocked.",
        )
    }

    pub fn record_changed() -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "RCRD_HAS_BEEN_CHANGED",
            "Record has been changed",
        )
    }

    /// An injected server failure with the given status.
    pub fn unexpected(status: StatusCode) -> Self {
        let error_id = uuid::Uuid::new_v4().simple().to_string();
        Self::new(
            status,
            "UNEXPECTED_ERROR",
            format!(
                "An unexpected error occurred. Error ID: {}",
                &error_id[..20]
            ),
        )
    }

    pub fn body(&self) -> Value {
        let mut detail = Map::new();
        detail.insert("detail".into(), json!(self.detail));
        detail.insert("o:errorCode".into(), json!(self.code));
        if let Some(path) = &self.path {
            detail.insert("o:errorPath".into(), json!(path));
        }
        json!({
            "type": type_url(self.status),
            "title": self.status.canonical_reason().unwrap_or("Error"),
            "status": self.status.as_u16(),
            "o:errorDetails": [detail],
        })
    }
}

/// The `type` URL NetSuite puts in error bodies: the RFC 2616 section of the status.
fn type_url(status: StatusCode) -> &'static str {
    match status.as_u16() {
        400 => "https://www.w3.org/Protocols/rfc2616/rfc2616-sec10.html#sec10.4.1",
        // The 401 body NetSuite documents has no anchor.
        401 => "https://www.w3.org/Protocols/rfc2616/rfc2616-sec10.html",
        403 => "https://www.w3.org/Protocols/rfc2616/rfc2616-sec10.html#sec10.4.4",
        404 => "https://www.w3.org/Protocols/rfc2616/rfc2616-sec10.html#sec10.4.5",
        405 => "https://www.w3.org/Protocols/rfc2616/rfc2616-sec10.html#sec10.4.6",
        409 => "https://www.w3.org/Protocols/rfc2616/rfc2616-sec10.html#sec10.4.10",
        // RFC 2616 predates 429; RFC 6585 defines it.
        429 => "https://tools.ietf.org/html/rfc6585#section-4",
        500 => "https://www.w3.org/Protocols/rfc2616/rfc2616-sec10.html#sec10.5.1",
        502 => "https://www.w3.org/Protocols/rfc2616/rfc2616-sec10.html#sec10.5.3",
        503 => "https://www.w3.org/Protocols/rfc2616/rfc2616-sec10.html#sec10.5.4",
        504 => "https://www.w3.org/Protocols/rfc2616/rfc2616-sec10.html#sec10.5.5",
        _ => "https://www.w3.org/Protocols/rfc2616/rfc2616-sec10.html",
    }
}

impl IntoResponse for NsError {
    fn into_response(self) -> Response {
        let mut response = (self.status, self.body().to_string()).into_response();
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(ERROR_CONTENT_TYPE),
        );
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> Value {
        let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
    }

    #[test]
    fn the_invalid_login_body_is_the_documented_one() {
        assert_eq!(
            NsError::invalid_login().body(),
            fixture("netsuite-rest-error-401-invalid-login.json")
        );
    }

    #[test]
    fn an_invalid_item_reference_matches_the_documented_body() {
        let error = NsError::invalid_value("item.items[0].item", "item", &json!({"id": 9999}));
        assert_eq!(
            error.body(),
            fixture("netsuite-rest-error-400-invalid-content.json")
        );
    }
}
