//! Sandbox-only routes (no authentication, not API calls): look at records, make the edits a
//! person would make in the Salesforce UI, expire every session, and force the query page size.

use super::decode;
use super::errors::{ApiError, json_response};
use super::schema::SObject;
use super::sobjects::{parse_id, parse_object};
use super::version::{ApiVersion, LATEST};
use super::view;
use super::{HUMAN_USER_ID, SalesforceState};
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::{get, post, put};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

pub fn routes() -> Router<SalesforceState> {
    Router::new()
        .route("/_sandbox/records/{object}", get(list).post(human_create))
        .route(
            "/_sandbox/records/{object}/{id}",
            get(show).patch(human_update),
        )
        .route("/_sandbox/expire-tokens", post(expire_tokens))
        .route("/_sandbox/query-page-size", put(query_page_size))
        .route("/_sandbox/api-usage", put(api_usage))
}

fn row(state: &SalesforceState, object: SObject, id: &str) -> Result<view::Row, ApiError> {
    state.with_org(|org| {
        let record = org.get(object, id).ok_or_else(ApiError::not_found)?;
        Ok(view::record_row(
            object,
            record,
            &view::all_fields(org, object),
            &ApiVersion(LATEST).label(),
        ))
    })
}

/// `GET /_sandbox/records/{Object}`: every record, oldest first.
async fn list(
    State(state): State<SalesforceState>,
    Path(object): Path<String>,
) -> Result<Response, ApiError> {
    let object = parse_object(&object)?;
    let rows: Vec<view::Row> = state.with_org(|org| {
        let fields = view::all_fields(org, object);
        org.records(object)
            .map(|record| view::record_row(object, record, &fields, &ApiVersion(LATEST).label()))
            .collect()
    });
    Ok(json_response(StatusCode::OK, &rows))
}

async fn show(
    State(state): State<SalesforceState>,
    Path((object, id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let object = parse_object(&object)?;
    let id = parse_id(object, &id)?;
    Ok(json_response(StatusCode::OK, &row(&state, object, &id)?))
}

/// The body of a human edit, plus the origin stamp cleared: the shipped flow empties
/// `Tandem_Sync_Origin__c` whenever someone other than the integration user saves.
fn human_fields(
    state: &SalesforceState,
    object: SObject,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<decode::Fields, ApiError> {
    let body = decode::json_object(headers, body)?;
    state.with_org(|org| {
        let custom = org.custom_fields(object);
        let mut fields = decode::fields(object, &body, custom)?;
        if let Some(origin) = decode::resolve(object, "Tandem_Sync_Origin__c", custom) {
            fields.insert(origin.name().to_owned(), Value::Null);
        }
        Ok(fields)
    })
}

/// `PATCH /_sandbox/records/{Object}/{id}`: someone edits the record in the UI.
async fn human_update(
    State(state): State<SalesforceState>,
    Path((object, id)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let object = parse_object(&object)?;
    let id = parse_id(object, &id)?;
    let fields = human_fields(&state, object, &headers, &body)?;
    let actor = state.actor(HUMAN_USER_ID);
    state.with_org(|org| {
        org.get(object, &id).ok_or_else(ApiError::not_found)?;
        org.update(object, &id, fields, &actor.user, &actor.now)
            .map_err(ApiError::from)
    })?;
    state.announce(object, std::slice::from_ref(&id));
    Ok(json_response(StatusCode::OK, &row(&state, object, &id)?))
}

/// `POST /_sandbox/records/{Object}`: someone creates the record in the UI.
async fn human_create(
    State(state): State<SalesforceState>,
    Path(object): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let object = parse_object(&object)?;
    let fields = human_fields(&state, object, &headers, &body)?;
    let actor = state.actor(HUMAN_USER_ID);
    let id = state.with_org(|org| org.create(object, fields, &actor.user, &actor.now))?;
    state.announce(object, std::slice::from_ref(&id));
    Ok(json_response(
        StatusCode::CREATED,
        &row(&state, object, &id)?,
    ))
}

/// `POST /_sandbox/expire-tokens`: every issued access token stops working.
async fn expire_tokens(State(state): State<SalesforceState>) -> Json<Value> {
    let expired = state.inner.sessions.expire_all();
    Json(json!({ "expired": expired }))
}

#[derive(Deserialize)]
struct PageSize {
    size: Option<usize>,
}

/// `PUT /_sandbox/query-page-size {"size":N}` (null restores Salesforce's batch sizes).
async fn query_page_size(
    State(state): State<SalesforceState>,
    Json(page): Json<PageSize>,
) -> Result<Json<Value>, (StatusCode, Json<Value>)> {
    if page.size == Some(0) {
        return Err((
            StatusCode::BAD_REQUEST,
            Json(json!({ "error": "size must be at least 1" })),
        ));
    }
    state.set_page_size(page.size);
    Ok(Json(json!({ "query_page_size": page.size })))
}

#[derive(Deserialize)]
struct ApiUsage {
    used: u64,
}

/// `PUT /_sandbox/api-usage {"used":N}`: the day's API calls so far, as if other integrations
/// had spent them (what `Sforce-Limit-Info` and `/limits` report from now on).
async fn api_usage(
    State(state): State<SalesforceState>,
    Json(usage): Json<ApiUsage>,
) -> Json<Value> {
    state
        .inner
        .api_calls
        .store(usage.used, std::sync::atomic::Ordering::SeqCst);
    Json(json!({ "used": usage.used }))
}
