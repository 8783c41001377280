//! One dead letter: the vendor's error, every attempt, the payload as received (and as last
//! edited), and the forms to replay it, replay it with edited fields, or discard it.

use super::dead_letter_list::status_class;
use super::errors::PageError;
use super::guard::Viewer;
use super::layout::{self, csrf_field};
use super::{DEAD_LETTERS, RECORDS};
use crate::http::AppState;
use crate::ops::dead_letter_view::DeadLetterView;
use crate::ops::dead_letters;
use crate::store::DeadLetterStatus;
use axum::Extension;
use axum::extract::{Path, RawQuery, State};
use axum::response::Response;
use maud::{Markup, html};

/// `GET /ops/dead-letters/{id}`.
pub async fn show(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Response, PageError> {
    let id = letter_id(&id)?;
    let letter = dead_letters::show(state.store.as_ref(), id).await?;
    let query = layout::query_pairs(query.as_deref());
    let title = format!("Dead letter {id}");
    let body = html! {
        h1 { (title) " " span #status class=(status_class(letter.status)) { (letter.status.as_str()) } }
        section { (summary(&letter)) }
        @if letter.status == DeadLetterStatus::Open { section { (actions(&letter, &viewer)) } }
        section { h2 { "Attempts" } (attempts(&letter)) }
        section {
            h2 { "Event as received" }
            pre #payload { (pretty(&letter.event)) }
            @if let Some(edited) = &letter.edited_event {
                h2 { "Event as last replayed, edited" }
                pre #edited-payload { (pretty(edited)) }
            }
        }
    };
    Ok(layout::page(&title, &viewer, layout::notice(&query), body))
}

/// The `{id}` of the path: a positive integer.
pub fn letter_id(text: &str) -> Result<i64, PageError> {
    text.parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or_else(|| PageError::new(400, "A dead letter id is a positive integer."))
}

fn summary(letter: &DeadLetterView) -> Markup {
    let event = &letter.event;
    html! {
        dl.kv {
            dt { "Record" }
            dd { a href={ (RECORDS) "?system=" (event.source.as_str()) "&id=" (event.record_id) } { code { (letter.record_key) } } }
            dt { "Event" } dd { code { (letter.event_id) } " (" (format!("{:?}", event.change).to_lowercase()) ")" }
            dt { "Vendor error" }
            dd #vendor-error { @if let Some(code) = &letter.error_code { b { (code) } ": " } (letter.reason) }
            dt { "Failed" } dd { (layout::time(letter.failed_at)) " (" (layout::age(letter.failed_at)) " ago)" }
            dt { "Attempts" } dd { (letter.attempts) }
        }
    }
}

fn actions(letter: &DeadLetterView, viewer: &Viewer) -> Markup {
    let base = format!("{DEAD_LETTERS}/{}", letter.id);
    let fields = letter
        .edited_event
        .as_ref()
        .unwrap_or(&letter.event)
        .fields
        .clone();
    let fields = serde_json::to_string_pretty(&fields).unwrap_or_default();
    html! {
        div.actions {
            form.inline method="post" action={ (base) "/replay" } {
                (csrf_field(viewer)) button type="submit" id="replay" { "Replay" }
            }
            form.inline method="post" action={ (base) "/discard" } {
                (csrf_field(viewer)) button.danger type="submit" id="discard" { "Discard" }
            }
        }
        details {
            summary { "Replay with edited fields" }
            form method="post" action={ (base) "/replay" } {
                (csrf_field(viewer))
                p.muted { "The event's fields, by API name, as a JSON object; they replace the event's fields before it is queued." }
                textarea name="payload" id="edited-fields" spellcheck="false" { (fields) }
                button type="submit" id="replay-edited" { "Replay with these fields" }
            }
        }
    }
}

fn attempts(letter: &DeadLetterView) -> Markup {
    let failures = letter.failures.as_deref().unwrap_or_default();
    html! {
        @if failures.is_empty() { p.muted { "No attempt was recorded." } }
        @else {
            table #attempts {
                thead { tr { th.n { "Attempt" } th { "At" } th { "Code" } th { "Error" } } }
                tbody { @for failure in failures {
                    tr {
                        td.n { (failure.attempt) }
                        td.when { (layout::time(failure.at)) }
                        td { (failure.error_code.as_deref().unwrap_or("–")) }
                        td { (failure.error) }
                    }
                } }
            }
        }
    }
}

fn pretty(value: &impl serde::Serialize) -> String {
    serde_json::to_string_pretty(value).unwrap_or_default()
}
