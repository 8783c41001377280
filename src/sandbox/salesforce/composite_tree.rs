//! `POST /composite/tree/{Object}`: records of one object with their children nested under the
//! child relationship name (`{"Contacts": {"records": […]}}`), each with `attributes.type` and a
//! unique `referenceId`, at most 200 records in all and five levels deep, saved all or none.
//! 201 `{"hasErrors":false,"results":[{"referenceId","id"}]}` in saving order, or 400 with
//! `hasErrors` and the failed records' errors, nothing saved.

use super::errors::{ApiError, json_response};
use super::records::Org;
use super::schema::SObject;
use super::sobjects::parse_object;
use super::{Actor, SalesforceState, decode};
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde_json::{Map, Value, json};
use std::collections::HashSet;

const MAX_RECORDS: usize = 200;
const MAX_DEPTH: usize = 5;

/// Child relationship name → (child object, its lookup to the parent), per parent object.
fn child_relationship(parent: SObject, name: &str) -> Option<(SObject, &'static str)> {
    let children: &[(&str, SObject, &str)] = match parent {
        SObject::Account => &[
            ("Contacts", SObject::Contact, "AccountId"),
            ("Opportunities", SObject::Opportunity, "AccountId"),
        ],
        SObject::Opportunity => &[(
            "OpportunityLineItems",
            SObject::OpportunityLineItem,
            "OpportunityId",
        )],
        SObject::Product2 => &[("PricebookEntries", SObject::PricebookEntry, "Product2Id")],
        SObject::Pricebook2 => &[("PricebookEntries", SObject::PricebookEntry, "Pricebook2Id")],
        _ => &[],
    };
    children
        .iter()
        .find(|(relationship, _, _)| relationship.eq_ignore_ascii_case(name))
        .map(|(_, child, lookup)| (*child, *lookup))
}

/// One record to create, its children after it.
struct Node {
    object: SObject,
    reference_id: String,
    body: Map<String, Value>,
    children: Vec<(&'static str, Node)>,
}

fn invalid(message: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, "INVALID_INPUT", message)
}

/// Reads `records` of `object` at `depth`, counting every record into `seen`.
fn nodes(
    object: SObject,
    value: &Value,
    depth: usize,
    seen: &mut HashSet<String>,
) -> Result<Vec<Node>, ApiError> {
    if depth > MAX_DEPTH {
        return Err(invalid(format!(
            "The request exceeds the maximum depth of {MAX_DEPTH} levels of nested records"
        )));
    }
    let records = value
        .get("records")
        .and_then(Value::as_array)
        .ok_or_else(|| ApiError::json_parser("Expected an object with a records array"))?;
    let mut out = Vec::with_capacity(records.len());
    for record in records {
        let Some(record) = record.as_object() else {
            return Err(ApiError::json_parser("Each record must be a JSON object"));
        };
        let attributes = record.get("attributes");
        let kind = attributes
            .and_then(|a| a.get("type"))
            .and_then(Value::as_str);
        if kind.is_none_or(|k| SObject::parse(k) != Some(object)) {
            return Err(invalid(format!(
                "Each record must have attributes.type {}",
                object.name()
            )));
        }
        let reference_id = attributes
            .and_then(|a| a.get("referenceId"))
            .and_then(Value::as_str)
            .filter(|r| !r.is_empty())
            .ok_or_else(|| invalid("Include a reference ID for each record in the request."))?;
        if !seen.insert(reference_id.to_ascii_lowercase()) {
            return Err(invalid(format!(
                "Duplicate ReferenceId provided in the request: {reference_id}"
            )));
        }
        if seen.len() > MAX_RECORDS {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "LIMIT_EXCEEDED",
                format!("A request may create at most {MAX_RECORDS} records"),
            ));
        }
        let mut body = Map::new();
        let mut children = Vec::new();
        for (name, field) in record {
            match child_relationship(object, name) {
                Some((child, lookup)) if field.is_object() => {
                    for node in nodes(child, field, depth + 1, seen)? {
                        children.push((lookup, node));
                    }
                }
                _ => {
                    body.insert(name.clone(), field.clone());
                }
            }
        }
        out.push(Node {
            object,
            reference_id: reference_id.to_owned(),
            body,
            children,
        });
    }
    Ok(out)
}

/// Saves `node` (its lookup to a saved parent set) and then its children; failures are
/// collected and a failed record's children are not attempted.
fn save(
    org: &mut Org,
    node: Node,
    parent: Option<(&str, &str)>,
    actor: &Actor,
    saved: &mut Vec<(String, SObject, String)>,
    failed: &mut Vec<(String, Vec<Value>)>,
) {
    let mut body = node.body;
    if let Some((lookup, id)) = parent {
        body.insert(lookup.to_owned(), Value::from(id));
    }
    let fields = match decode::fields(node.object, &body, org.custom_fields(node.object)) {
        Ok(fields) => fields,
        Err(error) => {
            // A field the object lacks or a value of the wrong type refuses this record only.
            let errors: Vec<Value> = error
                .items
                .iter()
                .map(|item| json!({ "statusCode": item.error_code, "message": item.message, "fields": item.fields.clone().unwrap_or_default() }))
                .collect();
            failed.push((node.reference_id, errors));
            return;
        }
    };
    match org.create(node.object, fields, &actor.user, &actor.now) {
        Ok(id) => {
            saved.push((node.reference_id, node.object, id.clone()));
            for (lookup, child) in node.children {
                save(org, child, Some((lookup, &id)), actor, saved, failed);
            }
        }
        Err(error) => failed.push((node.reference_id, vec![error.to_collection_json()])),
    }
}

pub async fn create(
    State(state): State<SalesforceState>,
    Path((_, object)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let fault = state.begin("composite_tree").await;
    let object = parse_object(&object)?;
    if let Some(kind) = fault {
        return Err(ApiError::fault(
            kind,
            &state.with_org(|org| org.new_id(object)),
        ));
    }
    let value = decode::json_body(&headers, &body)?;
    let roots = nodes(object, &value, 1, &mut HashSet::new())?;
    let actor = state.integration();
    let mut saved = Vec::new();
    let mut failed = Vec::new();
    state.with_org(|org| {
        let backup = org.clone();
        for root in roots {
            save(org, root, None, &actor, &mut saved, &mut failed);
        }
        if !failed.is_empty() {
            org.restore(backup);
        }
    });
    if !failed.is_empty() {
        let results: Vec<Value> = failed
            .iter()
            .map(|(reference_id, errors)| json!({ "referenceId": reference_id, "errors": errors }))
            .collect();
        return Ok(json_response(
            StatusCode::BAD_REQUEST,
            &json!({ "hasErrors": true, "results": results }),
        ));
    }
    for (_, object, id) in &saved {
        state.announce(*object, std::slice::from_ref(id));
    }
    let results: Vec<Value> = saved
        .iter()
        .map(|(reference_id, _, id)| json!({ "referenceId": reference_id, "id": id }))
        .collect();
    Ok(json_response(
        StatusCode::CREATED,
        &json!({ "hasErrors": false, "results": results }),
    ))
}
