//! Parked conflicts: the list, one conflict with its event and every candidate, and resolving
//! it by linking to a candidate, creating a new record or ignoring the event
//! (`ops::conflicts::resolve`, as the ops API does).

use super::errors::PageError;
use super::guard::{ActionForm, Viewer};
use super::layout::{self, csrf_field};
use super::{CONFLICTS, RECORDS};
use crate::domain::System;
use crate::http::AppState;
use crate::ops::conflicts::{self, ConflictView, Resolution};
use axum::Extension;
use axum::extract::{Path, RawQuery, State};
use axum::response::Response;
use maud::{Markup, html};
use serde_json::Value;

/// Conflicts the list shows, newest first.
const LIST_LIMIT: usize = 200;

/// `GET /ops/conflicts`.
pub async fn list(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    RawQuery(query): RawQuery,
) -> Result<Response, PageError> {
    let query = layout::query_pairs(query.as_deref());
    let conflicts: Vec<ConflictView> = state
        .store
        .conflicts(LIST_LIMIT)
        .await?
        .into_iter()
        .map(Into::into)
        .collect();
    let body = html! {
        h1 { "Conflicts" }
        section {
            @if conflicts.is_empty() { p.muted { "No conflict is parked." } }
            @else {
                table #conflicts {
                    thead { tr { th.n { "#" } th { "Parked" } th { "Record" } th { "Why" } th.n { "Candidates" } } }
                    tbody { @for conflict in &conflicts {
                        tr data-id=(conflict.id) {
                            td.n { a href={ (CONFLICTS) "/" (conflict.id) } { (conflict.id) } }
                            td title=(layout::time(conflict.created_at)) { (layout::age(conflict.created_at)) " ago" }
                            td { code { (conflict.record_key) } }
                            td { (conflict.reason) }
                            td.n { (candidate_ids(&conflict.candidates).len()) }
                        }
                    } }
                }
            }
        }
    };
    Ok(layout::page(
        "Conflicts",
        &viewer,
        layout::notice(&query),
        body,
    ))
}

/// `GET /ops/conflicts/{id}`.
pub async fn show(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Response, PageError> {
    let id = conflict_id(&id)?;
    let conflict: ConflictView = match state.store.conflict(id).await {
        Ok(conflict) => conflict.into(),
        Err(crate::store::StoreError::NotFound(_)) => {
            return Err(PageError::new(404, format!("No conflict {id}.")));
        }
        Err(error) => return Err(error.into()),
    };
    let query = layout::query_pairs(query.as_deref());
    let title = format!("Conflict {id}");
    let event = &conflict.event;
    let body = html! {
        h1 { (title) }
        section {
            dl.kv {
                dt { "Record" }
                dd { a href={ (RECORDS) "?system=" (event.source.as_str()) "&id=" (event.record_id) } { code { (conflict.record_key) } } }
                dt { "Why parked" } dd { (conflict.reason) }
                dt { "Parked" } dd { (layout::time(conflict.created_at)) }
                dt { "Event" } dd { code { (conflict.event_id) } }
            }
        }
        section { h2 { "Candidates" } (candidates(&conflict, &viewer)) }
        section {
            h2 { "Or" }
            div.actions {
                (resolve_form(id, &viewer, "create", None, "Create a new record", "quiet"))
                (resolve_form(id, &viewer, "ignore", None, "Ignore the event", "danger"))
            }
        }
        section { h2 { "Event" } pre #event { (serde_json::to_string_pretty(event).unwrap_or_default()) } }
    };
    Ok(layout::page(&title, &viewer, layout::notice(&query), body))
}

fn candidates(conflict: &ConflictView, viewer: &Viewer) -> Markup {
    let other = match conflict.event.source {
        System::Salesforce => System::Netsuite,
        System::Netsuite => System::Salesforce,
    };
    let ids = candidate_ids(&conflict.candidates);
    html! {
        @if ids.is_empty() { p.muted { "No candidate id was recorded." } }
        @else {
            table #candidates {
                thead { tr { th { (other.as_str()) " record" } th {} } }
                tbody { @for candidate in &ids {
                    tr data-candidate=(candidate) {
                        td { a href={ (RECORDS) "?system=" (other.as_str()) "&id=" (candidate) } { code { (candidate) } } }
                        td { (resolve_form(conflict.id, viewer, "link", Some(candidate), "Link to this one", "")) }
                    }
                } }
            }
        }
        details { summary { "As matched" } pre { (serde_json::to_string_pretty(&conflict.candidates).unwrap_or_default()) } }
    }
}

fn resolve_form(
    id: i64,
    viewer: &Viewer,
    action: &str,
    candidate: Option<&str>,
    label: &str,
    class: &str,
) -> Markup {
    html! {
        form.inline method="post" action={ (CONFLICTS) "/" (id) "/resolve" } {
            (csrf_field(viewer))
            input type="hidden" name="action" value=(action);
            @if let Some(candidate) = candidate { input type="hidden" name="candidate" value=(candidate); }
            button type="submit" class=(class) data-action=(action) { (label) }
        }
    }
}

/// The candidate ids a conflict recorded: `{"ids": [...]}` or a list of records with an `id`.
fn candidate_ids(candidates: &Value) -> Vec<String> {
    let text = |value: &Value| match value {
        Value::String(id) => Some(id.clone()),
        Value::Number(id) => Some(id.to_string()),
        _ => None,
    };
    let list = candidates
        .get("ids")
        .or_else(|| candidates.get("candidates"))
        .unwrap_or(candidates);
    list.as_array()
        .map(|items| {
            items
                .iter()
                .filter_map(|item| text(item).or_else(|| item.get("id").and_then(text)))
                .collect()
        })
        .unwrap_or_default()
}

fn conflict_id(text: &str) -> Result<i64, PageError> {
    text.parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or_else(|| PageError::new(400, "A conflict id is a positive integer."))
}

/// `POST /ops/conflicts/{id}/resolve` with `action` = `link` (and `candidate`), `create` or
/// `ignore`.
pub async fn resolve(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Extension(form): Extension<ActionForm>,
) -> Result<Response, PageError> {
    let id = conflict_id(&id)?;
    let resolution = match (form.get("action"), form.get("candidate")) {
        (Some("link"), Some(candidate)) => Resolution::Link {
            candidate: candidate.to_owned(),
        },
        (Some("create"), _) => Resolution::Create,
        (Some("ignore"), _) => Resolution::Ignore,
        _ => {
            return Err(PageError::new(
                400,
                "action: link (with a candidate), create or ignore",
            ));
        }
    };
    let resolved =
        conflicts::resolve(state.queue.as_ref(), state.store.as_ref(), id, resolution).await?;
    let notice = format!(
        "Conflict {id} resolved ({}); {} event(s) queued again.",
        resolved.action,
        resolved.replayed.len()
    );
    Ok(layout::after_action(&format!("{CONFLICTS}/{id}"), &notice))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn candidate_ids_are_read_from_either_shape() {
        assert_eq!(
            candidate_ids(&json!({"ids": ["647", "648"], "matched_by": "domain"})),
            ["647", "648"]
        );
        assert_eq!(
            candidate_ids(&json!([{"id": "647", "companyName": "Initech"}, {"id": 648}])),
            ["647", "648"]
        );
        assert!(candidate_ids(&json!({"matched_by": "name"})).is_empty());
    }
}
