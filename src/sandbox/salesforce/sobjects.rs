//! Single-record REST resources: create (`POST /sobjects/{Object}`), read, update and delete by
//! id, and read or upsert by external id (`/sobjects/{Object}/{Field}/{value}`).

use super::decode::{self, FieldRef};
use super::errors::{ApiError, json_response};
use super::records::{Upserted, text_of};
use super::schema::SObject;
use super::version::{ApiVersion, UPSERT_BODY_ON_UPDATE};
use super::view::{self, record_url};
use super::{SalesforceState, ids};
use axum::Extension;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Deserialize)]
pub struct ObjectPath {
    object: String,
}

#[derive(Deserialize)]
pub struct RecordPath {
    object: String,
    id: String,
}

#[derive(Deserialize)]
pub struct ExternalPath {
    object: String,
    field: String,
    value: String,
}

/// The sObject a path names; an unknown one is a resource that does not exist.
pub fn parse_object(name: &str) -> Result<SObject, ApiError> {
    SObject::parse(name).ok_or_else(ApiError::not_found)
}

/// An id of `object` in its 18-character form, or MALFORMED_ID.
pub fn parse_id(object: SObject, raw: &str) -> Result<String, ApiError> {
    ids::normalize(raw)
        .filter(|id| SObject::of_id(id) == Some(object))
        .ok_or_else(|| ApiError::malformed_id(object, raw))
}

/// A query-string parameter.
pub fn param(query: &Option<String>, name: &str) -> Option<String> {
    let query = query.as_deref()?;
    url::form_urlencoded::parse(query.as_bytes())
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.into_owned())
}

/// The field an upsert or external-id read matches on.
enum Key {
    Id,
    External(String),
}

fn external_key(state: &SalesforceState, object: SObject, field: &str) -> Result<Key, ApiError> {
    if field.eq_ignore_ascii_case("Id") {
        return Ok(Key::Id);
    }
    let custom = state.with_org(|org| org.custom_fields(object).cloned());
    match decode::resolve(object, field, custom.as_ref()) {
        Some(FieldRef::Custom(name)) => Ok(Key::External(name)),
        _ => Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
            format!("Provided external ID field does not exist or is not accessible: {field}"),
        )),
    }
}

pub async fn create(
    State(state): State<SalesforceState>,
    Path(path): Path<ObjectPath>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let fault = state.begin("create").await;
    let object = parse_object(&path.object)?;
    if let Some(kind) = fault {
        return Err(ApiError::fault(
            kind,
            &state.with_org(|org| org.new_id(object)),
        ));
    }
    let body = decode::json_object(&headers, &body)?;
    let actor = state.integration();
    let id = state.with_org(|org| {
        let fields = decode::fields(object, &body, org.custom_fields(object))?;
        org.create(object, fields, &actor.user, &actor.now)
            .map_err(ApiError::from)
    })?;
    state.announce(object, std::slice::from_ref(&id));
    Ok(json_response(
        StatusCode::CREATED,
        &json!({ "id": id, "success": true, "errors": [] }),
    ))
}

pub async fn get(
    State(state): State<SalesforceState>,
    Extension(version): Extension<ApiVersion>,
    Path(path): Path<RecordPath>,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let fault = state.begin("get").await;
    let object = parse_object(&path.object)?;
    let id = parse_id(object, &path.id)?;
    if let Some(kind) = fault {
        return Err(ApiError::fault(kind, &id));
    }
    show(&state, object, &id, param(&query, "fields"), version)
}

/// One record as JSON, with all fields or those listed in `?fields=`.
fn show(
    state: &SalesforceState,
    object: SObject,
    id: &str,
    fields: Option<String>,
    version: ApiVersion,
) -> Result<Response, ApiError> {
    state.with_org(|org| {
        let record = org.get(object, id).ok_or_else(ApiError::not_found)?;
        let names = match fields {
            None => view::all_fields(org, object),
            Some(list) => list
                .split(',')
                .map(str::trim)
                .filter(|name| !name.is_empty())
                .map(|name| {
                    decode::resolve(object, name, org.custom_fields(object))
                        .map(|field| field.name().to_owned())
                        .ok_or_else(|| ApiError::no_such_column_on_entity(object, name))
                })
                .collect::<Result<Vec<_>, _>>()?,
        };
        let row = view::record_row(object, record, &names, &version.label());
        Ok(json_response(StatusCode::OK, &row))
    })
}

pub async fn update(
    State(state): State<SalesforceState>,
    Path(path): Path<RecordPath>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let fault = state.begin("update").await;
    let object = parse_object(&path.object)?;
    let id = parse_id(object, &path.id)?;
    if let Some(kind) = fault {
        return Err(ApiError::fault(kind, &id));
    }
    let body = decode::json_object(&headers, &body)?;
    let actor = state.integration();
    state.with_org(|org| {
        org.get(object, &id).ok_or_else(ApiError::not_found)?;
        let fields = decode::fields(object, &body, org.custom_fields(object))?;
        org.update(object, &id, fields, &actor.user, &actor.now)
            .map_err(ApiError::from)
    })?;
    state.announce(object, std::slice::from_ref(&id));
    Ok(StatusCode::NO_CONTENT.into_response())
}

