//! sObject Collections create: `POST /composite/sobjects` saves up to 200 new records of any
//! types (each names its own in `attributes.type`), answering one result a record in input
//! order — the new `id` on success, `errors` otherwise — with `allOrNone` rolling all back.

use super::SalesforceState;
use super::composite::{Outcome, announce_saved, locked, read, record_type, respond, transact};
use super::decode;
use super::errors::ApiError;
use super::schema::SObject;
use crate::sandbox::faults::FaultKind;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;

pub async fn create(
    State(state): State<SalesforceState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let fault = state.begin("composite_create").await;
    if let Some(kind @ FaultKind::Status { .. }) = fault {
        return Err(ApiError::fault(kind, ""));
    }
    let collection = read(&headers, &body)?;
    let mut items = Vec::with_capacity(collection.records.len());
    for record in &collection.records {
        let object = record_type(record)?;
        let custom = state.with_org(|org| org.custom_fields(object).cloned());
        items.push((object, decode::fields(object, record, custom.as_ref())?));
    }
    if fault == Some(FaultKind::Lock) {
        let objects: Vec<SObject> = items.iter().map(|(object, _)| *object).collect();
        return Ok(locked(&state, &objects, false));
    }
    let actor = state.integration();
    let mut outcomes = state.with_org(|org| {
        transact(org, collection.all_or_none, |org| {
            items
                .into_iter()
                .map(|(object, fields)| {
                    Outcome::of(
                        org.create(object, fields, &actor.user, &actor.now)
                            .map(|id| (id, true)),
                    )
                })
                .collect()
        })
    });
    // A record that was not saved, or was rolled back, has no id to show.
    for outcome in outcomes.iter_mut().filter(|o| o.error.is_some()) {
        outcome.id = None;
    }
    announce_saved(&state, &outcomes);
    Ok(respond(&outcomes, false))
}
