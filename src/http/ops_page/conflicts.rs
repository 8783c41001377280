//! Parked conflicts: the open ones (or resolved, or all), one conflict with its event, every
//! candidate and the events that joined it, and resolving it by linking to a candidate,
//! creating a new record or ignoring the event (`ops::conflicts`, as the ops API does).

use super::errors::PageError;
use super::guard::{ActionForm, Viewer};
use super::layout::{self, csrf_field};
use super::{CONFLICTS, RECORDS};
use crate::domain::System;
use crate::http::AppState;
use crate::ops::conflicts::{self, ConflictView, Resolution};
use crate::store::{ConflictStatus, LinkSide};
use axum::Extension;
use axum::extract::{Path, RawQuery, State};
use axum::response::Response;
use maud::{Markup, html};

/// Conflicts the list shows, newest first.
const LIST_LIMIT: usize = 200;

/// `GET /ops/conflicts?status=open|resolved|all` (open unless asked otherwise).
pub async fn list(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    RawQuery(query): RawQuery,
) -> Result<Response, PageError> {
    let query = layout::query_pairs(query.as_deref());
    let shown = query
        .iter()
        .find(|(key, _)| key == "status")
        .map_or("open", |(_, value)| value.as_str());
    let status = match shown {
        "open" => Some(ConflictStatus::Open),
        "resolved" => Some(ConflictStatus::Resolved),
        "all" => None,
        _ => return Err(PageError::new(400, "status: open, resolved or all")),
    };
    let conflicts = conflicts::list(state.store.as_ref(), status, LIST_LIMIT).await?;
    let body = html! {
        h1 { "Conflicts" }
        section {
            p.actions {
                @for option in ["open", "resolved", "all"] {
                    @if option == shown { b { (option) } } @else { a href={ (CONFLICTS) "?status=" (option) } { (option) } }
                }
            }
            @if conflicts.is_empty() { p.muted { "No conflict here." } }
            @else {
                table #conflicts {
                    thead { tr { th.n { "#" } th { "Parked" } th { "Record" } th { "Why" } th.n { "Candidates" } th.n { "Joined" } th { "Status" } } }
                    tbody { @for conflict in &conflicts {
                        tr data-id=(conflict.id) {
                            td.n { a href={ (CONFLICTS) "/" (conflict.id) } { (conflict.id) } }
                            td.when title=(layout::time(conflict.created_at)) { (layout::age(conflict.created_at)) " ago" }
                            td { code { (conflict.record_key) } }
                            td { (conflict.reason) }
                            td.n { (conflict.candidate_ids.len()) }
                            td.n { (conflict.attached_events) }
                            td { (status_text(conflict)) }
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

fn status_text(conflict: &ConflictView) -> Markup {
    html! {
        @match &conflict.resolution {
            Some(resolution) => span.ok { "resolved: " (resolution) },
            None => span.bad { (conflict.status) },
        }
    }
}

/// `GET /ops/conflicts/{id}`.
pub async fn show(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Response, PageError> {
    let id = conflict_id(&id)?;
    let conflict = conflicts::show(state.store.as_ref(), id).await?;
    let query = layout::query_pairs(query.as_deref());
    let title = format!("Conflict {id}");
    let event = &conflict.event;
    let open = conflict.resolution.is_none();
    let body = html! {
        h1 { (title) " " span #status { (status_text(&conflict)) } }
        section {
            dl.kv {
                dt { "Record" }
                dd { a href={ (RECORDS) "?system=" (event.source.as_str()) "&id=" (event.record_id) } { code { (conflict.record_key) } } }
                @if let Some(subject) = &conflict.subject {
                    dt { "Candidates for" } dd { (subject.side.as_str()) " " code { (subject.id) } " (" (subject.kind.as_str()) ")" }
                }
                dt { "Why parked" } dd { (conflict.reason) }
                dt { "Parked" } dd { (layout::time(conflict.created_at)) }
                @if let Some(at) = conflict.resolved_at { dt { "Resolved" } dd { (layout::time(at)) } }
                dt { "Events waiting" } dd { "this one and " (conflict.attached_events) " that joined it" }
            }
        }
        section { h2 { "Candidates" } (candidates(&conflict, &viewer, open)) }
        @if open {
            section {
                h2 { "Or" }
                div.actions {
                    (resolve_form(id, &viewer, "create", None, "Create a new record", "quiet"))
                    (resolve_form(id, &viewer, "ignore", None, "Ignore the event", "danger"))
                }
            }
        }
        section {
            h2 { "Event" } pre #event { (serde_json::to_string_pretty(event).unwrap_or_default()) }
            @for joined in conflict.attached.as_deref().unwrap_or_default() {
                h2 { "Joined: " code { (joined.id) } }
                pre { (serde_json::to_string_pretty(joined).unwrap_or_default()) }
            }
        }
    };
    Ok(layout::page(&title, &viewer, layout::notice(&query), body))
}

/// The system the candidates live in: the other side of the record they are for.
fn candidate_system(conflict: &ConflictView) -> &'static str {
    match (&conflict.subject, conflict.event.source) {
        (Some(subject), _) if subject.side == LinkSide::Salesforce => "netsuite",
        (Some(_), _) => "salesforce",
        (None, System::Salesforce) => "netsuite",
        (None, System::Netsuite) => "salesforce",
    }
}

fn candidates(conflict: &ConflictView, viewer: &Viewer, open: bool) -> Markup {
    let system = candidate_system(conflict);
    html! {
        @if conflict.candidate_ids.is_empty() { p.muted { "No candidate id was recorded." } }
        @else {
            table #candidates {
                thead { tr { th { (system) " record" } th {} } }
                tbody { @for candidate in &conflict.candidate_ids {
                    tr data-candidate=(candidate) {
                        td { a href={ (RECORDS) "?system=" (system) "&id=" (candidate) } { code { (candidate) } } }
                        td { @if open { (resolve_form(conflict.id, viewer, "link", Some(candidate), "Link to this one", "")) } }
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
    let events = resolved.replayed.len();
    let notice = match resolved.action {
        "ignore" => {
            format!("Conflict {id} resolved (ignore); {events} event(s) finished unapplied.")
        }
        action => format!("Conflict {id} resolved ({action}); {events} event(s) queued again."),
    };
    Ok(layout::after_action(&format!("{CONFLICTS}/{id}"), &notice))
}
