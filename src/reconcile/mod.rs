//! Scheduled reconciliation (`[reconcile]`): every `interval`, one instance at a time, each flow
//! reads the linked records changed since its last window (minus `overlap`, up to now minus
//! `settle_time`, so changes whose events are still on their way are left to them), compares
//! the fields the source owns with the linked record, and turns each difference into a repair
//! event on the queue (the workers write it like any event) or a conflict for review. What a
//! run found is kept with its checkpoint in the store (the ops API shows it) and counted in
//! metrics. This also catches what webhooks missed.

mod compare;
mod read;

pub use compare::{Difference, differences};

use crate::config::{OnDifference, ReconcileConfig};
use crate::domain::mapping::Flow;
use crate::ops::metrics::{
    RECONCILE_COMPARED, RECONCILE_DIFFERENCES, RECONCILE_LAST_SUCCESS, RECONCILE_RUNS,
};
use crate::queue::{Delivery, Queue};
use crate::store::{ConflictSubject, LinkKind, LinkSide, NewConflict, SlotLease, Store};
use crate::sync::context::SyncContext;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// What the last run of a flow covered and found; kept as the flow's checkpoint.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct FlowRun {
    pub flow: String,
    /// The window read: records changed in `[from, until)`.
    pub from: DateTime<Utc>,
    pub until: DateTime<Utc>,
    /// When the run ended.
    pub finished_at: DateTime<Utc>,
    /// Linked records compared.
    pub compared: u64,
    /// Changed records with no link (left to backfill and the live flows).
    pub unlinked: u64,
    /// Repair events queued.
    pub repaired: u64,
    /// Conflicts parked for review.
    pub review: u64,
    /// Every run so far, this one included.
    #[serde(default)]
    pub totals: Totals,
}

/// What every run of a flow found, added up.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct Totals {
    pub runs: u64,
    pub compared: u64,
    pub repaired: u64,
    pub review: u64,
}

/// The store's checkpoint name of a flow's reconciliation.
pub fn checkpoint_name(flow: Flow) -> String {
    format!("reconcile:{}", flow.as_str())
}

/// The last run of each configured flow, if any ran.
pub async fn last_runs(store: &dyn Store, flows: &[Flow]) -> anyhow::Result<Vec<FlowRun>> {
    let mut runs = Vec::new();
    for flow in flows {
        if let Some(text) = store.checkpoint(&checkpoint_name(*flow)).await? {
            runs.push(serde_json::from_str(&text)?);
        }
    }
    Ok(runs)
}

