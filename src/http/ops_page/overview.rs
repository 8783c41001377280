//! The overview: each flow's last hour with its pause button, the queue, both vendors'
//! limits, and the last reconciliation runs. The panel is what the live script swaps in every
//! few seconds.

use super::errors::PageError;
use super::guard::Viewer;
use super::layout::{self, csrf_field};
use super::vendors::{self, VendorReadings};
use super::{DEAD_LETTERS, live};
use crate::http::AppState;
use crate::ops::flows::{self, FlowStatus};
use crate::queue::QueueDepth;
use crate::reconcile;
use axum::Extension;
use axum::extract::{RawQuery, State};
use axum::response::Response;
use maud::{Markup, html};

/// `GET /ops`.
pub async fn page(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    RawQuery(query): RawQuery,
) -> Result<Response, PageError> {
    let query = layout::query_pairs(query.as_deref());
    let panel = panel(&state, &viewer).await?;
    let body = html! {
        h1 { "Overview " span #live-status { "live" } }
        div #live data-src=(super::OVERVIEW_PANEL) data-interval=(live::INTERVAL_MS) { (panel) }
        script { (maud::PreEscaped(live::SCRIPT)) }
        noscript { p.muted { "Without JavaScript the page does not refresh itself: reload it." } }
    };
    Ok(layout::page(
        "Overview",
        &viewer,
        layout::notice(&query),
        body,
    ))
}

/// The flows, the queue and the vendors, as they are now.
pub async fn panel(state: &AppState, viewer: &Viewer) -> Result<Markup, PageError> {
    let flows = flows::statuses(state.store.as_ref()).await?;
    let depth = state
        .queue
        .depth()
        .await
        .inspect_err(|error| tracing::warn!(%error, "ops page: the queue depth could not be read"))
        .ok();
    let vendors = vendors::read();
    let reconcile = &state.config.reconcile;
    let runs = if reconcile.enabled {
        reconcile::last_runs(state.store.as_ref(), &reconcile.flows())
            .await
            .inspect_err(|error| tracing::warn!(error = %format!("{error:#}"), "ops page: the reconciliation runs could not be read"))
            .ok()
    } else {
        None
    };
    Ok(html! {
        section { h2 { "Flows, last hour" } (flow_table(&flows, viewer)) }
        div.grid {
            section #queue { h2 { "Queue" } (queue(state, depth)) }
            section #salesforce { h2 { "Salesforce API" } (salesforce(&vendors)) }
            section #netsuite { h2 { "NetSuite requests" } (netsuite(&vendors)) }
        }
        section #reconcile { h2 { "Reconciliation" } (reconciliation(reconcile.enabled, runs.as_deref())) }
    })
}

fn count(flow: &FlowStatus, outcome: &str) -> u64 {
    flow.last_hour.get(outcome).copied().unwrap_or(0)
}

fn millis(value: Option<u64>) -> String {
    value.map_or_else(|| "–".to_owned(), |ms| format!("{ms} ms"))
}

fn flow_table(flows: &[FlowStatus], viewer: &Viewer) -> Markup {
    html! {
        table #flows {
            thead { tr {
                th { "Flow" } th { "State" }
                th.n { "Events in" } th.n { "Applied" } th.n { "Echoes dropped" } th.n { "Ignored" }
                th.n { "Retries pending" } th.n { "Open dead letters" } th.n { "Latency p50" } th.n { "p95" } th {}
            } }
            tbody { @for flow in flows {
                tr data-flow=(flow.flow) {
                    td { b { (flow.flow) } br; span.muted { (flow.source) " → " (flow.target) } }
                    td { @if flow.paused { span.warn.state { "paused" } } @else { span.ok.state { "running" } } }
                    td.n { (flow.last_hour.values().sum::<u64>()) }
                    td.n { (count(flow, "written")) }
                    td.n { (count(flow, "echo_dropped")) }
                    td.n { (count(flow, "ignored")) }
                    td.n.retrying { (flow.retrying) }
                    td.n.dead-letters {
                        @if flow.open_dead_letters > 0 {
                            a.bad href={ (DEAD_LETTERS) "?flow=" (flow.flow) } { (flow.open_dead_letters) }
                        } @else { "0" }
                    }
                    td.n { (millis(flow.latency_p50_ms)) }
                    td.n { (millis(flow.latency_p95_ms)) }
                    td {
                        @let action = if flow.paused { "resume" } else { "pause" };
                        form.inline method="post" action={ "/ops/flows/" (flow.flow) "/" (action) } {
                            (csrf_field(viewer))
                            button.quiet type="submit" name="do" value=(action) { @if flow.paused { "Resume" } @else { "Pause" } }
                        }
                    }
                }
            } }
        }
    }
}

