//! `POST /composite`: up to 25 subrequests (sObject rows, query, queryAll, collections) run in
//! order as one API call, each answered in `compositeResponse` with its own status, headers and
//! body. A later subrequest reads an earlier one's answer through `@{referenceId.field}`; one
//! whose reference cannot be resolved gets PROCESSING_HALTED. With `allOrNone`, the first failure
//! stops the request and rolls back everything it saved. `collateSubrequests` is accepted; the
//! sandbox always runs subrequests in their order.

use super::errors::{ApiError, json_response};
use super::references;
use super::version::ApiVersion;
use super::{SalesforceState, decode};
use crate::sandbox::faults::FaultKind;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, Request, StatusCode, header};
use serde::Deserialize;
use serde_json::{Map, Value, json};
use std::collections::HashSet;
use tower::ServiceExt;
use tower_http::normalize_path::NormalizePath;

const MAX_SUBREQUESTS: usize = 25;

#[derive(Deserialize)]
struct Composite {
    #[serde(rename = "allOrNone", default)]
    all_or_none: bool,
    #[serde(rename = "collateSubrequests", default)]
    _collate: bool,
    #[serde(rename = "compositeRequest")]
    requests: Vec<Subrequest>,
}

#[derive(Deserialize)]
struct Subrequest {
    method: String,
    url: String,
    #[serde(rename = "referenceId")]
    reference_id: String,
    #[serde(default)]
    body: Option<Value>,
    #[serde(rename = "httpHeaders", default)]
    http_headers: Map<String, Value>,
}

/// One subrequest's answer.
struct Answer {
    status: StatusCode,
    headers: Map<String, Value>,
    body: Value,
}

impl Answer {
    fn halted(message: &str) -> Self {
        Answer {
            status: StatusCode::BAD_REQUEST,
            headers: Map::new(),
            body: json!([{ "errorCode": "PROCESSING_HALTED", "message": message }]),
        }
    }
}

const ROLLED_BACK: &str =
    "The transaction was rolled back since another operation in the same transaction failed.";

fn invalid_input(message: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, "INVALID_INPUT", message)
}

fn read(headers: &HeaderMap, body: &[u8]) -> Result<Composite, ApiError> {
    let value = decode::json_body(headers, body)?;
    let composite: Composite =
        serde_json::from_value(value).map_err(|error| ApiError::json_parser(error.to_string()))?;
    if composite.requests.is_empty() {
        return Err(invalid_input(
            "compositeRequest must contain at least one subrequest",
        ));
    }
    if composite.requests.len() > MAX_SUBREQUESTS {
        return Err(invalid_input(format!(
            "Composite request may have up to {MAX_SUBREQUESTS} subrequests, but {} were provided",
            composite.requests.len()
        )));
    }
    let mut seen = HashSet::new();
    for request in &composite.requests {
        let id = &request.reference_id;
        if id.is_empty() || !id.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(invalid_input(format!(
                "Invalid referenceId ('{id}'): a referenceId may contain only letters, numbers and underscores"
            )));
        }
        if !seen.insert(id.to_ascii_lowercase()) {
            return Err(invalid_input(format!(
                "Duplicate ReferenceId provided in the request: {id}"
            )));
        }
        if Method::from_bytes(request.method.as_bytes()).is_err()
            || !request.url.starts_with("/services/data/")
        {
            return Err(invalid_input(format!(
                "Invalid subrequest {id}: method must be GET, POST, PATCH, PUT or DELETE and url must start with /services/data/"
            )));
        }
    }
    Ok(composite)
}