/// Reconciles one flow now: its next window, up to `now - settle_time`.
pub async fn run_flow(
    ctx: &SyncContext,
    queue: &dyn Queue,
    config: &ReconcileConfig,
    flow: Flow,
    now: DateTime<Utc>,
) -> anyhow::Result<FlowRun> {
    let store = ctx.store.as_ref();
    let name = checkpoint_name(flow);
    let last: Option<FlowRun> = match store.checkpoint(&name).await? {
        Some(text) => Some(serde_json::from_str(&text)?),
        None => None,
    };
    let until = now - chrono::Duration::from_std(config.settle_time)?;
    let from = match &last {
        Some(last) => last.until - chrono::Duration::from_std(config.overlap)?,
        None => until - chrono::Duration::from_std(config.first_window)?,
    };
    let window = read::window(ctx, flow, from, until).await?;
    let mut run = FlowRun {
        flow: flow.as_str().to_owned(),
        from,
        until,
        compared: window.compared.len() as u64,
        unlinked: window.unlinked as u64,
        ..FlowRun::default()
    };
    let mut repairs = Vec::new();
    for pair in &window.compared {
        let differ = differences(&pair.expected, &pair.found);
        if differ.is_empty() {
            continue;
        }
        let event = read::repair_event(flow, pair, until);
        tracing::info!(
            flow = flow.as_str(),
            source_id = %pair.source_id,
            target_id = %pair.target_id,
            fields = ?differ.keys().collect::<Vec<_>>(),
            "reconciliation found a difference no event explains"
        );
        match config.on_difference {
            OnDifference::Repair => repairs.push(Delivery {
                dedupe_key: event.id.clone(),
                events: vec![event],
            }),
            OnDifference::Review => {
                let side = match flow.source_system() {
                    crate::domain::System::Salesforce => LinkSide::Salesforce,
                    crate::domain::System::Netsuite => LinkSide::Netsuite,
                };
                let shown: serde_json::Map<_, _> = differ
                    .iter()
                    .map(|(field, d)| {
                        (
                            field.clone(),
                            json!({ "expected": d.expected, "found": d.found }),
                        )
                    })
                    .collect();
                store
                    .park_conflict(NewConflict {
                        event,
                        reason: format!(
                            "reconciliation: {} {} and its linked record {} differ in {}",
                            flow.source_system(),
                            pair.source_id,
                            pair.target_id,
                            differ.keys().cloned().collect::<Vec<_>>().join(", ")
                        ),
                        candidates: json!([{ "id": pair.target_id, "differences": shown }]),
                        subject: Some(ConflictSubject::new(
                            LinkKind::AccountCustomer,
                            side,
                            &pair.source_id,
                        )),
                    })
                    .await?;
                run.review += 1;
            }
        }
    }
    if !repairs.is_empty() {
        let outcome = queue.enqueue(repairs).await?;
        run.repaired = (outcome.accepted + outcome.duplicates) as u64;
    }
    let before = last.map(|last| last.totals).unwrap_or_default();
    run.totals = Totals {
        runs: before.runs + 1,
        compared: before.compared + run.compared,
        repaired: before.repaired + run.repaired,
        review: before.review + run.review,
    };
    run.finished_at = Utc::now();
    store
        .save_checkpoint(
            &name,
            &serde_json::to_string(&run)?,
            run.finished_at.timestamp_millis(),
        )
        .await?;
    let labels = [("flow", flow.as_str())];
    metrics::counter!(RECONCILE_COMPARED, &labels).increment(run.compared);
    metrics::counter!(RECONCILE_DIFFERENCES, "flow" => flow.as_str(), "action" => "repaired")
        .increment(run.repaired);
    metrics::counter!(RECONCILE_DIFFERENCES, "flow" => flow.as_str(), "action" => "review")
        .increment(run.review);
    metrics::gauge!(RECONCILE_LAST_SUCCESS, &labels).set(run.finished_at.timestamp() as f64);
    Ok(run)
}

/// The store's lease that lets one instance at a time reconcile.
const LEASE_POOL: &str = "reconcile";

/// Runs reconciliation every `config.interval` until `stop`, one instance at a time across a
/// shared store (a lease in the store, lapsing after an hour if its holder dies).
pub async fn schedule(
    ctx: SyncContext,
    queue: Arc<dyn Queue>,
    config: ReconcileConfig,
    stop: CancellationToken,
) {
    let holder = format!("reconcile:{}", uuid::Uuid::new_v4().simple());
    let flows = config.flows();
    loop {
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = tokio::time::sleep(config.interval) => {}
        }
        let now = Utc::now();
        let lease = SlotLease {
            pool: LEASE_POOL.into(),
            holder: holder.clone(),
            until_ms: now.timestamp_millis() + Duration::from_secs(3600).as_millis() as i64,
        };
        match ctx.store.take_slot(&lease, 1, now.timestamp_millis()).await {
            Ok(Some(slot)) => {
                for flow in &flows {
                    let outcome = run_flow(&ctx, queue.as_ref(), &config, *flow, now).await;
                    let label = if outcome.is_ok() { "ok" } else { "failed" };
                    metrics::counter!(RECONCILE_RUNS, "flow" => flow.as_str(), "outcome" => label)
                        .increment(1);
                    match outcome {
                        Ok(run) => tracing::info!(
                            flow = flow.as_str(),
                            compared = run.compared,
                            unlinked = run.unlinked,
                            repaired = run.repaired,
                            review = run.review,
                            "reconciliation run done"
                        ),
                        Err(error) => tracing::warn!(
                            flow = flow.as_str(),
                            error = %format!("{error:#}"),
                            "reconciliation run failed; the next run covers its window"
                        ),
                    }
                }
                if let Err(error) = ctx.store.release_slot(&lease, slot).await {
                    tracing::warn!(%error, "could not give the reconciliation lease back; it lapses");
                }
            }
            Ok(None) => tracing::debug!("another instance is reconciling"),
            Err(error) => tracing::warn!(%error, "cannot take the reconciliation lease"),
        }
    }
}
