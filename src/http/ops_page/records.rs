//! Record search: a Salesforce or NetSuite id, and what tandem knows of that record (its links,
//! every event it finished for it and what each did, the writes made, the last error), from
//! `ops::records` as `GET /api/v1/records/{system}/{id}` answers.

use super::errors::PageError;
use super::guard::Viewer;
use super::layout;
use super::{DEAD_LETTERS, RECORDS};
use crate::http::AppState;
use crate::ops::records::{self, RecordView};
use axum::Extension;
use axum::extract::{RawQuery, State};
use axum::response::Response;
use maud::{Markup, html};

/// `GET /ops/records?system=&id=`.
pub async fn search(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    RawQuery(query): RawQuery,
) -> Result<Response, PageError> {
    let query = layout::query_pairs(query.as_deref());
    let given = |key: &str| {
        query
            .iter()
            .find(|(k, v)| k == key && !v.trim().is_empty())
            .map(|(_, v)| v.trim().to_owned())
    };
    let system = given("system").unwrap_or_else(|| "salesforce".into());
    let id = given("id");
    let record = match &id {
        Some(id) => Some(records::show(state.store.as_ref(), &system, id).await?),
        None => None,
    };
    let body = html! {
        h1 { "Records" }
        section {
            form.filters method="get" action=(RECORDS) {
                label { "System" select name="system" {
                    @for option in ["salesforce", "netsuite"] { option value=(option) selected[system == option] { (option) } }
                } }
                label { "Id" input #record-id name="id" size="24" value=(id.as_deref().unwrap_or_default()) placeholder="001… or 647" required; }
                button type="submit" id="search" { "Show" }
            }
        }
        @if let Some(record) = &record { (view(record)) }
    };
    Ok(layout::page(
        "Records",
        &viewer,
        layout::notice(&query),
        body,
    ))
}

fn view(record: &RecordView) -> Markup {
    html! {
        section #record {
            h2 { (record.system) " " code { (record.id) } }
            dl.kv {
                dt { "Linked" }
                dd #links {
                    @if record.links.is_empty() { span.muted { "not linked" } }
                    @for link in &record.links {
                        a href={ (RECORDS) "?system=" (link.other_system) "&id=" (link.other_id) } {
                            (link.other_system) " " code { (link.other_id) }
                        }
                        " "
                    }
                }
                dt { "Last error" }
                dd #last-error {
                    @match &record.last_error {
                        Some(error) => {
                            a href={ (DEAD_LETTERS) "/" (error.dead_letter) } { "dead letter " (error.dead_letter) }
                            " (" (error.status.as_str()) "): "
                            @if let Some(code) = &error.error_code { b { (code) } " " }
                            (error.reason)
                        }
                        None => span.muted { "none" },
                    }
                }
            }
        }
        section {
            h2 { "Events, newest first" }
            @if record.events.is_empty() { p.muted { "tandem has finished no event for this record." } }
            @else {
                table #events {
                    thead { tr { th { "At" } th { "Outcome" } th { "Event" } th { "Detail" } } }
                    tbody { @for event in &record.events {
                        tr {
                            td.when { (layout::time(event.at)) }
                            td.outcome { (event.outcome) }
                            td { code { (event.event_id) } }
                            td { (event.detail) }
                        }
                    } }
                }
            }
        }
        section {
            h2 { "Writes" }
            @if record.writes.is_empty() { p.muted { "No write was recorded." } }
            @else {
                table #writes {
                    thead { tr { th { "At" } th { "Wrote" } th { "Fields" } th { "For event" } } }
                    tbody { @for write in &record.writes {
                        tr {
                            td.when { (layout::time(write.at)) }
                            td { (write.system) " " (write.object) " " code { (write.id) } }
                            td { (write.fields.join(", ")) }
                            td { code { (write.event_id) } }
                        }
                    } }
                }
            }
        }
    }
}