fn queue(state: &AppState, depth: Option<QueueDepth>) -> Markup {
    let config = &state.config;
    let sync_on = config.salesforce.instance_url.is_some() && config.netsuite.base_url.is_some();
    html! {
        dl.kv {
            dt { "Backend" } dd { (state.queue.backend()) }
            @if let Some(depth) = depth {
                dt { "Queued" } dd #queued { (depth.total) }
                dt { "Ready" } dd { (depth.total.saturating_sub(depth.delayed + depth.in_flight)) }
                dt { "Waiting for a retry" } dd { (depth.delayed) }
                dt { "Being applied" } dd { (depth.in_flight) }
                dt { "Dead letters" } dd { (depth.dead_letters) }
            } @else {
                dt { "Depth" } dd.bad { "the queue is not answering" }
            }
            dt { "Oldest event" }
            @match depth.and_then(|depth| depth.oldest_age_ms) {
                Some(0) => dd { "none waiting" },
                Some(ms) => dd #oldest { (layout::duration(ms)) " waiting" },
                None => dd.muted { "not reported by the " (state.queue.backend()) " queue" },
            }
            dt { "Consumers" } dd #consumers {
                @match (depth.and_then(|depth| depth.consumers), sync_on) {
                    (Some(consumers), _) => { (consumers) " attached to the work queues (all instances)" }
                    (None, true) => { (config.sync.workers) " workers in this instance" }
                    (None, false) => span.warn { "none: sync is off (no Salesforce or NetSuite URL)" },
                }
            }
        }
    }
}

/// Each reconciled flow's last run: its window and what it found.
fn reconciliation(enabled: bool, runs: Option<&[reconcile::FlowRun]>) -> Markup {
    html! {
        @if !enabled {
            p.muted { "Off: set reconcile.enabled to compare linked records on a schedule." }
        } @else if let Some(runs) = runs {
            @if runs.is_empty() {
                p.muted { "No run has finished yet." }
            } @else {
                table #reconcile-runs {
                    thead { tr {
                        th { "Flow" } th { "Last window" } th { "Finished" }
                        th.n { "Compared" } th.n { "Unlinked" } th.n { "Repaired" } th.n { "For review" }
                        th.n { "Runs" } th.n { "Compared, all runs" } th.n { "Repaired, all runs" } th.n { "For review, all runs" }
                    } }
                    tbody { @for run in runs {
                        tr data-flow=(run.flow) {
                            td { b { (run.flow) } }
                            td { (run.from.format("%Y-%m-%d %H:%M:%S")) " – " (run.until.format("%H:%M:%S")) " UTC" }
                            td { (run.finished_at.format("%Y-%m-%d %H:%M:%S")) " UTC" }
                            td.n { (run.compared) }
                            td.n { (run.unlinked) }
                            td.n.repaired { @if run.repaired > 0 { span.warn { (run.repaired) } } @else { "0" } }
                            td.n.review { @if run.review > 0 { a.warn href=(super::CONFLICTS) { (run.review) } } @else { "0" } }
                            td.n.runs { (run.totals.runs) }
                            td.n.compared-total { (run.totals.compared) }
                            td.n.repaired-total { (run.totals.repaired) }
                            td.n.review-total { (run.totals.review) }
                        }
                    } }
                }
            }
        } @else {
            p.bad { "The runs could not be read from the store." }
        }
    }
}

fn salesforce(readings: &VendorReadings) -> Markup {
    html! {
        dl.kv {
            @if readings.salesforce_limit > 0 {
                @let percent = readings.salesforce_used * 100 / readings.salesforce_limit;
                dt { "API calls, 24 h" }
                dd { (readings.salesforce_used) " of " (readings.salesforce_limit) " "
                     span class=(if percent >= 80 { "bad" } else { "muted" }) { "(" (percent) " %)" } }
            } @else {
                dt { "API calls, 24 h" } dd.muted { "not known until Salesforce answers a call" }
            }
        }
    }
}

fn netsuite(readings: &VendorReadings) -> Markup {
    let minutes = readings.sampled_for.as_secs() / 60;
    html! {
        dl.kv {
            dt { "In flight" }
            dd { @match (readings.netsuite_in_flight, readings.netsuite_limit) {
                (Some(in_flight), Some(limit)) => { (in_flight) " of " (limit) }
                _ => span.muted { "the connector has not started" },
            } }
            @if let (Some(effective), Some(limit)) = (readings.netsuite_effective_limit, readings.netsuite_limit) {
                @if effective < limit {
                    dt { "Limit in force" } dd.warn { (effective) " (lowered after 429s)" }
                }
            }
            dt { "429s" }
            dd { (readings.netsuite_throttled_recently) " in the last " (minutes.max(1)) " min, "
                 (readings.netsuite_throttled) " since start" }
        }
    }
}
