//! sObject Collections: `PATCH /composite/sobjects/{Object}/{ExtIdField}` (upsert, v46.0+) and
//! `PATCH /composite/sobjects` (update by id), at most 200 records, results in input order,
//! `allOrNone` rolling the whole request back. The request counts as one API call. Create and
//! delete (`collections_create`, `collections_delete`) share the reading and answering here.

use super::decode::{self, Fields};
use super::errors::{ApiError, DmlError, json_response};
use super::records::{Org, Upserted, text_of};
use super::schema::SObject;
use super::sobjects::parse_object;
use super::version::{ApiVersion, UPSERT_BODY_ON_UPDATE};
use super::{Actor, SalesforceState, ids};
use crate::sandbox::faults::FaultKind;
use axum::Extension;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde::Deserialize;
use serde_json::{Map, Value, json};

pub const MAX_RECORDS: usize = 200;

#[derive(Deserialize)]
pub(super) struct Collection {
    #[serde(rename = "allOrNone", default)]
    pub all_or_none: bool,
    pub records: Vec<Map<String, Value>>,
}

#[derive(Deserialize)]
pub struct CollectionPath {
    object: String,
    field: String,
}

/// One record's result.
pub(super) struct Outcome {
    pub id: Option<String>,
    pub created: bool,
    pub error: Option<DmlError>,
}

impl Outcome {
    pub fn of(result: Result<(String, bool), DmlError>) -> Self {
        match result {
            Ok((id, created)) => Outcome {
                id: Some(id),
                created,
                error: None,
            },
            Err(error) => Outcome {
                id: None,
                created: false,
                error: Some(error),
            },
        }
    }
}

pub(super) fn read(headers: &HeaderMap, body: &[u8]) -> Result<Collection, ApiError> {
    let value = decode::json_body(headers, body)?;
    let collection: Collection =
        serde_json::from_value(value).map_err(|error| ApiError::json_parser(error.to_string()))?;
    if collection.records.len() > MAX_RECORDS {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "EXCEEDED_ID_LIMIT",
            "record limit reached. cannot submit more than 200 records into this call",
        ));
    }
    Ok(collection)
}

/// Each record's `attributes.type`, which must name a known sObject.
pub(super) fn record_type(record: &Map<String, Value>) -> Result<SObject, ApiError> {
    let name = record
        .get("attributes")
        .and_then(|a| a.get("type"))
        .and_then(Value::as_str)
        .ok_or_else(|| {
            ApiError::json_parser(
                "Each record in the collection needs an attributes map with a type",
            )
        })?;
    SObject::parse(name).ok_or_else(|| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "INVALID_TYPE",
            format!("sObject type '{name}' is not supported. If you are attempting to use a custom object, be sure to append the '__c' after the entity name. Please reference your WSDL or the describe call for the appropriate names."),
        )
    })
}

pub async fn upsert(
    State(state): State<SalesforceState>,
    Extension(version): Extension<ApiVersion>,
    Path(path): Path<CollectionPath>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let fault = state.begin("composite_upsert").await;
    if version.0 < UPSERT_BODY_ON_UPDATE {
        return Err(ApiError::not_found());
    }
    let object = parse_object(&path.object)?;
    let custom = state.with_org(|org| org.custom_fields(object).cloned());
    let Some(decode::FieldRef::Custom(field)) =
        decode::resolve(object, &path.field, custom.as_ref())
    else {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
            format!(
                "Provided external ID field does not exist or is not accessible: {}",
                path.field
            ),
        ));
    };
    if let Some(kind @ FaultKind::Status { .. }) = fault {
        return Err(ApiError::fault(kind, ""));
    }
    let collection = read(&headers, &body)?;
    let mut inputs = Vec::with_capacity(collection.records.len());
    for record in &collection.records {
        if record_type(record)? != object {
            return Err(ApiError::json_parser(format!(
                "every record of an upsert on {0} must have the type {0}",
                object.name()
            )));
        }
        inputs.push(decode::fields(object, record, custom.as_ref())?);
    }
    if fault == Some(FaultKind::Lock) {
        let objects = vec![object; inputs.len()];
        return Ok(locked(&state, &objects, true));
    }
    let values: Vec<Option<String>> = inputs
        .iter()
        .map(|f| f.get(&field).and_then(text_of))
        .collect();
    let actor = state.integration();
    let outcomes = state.with_org(|org| {
        transact(org, collection.all_or_none, |org| {
            inputs
                .into_iter()
                .zip(&values)
                .map(|(fields, value)| {
                    Outcome::of(upsert_one(
                        org,
                        object,
                        &field,
                        value.as_deref(),
                        &values,
                        fields,
                        &actor,
                    ))
                })
                .collect()
        })
    });
    state.announce(object, &saved(&outcomes));
    Ok(respond(&outcomes, true))
}

fn upsert_one(
    org: &mut Org,
    object: SObject,
    field: &str,
    value: Option<&str>,
    all_values: &[Option<String>],
    fields: Fields,
    actor: &Actor,
) -> Result<(String, bool), DmlError> {
    let value = value
        .filter(|v| !v.is_empty())
        .ok_or_else(|| DmlError::new("MISSING_ARGUMENT", format!("{field} not specified"), &[]))?;
    if all_values
        .iter()
        .flatten()
        .filter(|v| v.eq_ignore_ascii_case(value))
        .count()
        > 1
    {
        return Err(DmlError::new(
            "DUPLICATE_EXTERNAL_ID",
            format!("Duplicate external id specified: {value}"),
            &[field],
        ));
    }
    match org.upsert(object, field, value, fields, &actor.user, &actor.now, false)? {
        Upserted::Created(id) => Ok((id, true)),
        Upserted::Updated(id) => Ok((id, false)),
        Upserted::Multiple(ids) => Err(DmlError::new(
            "DUPLICATE_EXTERNAL_ID",
            format!(
                "{field}: more than one record found for external id field: [{}]",
                ids.join(", ")
            ),
            &[field],
        )),
        Upserted::NoMatch => Err(DmlError::new(
            "INVALID_CROSS_REFERENCE_KEY",
            "invalid cross reference id",
            &[],
        )),
    }
}

