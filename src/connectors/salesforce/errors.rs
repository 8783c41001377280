//! Salesforce REST error bodies, and what each failure asks of a worker: retry, back off,
//! refresh the token, park a conflict, or give up.

use crate::connectors::error::{ConnectorError, ErrorClass, System, class_of_status};
use reqwest::header::HeaderMap;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

/// Longest piece of a non-JSON error body kept in a message (proxies answer with HTML pages).
const TEXT_LIMIT: usize = 200;

/// One entry of an error body `[{"message","errorCode","fields"}]`. sObject Collections
/// results name the code `statusCode`; both are read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SalesforceErrorItem {
    #[serde(default)]
    pub message: String,
    #[serde(rename = "errorCode", alias = "statusCode", default)]
    pub error_code: String,
    #[serde(default, deserialize_with = "null_as_empty")]
    pub fields: Vec<String>,
}

impl SalesforceErrorItem {
    /// This error as a [`ConnectorError`], classified by its code alone (no HTTP status: a
    /// per-record failure inside a successful sObject Collections call).
    pub fn to_error(&self) -> ConnectorError {
        let class = class_of_code(&self.error_code).unwrap_or(ErrorClass::Permanent);
        let mut error = ConnectorError::new(System::Salesforce, class, self.message.clone())
            .with_fields(self.fields.clone());
        if !self.error_code.is_empty() {
            error = error.with_code(self.error_code.clone());
        }
        error
    }
}

/// The class a Salesforce `errorCode` demands whatever the status; `None` leaves it to the status.
pub fn class_of_code(code: &str) -> Option<ErrorClass> {
    match code {
        // Row lock contention and a briefly unavailable org clear up by themselves.
        "UNABLE_TO_LOCK_ROW" | "SERVER_UNAVAILABLE" => Some(ErrorClass::Retry),
        // The org's 24-hour API allowance is spent: hot retries would only burn more of it.
        "REQUEST_LIMIT_EXCEEDED" => Some(ErrorClass::BackOff),
        "INVALID_SESSION_ID" => Some(ErrorClass::RefreshAuth),
        _ => None,
    }
}

/// The class of a failed answer: a known `errorCode` wins, otherwise the status decides
/// (300 conflict, 401 refresh, 408/429/5xx retry, any other 4xx permanent).
pub fn classify(status: u16, code: Option<&str>) -> ErrorClass {
    code.and_then(class_of_code)
        .unwrap_or_else(|| class_of_status(status))
}

/// What an error body held.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ErrorBody {
    /// The usual `[{"message","errorCode","fields"}]`, or one such object, or an OAuth
    /// `{"error","error_description"}` read as code and message.
    Items(Vec<SalesforceErrorItem>),
    /// An upsert's 300 answer: the URLs of the records the external id matched.
    Matches(Vec<String>),
    /// Anything else, cut short; empty when there was no body.
    Text(String),
}

/// Reads an error body without ever failing: unknown shapes become text.
pub fn parse_error_body(body: &[u8]) -> ErrorBody {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Array(entries))
            if !entries.is_empty() && entries.iter().all(Value::is_string) =>
        {
            ErrorBody::Matches(
                entries
                    .into_iter()
                    .filter_map(|entry| entry.as_str().map(str::to_owned))
                    .collect(),
            )
        }
        Ok(Value::Array(entries)) => ErrorBody::Items(
            entries
                .into_iter()
                .filter_map(|entry| serde_json::from_value(entry).ok())
                .collect(),
        ),
        Ok(Value::Object(object)) => match item_of_object(&object) {
            Some(item) => ErrorBody::Items(vec![item]),
            None => ErrorBody::Text(shorten(&String::from_utf8_lossy(body))),
        },
        _ => ErrorBody::Text(shorten(&String::from_utf8_lossy(body))),
    }
}

