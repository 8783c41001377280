//! The REST record service: `/services/rest/record/v1/{type}[/{id}[/{sublist}]]`. A create
//! answers 204 with the new id only in `Location`; `PUT …/eid:{externalId}` upserts; reads take
//! `?fields=` and `?expandSubResources=true`; PATCH takes `?replace=item`.

use super::NetsuiteState;
use super::error::NsError;
use super::record_type::RecordType;
use super::render::{self, COLLECTION_CONTENT_TYPE, RECORD_CONTENT_TYPE, View};
use super::store::{Key, field};
use super::write::{self, Actor, Change, Written};
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Map, Value};

/// Most records a collection page holds (NetSuite's own limit).
const MAX_PAGE: usize = 1000;

#[derive(Debug, Default, Deserialize)]
pub struct RecordQuery {
    fields: Option<String>,
    #[serde(rename = "expandSubResources")]
    expand_sub_resources: Option<String>,
    replace: Option<String>,
    limit: Option<String>,
    offset: Option<String>,
    /// A collection filter, e.g. `email END_WITH "@acme.com"`.
    q: Option<String>,
}

impl RecordQuery {
    pub fn view(&self) -> View {
        View {
            fields: self.fields.as_deref().map(names),
            expand: self
                .expand_sub_resources
                .as_deref()
                .is_some_and(|flag| flag.eq_ignore_ascii_case("true")),
        }
    }

    pub fn replace(&self) -> Vec<String> {
        self.replace.as_deref().map(names).unwrap_or_default()
    }
}

fn names(text: &str) -> Vec<String> {
    text.split(',')
        .map(str::trim)
        .filter(|name| !name.is_empty())
        .map(str::to_owned)
        .collect()
}

pub fn known_type(name: &str) -> Result<RecordType, NsError> {
    RecordType::from_url(name).ok_or_else(|| NsError::invalid_path(name))
}

fn key(segment: &str) -> Result<Key, NsError> {
    Key::parse(segment).ok_or_else(NsError::nonexistent_record)
}

/// A JSON object body, or the error NetSuite gives for anything else.
pub fn parse_body(body: &[u8]) -> Result<Map<String, Value>, NsError> {
    match serde_json::from_slice(body) {
        Ok(Value::Object(object)) => Ok(object),
        Ok(_) => Err(NsError::malformed_body("the body must be a JSON object")),
        Err(error) => Err(NsError::malformed_body(&format!(
            "malformed JSON ({error})"
        ))),
    }
}

pub fn json(content_type: &'static str, status: StatusCode, body: &Value) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, content_type)],
        body.to_string(),
    )
        .into_response()
}

/// 204 with the addressed record's URL in `Location`.
fn no_content_at(state: &NetsuiteState, written: &[Written]) -> Response {
    let Some(first) = written.first() else {
        return StatusCode::NO_CONTENT.into_response();
    };
    let location = render::href(&state.base_url(), first.record.record_type, first.record.id);
    (StatusCode::NO_CONTENT, [(header::LOCATION, location)]).into_response()
}

fn change(body: Map<String, Value>, replace: &[String]) -> Change<'_> {
    Change {
        body,
        replace,
        actor: Actor::Integration,
        now: chrono::Utc::now(),
    }
}

pub async fn create(
    State(state): State<NetsuiteState>,
    Path(record_type): Path<String>,
    body: Bytes,
) -> Result<Response, NsError> {
    let record_type = known_type(&record_type)?;
    let body = state.record_body(record_type, &body)?;
    state.journal.count_operation("create");
    let written = state.write(Actor::Integration, |records| {
        write::create(records, record_type, change(body, &[]))
    })?;
    Ok(no_content_at(&state, &written))
}

/// `PUT` exists only as upsert by external id.
pub async fn upsert(
    State(state): State<NetsuiteState>,
    Path((record_type, id)): Path<(String, String)>,
    Query(query): Query<RecordQuery>,
    body: Bytes,
) -> Result<Response, NsError> {
    let record_type = known_type(&record_type)?;
    let Some(Key::External(external_id)) = Key::parse(&id) else {
        return Err(NsError::put_without_external_id());
    };
    let body = state.record_body(record_type, &body)?;
    let replace = query.replace();
    state.journal.count_operation("upsert");
    let written = state.write(Actor::Integration, |records| {
        write::upsert(records, record_type, &external_id, change(body, &replace))
    })?;
    Ok(no_content_at(&state, &written))
}