pub async fn run(
    State(state): State<SalesforceState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<axum::response::Response, ApiError> {
    if let Some(kind @ FaultKind::Status { .. }) = state.begin("composite").await {
        return Err(ApiError::fault(kind, ""));
    }
    let composite = read(&headers, &body)?;
    // A concurrent client's writes during an all-or-none request are rolled back with it; the
    // sandbox has one transaction at a time only in spirit.
    let backup = composite
        .all_or_none
        .then(|| state.with_org(|org| org.clone()));
    let ((answers, failed), echoes) = state
        .holding_echoes(run_all(&state, composite.requests, composite.all_or_none))
        .await;
    let mut answers = answers;
    match (failed, backup) {
        (true, Some(backup)) => {
            // Rolled back: nothing was saved, so nothing is announced.
            state.with_org(|org| org.restore(backup));
            for (_, answer) in answers.iter_mut().filter(|(_, a)| a.status.is_success()) {
                *answer = Answer::halted(ROLLED_BACK);
            }
        }
        _ => state.send_echoes(echoes),
    }
    let results: Vec<Value> = answers
        .into_iter()
        .map(|(reference_id, answer)| {
            json!({
                "body": answer.body,
                "httpHeaders": answer.headers,
                "httpStatusCode": answer.status.as_u16(),
                "referenceId": reference_id,
            })
        })
        .collect();
    Ok(json_response(
        StatusCode::OK,
        &json!({ "compositeResponse": results }),
    ))
}

/// Runs the subrequests in order; with `all_or_none`, those after a failure are not run. Says
/// whether any failed.
async fn run_all(
    state: &SalesforceState,
    requests: Vec<Subrequest>,
    all_or_none: bool,
) -> (Vec<(String, Answer)>, bool) {
    let mut bodies = Map::new();
    let mut answers: Vec<(String, Answer)> = Vec::with_capacity(requests.len());
    let mut failed = false;
    for request in requests {
        let answer = if failed && all_or_none {
            Answer::halted(ROLLED_BACK)
        } else {
            dispatch(state, &request, &bodies).await
        };
        if answer.status.is_client_error() || answer.status.is_server_error() {
            failed = true;
        } else {
            bodies.insert(request.reference_id.clone(), answer.body.clone());
        }
        answers.push((request.reference_id, answer));
    }
    (answers, failed)
}

/// Runs one subrequest against the org's REST resources, its references resolved first.
async fn dispatch(
    state: &SalesforceState,
    request: &Subrequest,
    bodies: &Map<String, Value>,
) -> Answer {
    let resolved = references::in_text(&request.url, bodies).and_then(|url| {
        let body = request
            .body
            .as_ref()
            .map(|b| references::in_json(b, bodies))
            .transpose()?;
        Ok((url, body))
    });
    let (url, body) = match resolved {
        Ok(resolved) => resolved,
        Err(unresolved) => return Answer::halted(&unresolved.to_string()),
    };
    let Some(version) = ApiVersion::from_path(&url) else {
        return error_answer(ApiError::not_found());
    };
    let method = Method::from_bytes(request.method.as_bytes()).unwrap_or(Method::GET);
    let mut builder = Request::builder().method(method.clone()).uri(url.as_str());
    for (name, value) in &request.http_headers {
        if let (Ok(name), Some(Ok(value))) = (
            HeaderName::from_bytes(name.as_bytes()),
            value.as_str().map(HeaderValue::from_str),
        ) {
            builder = builder.header(name, value);
        }
    }
    let payload = match &body {
        Some(body) => {
            builder = builder.header(header::CONTENT_TYPE, "application/json");
            Body::from(serde_json::to_vec(body).unwrap_or_default())
        }
        None => Body::empty(),
    };
    let Ok(mut sub) = builder.body(payload) else {
        return error_answer(ApiError::not_found());
    };
    sub.extensions_mut().insert(version);
    let resources =
        NormalizePath::trim_trailing_slash(super::resources().with_state(state.clone()));
    let Ok(response) = resources.oneshot(sub).await;
    let status = response.status();
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap_or_default();
    let body: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    let mut headers = Map::new();
    if status == StatusCode::CREATED
        && method == Method::POST
        && let Some(id) = body.get("id").and_then(Value::as_str)
    {
        let path = url
            .split('?')
            .next()
            .unwrap_or_default()
            .trim_end_matches('/');
        headers.insert("Location".into(), Value::from(format!("{path}/{id}")));
    }
    Answer {
        status,
        headers,
        body,
    }
}

fn error_answer(error: ApiError) -> Answer {
    Answer {
        status: error.status,
        headers: Map::new(),
        body: serde_json::to_value(&error.items).unwrap_or(Value::Null),
    }
}
