//! The emulator's `/_sandbox/records` routes (no auth): look at records, and act as a person in
//! the NetSuite UI. A person's create or edit is validated like any save, clears the tandem
//! origin stamp, and is echoed with execution context `userinterface`, role 3 (Administrator)
//! and employee 42 as the modifier.

use super::NetsuiteState;
use super::error::NsError;
use super::record_type::RecordType;
use super::records::RecordQuery;
use super::render::{self, View};
use super::store::Key;
use super::write::{self, Actor, Change};
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};

pub fn routes<S: Clone + Send + Sync + 'static>(state: NetsuiteState) -> Router<S> {
    Router::new()
        .route("/_sandbox/records/{record_type}", get(list).post(create))
        .route(
            "/_sandbox/records/{record_type}/{id}",
            get(read).patch(edit),
        )
        .with_state(state)
}

fn not_found(what: &str) -> Response {
    let body =
        json!({ "error": "not_found", "message": format!("no {what} in the NetSuite sandbox") });
    (StatusCode::NOT_FOUND, Json(body)).into_response()
}

fn unknown_type(name: &str) -> Response {
    not_found(&format!("record type {name}"))
}

fn expanded() -> View {
    View {
        fields: None,
        expand: true,
    }
}

async fn list(State(state): State<NetsuiteState>, Path(name): Path<String>) -> Response {
    let Some(record_type) = RecordType::from_any(&name) else {
        return unknown_type(&name);
    };
    let records = state.records();
    let base = state.base_url();
    let all: Vec<Value> = records
        .all(record_type)
        .map(|record| render::record(&records, &base, record, &expanded()))
        .collect();
    Json(Value::Array(all)).into_response()
}

async fn read(
    State(state): State<NetsuiteState>,
    Path((name, id)): Path<(String, String)>,
) -> Response {
    let Some(record_type) = RecordType::from_any(&name) else {
        return unknown_type(&name);
    };
    let records = state.records();
    match Key::parse(&id).and_then(|key| records.find(record_type, &key)) {
        Some(record) => Json(render::record(
            &records,
            &state.base_url(),
            record,
            &expanded(),
        ))
        .into_response(),
        None => not_found(&format!("{name} {id}")),
    }
}

/// A person creates a record in the UI: 201 with the record as it was saved.
async fn create(
    State(state): State<NetsuiteState>,
    Path(name): Path<String>,
    body: Bytes,
) -> Response {
    let Some(record_type) = RecordType::from_any(&name) else {
        return unknown_type(&name);
    };
    let result = state.record_body(record_type, &body).and_then(|body| {
        state.write(Actor::Human, |records| {
            write::create(records, record_type, human_change(body, &[]))
        })
    });
    answer(&state, StatusCode::CREATED, result)
}

/// A person edits a record in the UI (sublists merge unless `?replace=`): 200 with the record.
async fn edit(
    State(state): State<NetsuiteState>,
    Path((name, id)): Path<(String, String)>,
    Query(query): Query<RecordQuery>,
    body: Bytes,
) -> Response {
    let Some(record_type) = RecordType::from_any(&name) else {
        return unknown_type(&name);
    };
    let Some(key) = Key::parse(&id) else {
        return not_found(&format!("{name} {id}"));
    };
    let replace = query.replace();
    let result = state.record_body(record_type, &body).and_then(|body| {
        state.write(Actor::Human, |records| {
            write::update(records, record_type, &key, human_change(body, &replace))
        })
    });
    answer(&state, StatusCode::OK, result)
}

fn human_change(body: serde_json::Map<String, Value>, replace: &[String]) -> Change<'_> {
    Change {
        body,
        replace,
        actor: Actor::Human,
        now: chrono::Utc::now(),
    }
}

fn answer(
    state: &NetsuiteState,
    status: StatusCode,
    result: Result<Vec<write::Written>, NsError>,
) -> Response {
    match result {
        Ok(written) => {
            let records = state.records();
            let body = written
                .first()
                .map(|first| {
                    render::record(&records, &state.base_url(), &first.record, &expanded())
                })
                .unwrap_or(Value::Null);
            (status, Json(body)).into_response()
        }
        Err(error) => error.into_response(),
    }
}
