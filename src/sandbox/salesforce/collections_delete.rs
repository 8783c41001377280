//! sObject Collections delete: `DELETE /composite/sobjects?ids=…&allOrNone=…` deletes up to 200
//! records of any types, one result an id in input order, `allOrNone` rolling all back.

use super::SalesforceState;
use super::composite::{MAX_RECORDS, Outcome, respond, transact};
use super::errors::{ApiError, DmlError};
use super::records::Org;
use super::schema::SObject;
use super::sobjects::param;
use crate::sandbox::faults::FaultKind;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;

pub async fn delete(
    State(state): State<SalesforceState>,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let fault = state.begin("composite_delete").await;
    if let Some(kind @ FaultKind::Status { .. }) = fault {
        return Err(ApiError::fault(kind, ""));
    }
    let raw_ids: Vec<String> = param(&query, "ids")
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|id| !id.is_empty())
        .map(str::to_owned)
        .collect();
    if raw_ids.is_empty() {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "MISSING_ARGUMENT",
            "ids parameter is required: a comma-separated list of record ids",
        ));
    }
    if raw_ids.len() > MAX_RECORDS {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "EXCEEDED_ID_LIMIT",
            "record limit reached. cannot submit more than 200 records into this call",
        ));
    }
    let all_or_none = param(&query, "allOrNone").is_some_and(|v| v.eq_ignore_ascii_case("true"));
    if fault == Some(FaultKind::Lock) {
        let outcomes = raw_ids
            .iter()
            .map(|raw| Outcome {
                id: super::ids::normalize(raw),
                created: false,
                error: Some(DmlError::lock(raw)),
            })
            .collect::<Vec<_>>();
        return Ok(respond(&outcomes, false));
    }
    let now = state.integration().now;
    let outcomes = state.with_org(|org| {
        transact(org, all_or_none, |org| {
            raw_ids
                .iter()
                .map(|raw| delete_one(org, raw, &now))
                .collect()
        })
    });
    Ok(respond(&outcomes, false))
}

fn delete_one(org: &mut Org, raw: &str, now: &str) -> Outcome {
    let failed = |id: Option<String>, error: DmlError| Outcome {
        id,
        created: false,
        error: Some(error),
    };
    let Some((id, object)) =
        super::ids::normalize(raw).and_then(|id| SObject::of_id(&id).map(|object| (id, object)))
    else {
        return failed(
            None,
            DmlError::new("MALFORMED_ID", format!("malformed id {raw}"), &[]),
        );
    };
    if org.delete(object, &id, now) {
        return Outcome {
            id: Some(id),
            created: false,
            error: None,
        };
    }
    let error = if org.is_deleted(object, &id) {
        DmlError::new("ENTITY_IS_DELETED", "entity is deleted", &[])
    } else {
        DmlError::new(
            "INVALID_CROSS_REFERENCE_KEY",
            "invalid cross reference id",
            &[],
        )
    };
    failed(Some(id), error)
}