pub async fn update(
    State(state): State<SalesforceState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let fault = state.begin("composite_update").await;
    if let Some(kind @ FaultKind::Status { .. }) = fault {
        return Err(ApiError::fault(kind, ""));
    }
    let collection = read(&headers, &body)?;
    let mut items = Vec::with_capacity(collection.records.len());
    for record in &collection.records {
        let object = record_type(record)?;
        let mut body = record.clone();
        let id_keys: Vec<String> = body
            .keys()
            .filter(|k| k.eq_ignore_ascii_case("id"))
            .cloned()
            .collect();
        let raw_id = id_keys
            .iter()
            .filter_map(|k| body.remove(k))
            .find_map(|v| text_of(&v));
        let custom = state.with_org(|org| org.custom_fields(object).cloned());
        items.push((
            object,
            raw_id,
            decode::fields(object, &body, custom.as_ref())?,
        ));
    }
    if fault == Some(FaultKind::Lock) {
        let objects: Vec<SObject> = items.iter().map(|(object, _, _)| *object).collect();
        return Ok(locked(&state, &objects, false));
    }
    let actor = state.integration();
    let outcomes = state.with_org(|org| {
        transact(org, collection.all_or_none, |org| {
            items
                .into_iter()
                .map(|(object, raw_id, fields)| {
                    Outcome::of(update_one(org, object, raw_id, fields, &actor))
                })
                .collect()
        })
    });
    announce_saved(&state, &outcomes);
    Ok(respond(&outcomes, false))
}

fn update_one(
    org: &mut Org,
    object: SObject,
    raw_id: Option<String>,
    fields: Fields,
    actor: &Actor,
) -> Result<(String, bool), DmlError> {
    let raw = raw_id.ok_or_else(|| {
        DmlError::new(
            "MISSING_ARGUMENT",
            "Id not specified in an update call",
            &[],
        )
    })?;
    let id = ids::normalize(&raw)
        .filter(|id| SObject::of_id(id) == Some(object))
        .ok_or_else(|| DmlError::new("MALFORMED_ID", format!("malformed id {raw}"), &[]))?;
    org.update(object, &id, fields, &actor.user, &actor.now)?;
    Ok((id, false))
}

/// Runs the saves; with `all_or_none`, any failure undoes them all and every record that had
/// succeeded reports the roll-back instead.
pub(super) fn transact(
    org: &mut Org,
    all_or_none: bool,
    run: impl FnOnce(&mut Org) -> Vec<Outcome>,
) -> Vec<Outcome> {
    let backup = all_or_none.then(|| org.clone());
    let mut outcomes = run(org);
    if let Some(backup) = backup
        && outcomes.iter().any(|o| o.error.is_some())
    {
        org.restore(backup);
        for outcome in outcomes.iter_mut().filter(|o| o.error.is_none()) {
            outcome.error = Some(DmlError::rolled_back());
            outcome.created = false;
        }
    }
    outcomes
}

/// Ids of the records that were saved (and stay saved).
pub(super) fn saved(outcomes: &[Outcome]) -> Vec<String> {
    outcomes
        .iter()
        .filter(|o| o.error.is_none())
        .filter_map(|o| o.id.clone())
        .collect()
}

/// Echoes the saved records of every object.
pub(super) fn announce_saved(state: &SalesforceState, outcomes: &[Outcome]) {
    let ids = saved(outcomes);
    for object in SObject::ALL {
        let of_object: Vec<String> = ids
            .iter()
            .filter(|id| SObject::of_id(id) == Some(object))
            .cloned()
            .collect();
        state.announce(object, &of_object);
    }
}

/// Every record failed to get its row lock (an injected lock fault): 200 with per-record errors.
pub(super) fn locked(state: &SalesforceState, objects: &[SObject], upsert: bool) -> Response {
    let outcomes: Vec<Outcome> = objects
        .iter()
        .map(|object| {
            let row = state.with_org(|org| org.new_id(*object));
            Outcome {
                id: None,
                created: false,
                error: Some(DmlError::lock(&row)),
            }
        })
        .collect();
    respond(&outcomes, upsert)
}

/// 200 with one result per record, in input order.
pub(super) fn respond(outcomes: &[Outcome], upsert: bool) -> Response {
    let results: Vec<Value> = outcomes
        .iter()
        .map(|outcome| {
            let mut result = Map::new();
            if let Some(id) = &outcome.id {
                result.insert("id".into(), Value::from(id.as_str()));
            }
            result.insert("success".into(), Value::Bool(outcome.error.is_none()));
            let errors: Vec<Value> = outcome
                .error
                .iter()
                .map(DmlError::to_collection_json)
                .collect();
            result.insert("errors".into(), Value::Array(errors));
            if upsert {
                result.insert("created".into(), Value::Bool(outcome.created));
            }
            Value::Object(result)
        })
        .collect();
    json_response(StatusCode::OK, &json!(results))
}