pub async fn update(
    State(state): State<NetsuiteState>,
    Path((record_type, id)): Path<(String, String)>,
    Query(query): Query<RecordQuery>,
    body: Bytes,
) -> Result<Response, NsError> {
    let record_type = known_type(&record_type)?;
    let key = key(&id)?;
    let body = state.record_body(record_type, &body)?;
    let replace = query.replace();
    state.journal.count_operation("update");
    state.write(Actor::Integration, |records| {
        write::update(records, record_type, &key, change(body, &replace))
    })?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

pub async fn delete(
    State(state): State<NetsuiteState>,
    Path((record_type, id)): Path<(String, String)>,
) -> Result<Response, NsError> {
    let record_type = known_type(&record_type)?;
    let key = key(&id)?;
    state.journal.count_operation("delete");
    state.write(Actor::Integration, |records| {
        write::delete(
            records,
            record_type,
            &key,
            Actor::Integration,
            chrono::Utc::now(),
        )
    })?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

pub async fn read(
    State(state): State<NetsuiteState>,
    Path((record_type, id)): Path<(String, String)>,
    Query(query): Query<RecordQuery>,
) -> Result<Response, NsError> {
    let record_type = known_type(&record_type)?;
    let key = key(&id)?;
    state.journal.count_operation("get");
    let records = state.records();
    let record = records
        .find(record_type, &key)
        .ok_or_else(NsError::nonexistent_record)?;
    let body = render::record(&records, &state.base_url(), record, &query.view());
    Ok(json(RECORD_CONTENT_TYPE, StatusCode::OK, &body))
}

/// A sublist as its own collection: `GET …/salesOrder/1000/item`.
pub async fn read_sublist(
    State(state): State<NetsuiteState>,
    Path((record_type, id, sublist)): Path<(String, String, String)>,
) -> Result<Response, NsError> {
    let record_type = known_type(&record_type)?;
    let key = key(&id)?;
    state.journal.count_operation("get");
    let records = state.records();
    let record = records
        .find(record_type, &key)
        .ok_or_else(NsError::nonexistent_record)?;
    let value = field(&record.fields, &sublist)
        .filter(|value| value.get("items").is_some_and(Value::is_array))
        .ok_or_else(|| NsError::invalid_path(&sublist))?;
    let base = state.base_url();
    let lines = render::lines(&records, &base, record_type, &sublist, value);
    let href = format!("{}/{sublist}", render::href(&base, record_type, record.id));
    let count = lines.len();
    Ok(json(
        COLLECTION_CONTENT_TYPE,
        StatusCode::OK,
        &render::collection(&href, lines, count, 0, false),
    ))
}

/// `GET /record/v1/{type}?q=&limit=&offset=`: links to the (matching) records, a page at a time.
pub async fn list(
    State(state): State<NetsuiteState>,
    Path(record_type): Path<String>,
    Query(query): Query<RecordQuery>,
) -> Result<Response, NsError> {
    let record_type = known_type(&record_type)?;
    let number = |value: &Option<String>, name: &str, default: usize| match value {
        None => Ok(default),
        Some(text) => text.parse::<usize>().map_err(|_| {
            NsError::new(
                StatusCode::BAD_REQUEST,
                "INVALID_CONTENT",
                format!("Invalid value for the query parameter '{name}'."),
            )
        }),
    };
    let limit = number(&query.limit, "limit", MAX_PAGE)?.clamp(1, MAX_PAGE);
    let offset = number(&query.offset, "offset", 0)?;
    state.journal.count_operation("list");
    let records = state.records();
    let base = state.base_url();
    let filter = query
        .q
        .as_deref()
        .map(super::filter::Filter::parse)
        .transpose()?;
    let all: Vec<_> = records
        .all(record_type)
        .filter(|record| filter.as_ref().is_none_or(|filter| filter.matches(record)))
        .collect();
    let items = all
        .iter()
        .skip(offset)
        .take(limit)
        .map(|record| render::collection_item(&base, record))
        .collect();
    let href = format!("{base}/services/rest/record/v1/{}", record_type.url_name());
    let has_more = offset + limit < all.len();
    let body = render::collection(&href, items, all.len(), offset, has_more);
    Ok(json(COLLECTION_CONTENT_TYPE, StatusCode::OK, &body))
}

pub async fn method_not_allowed() -> NsError {
    NsError::method_not_allowed()
}