pub async fn delete(
    State(state): State<SalesforceState>,
    Path(path): Path<RecordPath>,
) -> Result<Response, ApiError> {
    let fault = state.begin("delete").await;
    let object = parse_object(&path.object)?;
    let id = parse_id(object, &path.id)?;
    if let Some(kind) = fault {
        return Err(ApiError::fault(kind, &id));
    }
    let now = state.integration().now;
    state.with_org(|org| {
        if org.delete(object, &id, &now) {
            Ok(())
        } else if org.is_deleted(object, &id) {
            // A record already in the Recycle Bin.
            Err(ApiError::new(
                StatusCode::NOT_FOUND,
                "ENTITY_IS_DELETED",
                "entity is deleted",
            )
            .with_fields(&[]))
        } else {
            Err(ApiError::not_found())
        }
    })?;
    state.announce_delete(object, &id);
    Ok(StatusCode::NO_CONTENT.into_response())
}

pub async fn get_by_external_id(
    State(state): State<SalesforceState>,
    Extension(version): Extension<ApiVersion>,
    Path(path): Path<ExternalPath>,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let fault = state.begin("get").await;
    let object = parse_object(&path.object)?;
    let key = external_key(&state, object, &path.field)?;
    let matches = match &key {
        Key::Id => vec![parse_id(object, &path.value)?],
        Key::External(field) => state.with_org(|org| org.find(object, field, &path.value)),
    };
    if let Some(kind) = fault {
        let target = matches
            .first()
            .cloned()
            .unwrap_or_else(|| state.with_org(|org| org.new_id(object)));
        return Err(ApiError::fault(kind, &target));
    }
    match matches.as_slice() {
        [] => Err(ApiError::not_found()),
        [id] => show(&state, object, id, param(&query, "fields"), version),
        several => Ok(multiple_choices(object, several, version)),
    }
}

/// 300: the external id matched several records; the body lists their URLs.
fn multiple_choices(object: SObject, ids: &[String], version: ApiVersion) -> Response {
    let urls: Vec<String> = ids
        .iter()
        .map(|id| record_url(&version.label(), object, id))
        .collect();
    json_response(StatusCode::MULTIPLE_CHOICES, &urls)
}

pub async fn upsert(
    State(state): State<SalesforceState>,
    Extension(version): Extension<ApiVersion>,
    Path(path): Path<ExternalPath>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let fault = state.begin("upsert").await;
    let object = parse_object(&path.object)?;
    let key = external_key(&state, object, &path.field)?;
    if let Some(kind) = fault {
        let target = state.with_org(|org| match &key {
            Key::External(field) => org.find(object, field, &path.value).pop(),
            Key::Id => None,
        });
        return Err(ApiError::fault(
            kind,
            &target.unwrap_or_else(|| state.with_org(|org| org.new_id(object))),
        ));
    }
    let body = decode::json_object(&headers, &body)?;
    let update_only = param(&query, "updateOnly").is_some_and(|v| v.eq_ignore_ascii_case("true"));
    let actor = state.integration();
    let outcome = state.with_org(|org| {
        let mut fields = decode::fields(object, &body, org.custom_fields(object))?;
        match &key {
            Key::Id => {
                let id = parse_id(object, &path.value)?;
                org.get(object, &id).ok_or_else(ApiError::not_found)?;
                org.update(object, &id, fields, &actor.user, &actor.now)?;
                Ok(Upserted::Updated(id))
            }
            Key::External(field) => {
                if let Some(given) = fields.get(field).and_then(text_of)
                    && !given.eq_ignore_ascii_case(&path.value)
                {
                    return Err(ApiError::new(
                        StatusCode::BAD_REQUEST,
                        "INVALID_FIELD",
                        format!("The value of {field} in the request body ({given}) does not match the external ID in the URL ({})", path.value),
                    )
                    .with_fields(&[field]));
                }
                fields.insert(field.clone(), Value::from(path.value.as_str()));
                Ok(org.upsert(object, field, &path.value, fields, &actor.user, &actor.now, update_only)?)
            }
        }
    })?;
    match outcome {
        Upserted::Created(id) => {
            state.announce(object, std::slice::from_ref(&id));
            let mut body = json!({ "id": id, "success": true, "errors": [] });
            if version.0 >= UPSERT_BODY_ON_UPDATE {
                body["created"] = Value::Bool(true);
            }
            Ok(json_response(StatusCode::CREATED, &body))
        }
        Upserted::Updated(id) => {
            state.announce(object, std::slice::from_ref(&id));
            if version.0 < UPSERT_BODY_ON_UPDATE {
                return Ok(StatusCode::NO_CONTENT.into_response());
            }
            let body = json!({ "id": id, "success": true, "errors": [], "created": false });
            Ok(json_response(StatusCode::OK, &body))
        }
        Upserted::Multiple(ids) => Ok(multiple_choices(object, &ids, version)),
        Upserted::NoMatch => Err(ApiError::not_found()),
    }
}
