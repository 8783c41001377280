//! Salesforce's error shapes: the REST error array `[{"message","errorCode","fields"}]` with its
//! status, per-record DML errors (which sObject Collections spell with `statusCode`), and the
//! bodies injected faults are rendered as.

use super::schema::SObject;
use crate::sandbox::faults::FaultKind;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::{Value, json};

pub const JSON_CONTENT_TYPE: &str = "application/json;charset=UTF-8";

/// One entry of a REST error array. `fields` appears only on DML errors, as Salesforce does.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ErrorItem {
    pub message: String,
    #[serde(rename = "errorCode")]
    pub error_code: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fields: Option<Vec<String>>,
}

/// A whole request refused: status plus the error array.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    pub status: StatusCode,
    pub items: Vec<ErrorItem>,
}

/// A record that could not be saved (validation, integrity, lock): 400 on a single-record call,
/// one entry of `errors` inside an sObject Collections result.
#[derive(Debug, Clone, PartialEq)]
pub struct DmlError {
    pub code: &'static str,
    pub message: String,
    pub fields: Vec<String>,
}

impl DmlError {
    pub fn new(code: &'static str, message: impl Into<String>, fields: &[&str]) -> Self {
        Self {
            code,
            message: message.into(),
            fields: fields.iter().map(|f| (*f).to_owned()).collect(),
        }
    }

    pub fn required_missing(fields: &[&str]) -> Self {
        Self::new(
            "REQUIRED_FIELD_MISSING",
            format!("Required fields are missing: [{}]", fields.join(", ")),
            fields,
        )
    }

    pub fn lock(record_id: &str) -> Self {
        Self::new(
            "UNABLE_TO_LOCK_ROW",
            format!("unable to obtain exclusive access to this record or 1 records: {record_id}"),
            &[],
        )
    }

    pub fn rolled_back() -> Self {
        Self::new(
            "ALL_OR_NONE_OPERATION_ROLLED_BACK",
            "Record rolled back because not all records were valid and the request was using AllOrNone header",
            &[],
        )
    }

    /// As an sObject Collections result entry.
    pub fn to_collection_json(&self) -> Value {
        json!({ "statusCode": self.code, "message": self.message, "fields": self.fields })
    }
}

impl From<DmlError> for ApiError {
    fn from(error: DmlError) -> Self {
        ApiError {
            status: StatusCode::BAD_REQUEST,
            items: vec![ErrorItem {
                message: error.message,
                error_code: error.code.to_owned(),
                fields: Some(error.fields),
            }],
        }
    }
}

impl ApiError {
    pub fn new(status: StatusCode, code: &str, message: impl Into<String>) -> Self {
        Self {
            status,
            items: vec![ErrorItem {
                message: message.into(),
                error_code: code.to_owned(),
                fields: None,
            }],
        }
    }

    pub fn with_fields(mut self, fields: &[&str]) -> Self {
        for item in &mut self.items {
            item.fields = Some(fields.iter().map(|f| (*f).to_owned()).collect());
        }
        self
    }

    /// `sf-rest-error-not-found.json`.
    pub fn not_found() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
            "The requested resource does not exist",
        )
    }

    /// `sf-rest-error-malformed-id.json`.
    pub fn malformed_id(object: SObject, value: &str) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "MALFORMED_ID",
            format!("{} ID: id value of incorrect type: {value}", object.label()),
        )
        .with_fields(&["Id"])
    }

    /// A body field the object does not have.
    pub fn no_such_column(object: SObject, field: &str) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "INVALID_FIELD",
            format!(
                "No such column '{field}' on sobject of type {}",
                object.name()
            ),
        )
    }

    /// A field named in `?fields=` or SOQL that the object does not have.
    pub fn no_such_column_on_entity(object: SObject, field: &str) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "INVALID_FIELD",
            format!(
                "No such column '{field}' on entity '{}'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.",
                object.name()
            ),
        )
    }

    pub fn json_parser(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "JSON_PARSER_ERROR", message)
    }

    pub fn invalid_session() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "INVALID_SESSION_ID",
            "Session expired or invalid",
        )
    }

    /// An injected fault, rendered as Salesforce answers it. `record_id` names the row a lock
    /// error is about.
    pub fn fault(kind: FaultKind, record_id: &str) -> Self {
        match kind {
            FaultKind::Lock => DmlError::lock(record_id).into(),
            FaultKind::Status { status: 403 } => Self::new(
                StatusCode::FORBIDDEN,
                "REQUEST_LIMIT_EXCEEDED",
                "TotalRequests Limit exceeded.",
            ),
            FaultKind::Status { status: 500 } => Self::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "UNKNOWN_EXCEPTION",
                format!(
                    "An unexpected error occurred. Please include this ErrorId if you contact support: {}-{} ({})",
                    rand::random_range(100_000_000u32..999_999_999),
                    rand::random_range(10_000u32..99_999),
                    -rand::random_range(100_000_000i64..999_999_999)
                ),
            ),
            FaultKind::Status { status } => Self::new(
                StatusCode::from_u16(status)
                    .ok()
                    .filter(|s| s.is_client_error() || s.is_server_error())
                    .unwrap_or(StatusCode::SERVICE_UNAVAILABLE),
                "SERVER_UNAVAILABLE",
                "The server is temporarily unable to service your request. Please try again later.",
            ),
            // Never reached: a timeout fault hangs in `Faults::before_call` until the client gives up.
            FaultKind::Timeout => Self::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "SERVER_UNAVAILABLE",
                "The server is temporarily unable to service your request. Please try again later.",
            ),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        json_response(self.status, &self.items)
    }
}

/// A JSON response with the content type Salesforce sends.
pub fn json_response<T: Serialize + ?Sized>(status: StatusCode, body: &T) -> Response {
    let bytes = serde_json::to_vec(body).unwrap_or_else(|_| b"[]".to_vec());
    let mut response = (status, bytes).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(JSON_CONTENT_TYPE),
    );
    response
}