fn item_of_object(object: &serde_json::Map<String, Value>) -> Option<SalesforceErrorItem> {
    let text = |key: &str| object.get(key).and_then(Value::as_str).map(str::to_owned);
    let message = text("message").or_else(|| text("error_description"));
    let error_code = text("errorCode").or_else(|| text("error"));
    if message.is_none() && error_code.is_none() {
        return None;
    }
    let fields = object
        .get("fields")
        .and_then(Value::as_array)
        .map(|fields| {
            fields
                .iter()
                .filter_map(|f| f.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    Some(SalesforceErrorItem {
        message: message.unwrap_or_default(),
        error_code: error_code.unwrap_or_default(),
        fields,
    })
}

/// The error for a non-2xx answer: status, code, message, fields and `Retry-After` kept.
pub fn error_from_response(status: u16, headers: &HeaderMap, body: &[u8]) -> ConnectorError {
    let error = match parse_error_body(body) {
        ErrorBody::Matches(urls) => ConnectorError::new(
            System::Salesforce,
            ErrorClass::Conflict,
            format!(
                "the external id matches {} records: {}",
                urls.len(),
                urls.join(", ")
            ),
        ),
        ErrorBody::Items(items) if !items.is_empty() => {
            let code = items
                .iter()
                .map(|item| item.error_code.as_str())
                .find(|code| !code.is_empty());
            let message = items
                .iter()
                .map(|item| item.message.as_str())
                .filter(|message| !message.is_empty())
                .collect::<Vec<_>>()
                .join("; ");
            let message = if message.is_empty() {
                status_text(status)
            } else {
                message
            };
            let mut fields: Vec<String> = Vec::new();
            for field in items.iter().flat_map(|item| &item.fields) {
                if !fields.contains(field) {
                    fields.push(field.clone());
                }
            }
            let mut error =
                ConnectorError::new(System::Salesforce, classify(status, code), message)
                    .with_fields(fields);
            if let Some(code) = code {
                error = error.with_code(code);
            }
            error
        }
        ErrorBody::Items(_) | ErrorBody::Text(_) if status == 300 => ConnectorError::new(
            System::Salesforce,
            ErrorClass::Conflict,
            "the external id matches several records",
        ),
        ErrorBody::Items(_) => bare(status, String::new()),
        ErrorBody::Text(text) => bare(status, text),
    };
    error.with_status(status).with_retry_after(headers)
}

fn bare(status: u16, text: String) -> ConnectorError {
    let message = if text.trim().is_empty() {
        status_text(status)
    } else {
        text
    };
    ConnectorError::new(System::Salesforce, class_of_status(status), message)
}

fn status_text(status: u16) -> String {
    let reason = reqwest::StatusCode::from_u16(status)
        .ok()
        .and_then(|status| status.canonical_reason())
        .unwrap_or("error");
    format!("HTTP {status} {reason}")
}

fn shorten(text: &str) -> String {
    let text = text.trim();
    match text.char_indices().nth(TEXT_LIMIT) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}

fn null_as_empty<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<String>, D::Error> {
    Ok(Option::<Vec<String>>::deserialize(deserializer)?.unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_and_codes_classify_as_the_table_says() {
        use ErrorClass::*;
        let table: &[(u16, Option<&str>, ErrorClass)] = &[
            (300, None, Conflict),
            (400, Some("REQUIRED_FIELD_MISSING"), Permanent),
            (400, Some("MALFORMED_ID"), Permanent),
            (400, Some("INVALID_FIELD"), Permanent),
            (400, Some("FIELD_CUSTOM_VALIDATION_EXCEPTION"), Permanent),
            (400, Some("UNABLE_TO_LOCK_ROW"), Retry),
            (401, Some("INVALID_SESSION_ID"), RefreshAuth),
            (401, None, RefreshAuth),
            (403, Some("REQUEST_LIMIT_EXCEEDED"), BackOff),
            (403, Some("INSUFFICIENT_ACCESS"), Permanent),
            (404, Some("NOT_FOUND"), Permanent),
            (408, None, Retry),
            (429, None, Retry),
            (500, Some("UNKNOWN_EXCEPTION"), Retry),
            (503, Some("SERVER_UNAVAILABLE"), Retry),
            (503, None, Retry),
        ];
        for &(status, code, class) in table {
            assert_eq!(classify(status, code), class, "{status} {code:?}");
        }
    }

    #[test]
    fn an_object_body_and_an_oauth_body_read_as_one_item() {
        let body = br#"{"message":"Session expired or invalid","errorCode":"INVALID_SESSION_ID"}"#;
        let ErrorBody::Items(items) = parse_error_body(body) else {
            panic!("expected items")
        };
        assert_eq!(items[0].error_code, "INVALID_SESSION_ID");
        let body = br#"{"error":"invalid_grant","error_description":"invalid assertion"}"#;
        let ErrorBody::Items(items) = parse_error_body(body) else {
            panic!("expected items")
        };
        assert_eq!(
            (items[0].error_code.as_str(), items[0].message.as_str()),
            ("invalid_grant", "invalid assertion")
        );
    }

    #[test]
    fn a_non_json_body_becomes_short_text() {
        let page = format!("<html>{}</html>", "x".repeat(500));
        let error = error_from_response(502, &HeaderMap::new(), page.as_bytes());
        assert_eq!(error.class, ErrorClass::Retry);
        assert!(error.message.chars().count() <= TEXT_LIMIT + 1);
        let error = error_from_response(503, &HeaderMap::new(), b"");
        assert_eq!(error.message, "HTTP 503 Service Unavailable");
    }

    #[test]
    fn collection_errors_read_status_code_and_null_fields() {
        let item: SalesforceErrorItem = serde_json::from_str(
            r#"{"statusCode":"UNABLE_TO_LOCK_ROW","message":"unable to obtain exclusive access to this record","fields":null}"#,
        )
        .expect("item");
        let error = item.to_error();
        assert_eq!(error.class, ErrorClass::Retry);
        assert_eq!(error.code.as_deref(), Some("UNABLE_TO_LOCK_ROW"));
    }
}
