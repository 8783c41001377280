//! `tandem backfill`: brings records that existed before go-live (or that webhooks missed) into
//! sync through the live path. It lists the flow's source records, queues each as the change
//! event a webhook would have sent, a window at a time, and waits for the running workers to
//! settle each window, so the same mapping, ownership, matching and ledger apply, live events
//! wait behind one window at most, and NetSuite's limit is the workers' own. A checkpoint in the
//! store names the run and the last record queued: a run killed halfway resumes after it, and
//! the events it queued again are dropped by their dedupe keys. Before each window it reads the
//! org's API allowance and stops, resumable, when less than the floor is left.

pub mod command;
mod events;
mod plan_file;
mod settled;
pub(crate) mod source;

pub use plan_file::{PlanScope, Verdict};
pub use settled::Tally;
pub use source::backfill_flows;

use crate::config::Config;
use crate::config::startup::load_mapping;
use crate::connectors::{NetsuiteClient, SalesforceClient};
use crate::domain::mapping::Flow;
use crate::queue::open::{QueueUse, open_queue};
use crate::store;
use anyhow::{Context, bail};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// What to backfill and how.
#[derive(Debug, Clone)]
pub struct Options {
    pub flow: Flow,
    /// Only records changed at or after this time.
    pub since: Option<DateTime<Utc>>,
    /// An accepted `plan.csv`: only the records it lets through.
    pub plan: Option<PathBuf>,
    /// Forget an unfinished run and start again from the first record.
    pub restart: bool,
    /// Events queued and settled at a time.
    pub window: usize,
    /// Stop when less than this share (percent) of the org's daily API allowance is left.
    pub budget_floor_percent: u64,
}

/// What a run did.
#[derive(Debug, Clone, Default)]
pub struct Report {
    pub listed: usize,
    /// Left out by the plan: ambiguous, duplicated or broken, for people to clean first.
    pub held_back: usize,
    /// Not in the plan at all (created since it was made).
    pub not_in_plan: usize,
    /// Queued by the earlier, interrupted, part of this run.
    pub resumed_after: Option<String>,
    pub skipped_as_queued_before: usize,
    pub queued: usize,
    /// Queued again on resume and dropped by their dedupe keys.
    pub duplicates: usize,
    pub outcomes: Tally,
    /// The org's API calls used today before and after (every client's, not only tandem's).
    pub api_used_before: Option<u64>,
    pub api_used_after: Option<u64>,
}

/// Where a run is, as its checkpoint holds it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
struct Checkpoint {
    run: String,
    /// The last record id queued (records go in id order).
    after: Option<String>,
}

fn checkpoint_name(options: &Options) -> String {
    let since = options
        .since
        .map_or_else(|| "all".to_owned(), |time| time.to_rfc3339());
    format!("backfill:{}:{since}", options.flow.as_str())
}

/// Runs a backfill; progress goes to stderr.
pub async fn run(config: &Config, options: &Options) -> anyhow::Result<Report> {
    if source::source_object(options.flow).is_none() {
        bail!(
            "--flow: {} cannot be backfilled; these can: {}",
            options.flow.as_str(),
            backfill_flows()
        );
    }
    let scope = match &options.plan {
        Some(path) => Some(plan_file::read(path, options.flow)?),
        None => None,
    };
    let mapping = load_mapping(&config.sync.mapping)?;
    let salesforce = SalesforceClient::from_config(&config.salesforce)
        .context("cannot set up the Salesforce client")?;
    let netsuite = NetsuiteClient::from_config(&config.netsuite)
        .context("cannot set up the NetSuite client")?;
    let store = store::open(config.store.url.expose())
        .await
        .context("store.url: cannot open the store")?;
    let queue = open_queue(config, store.clone(), QueueUse::PublishOnly).await?;

    let mut report = Report::default();
    let allowance = Allowance::new(&salesforce, options.budget_floor_percent);
    report.api_used_before = allowance.check().await?;

    let name = checkpoint_name(options);
    if options.restart {
        store.clear_checkpoint(&name).await?;
    }
    let checkpoint = match store.checkpoint(&name).await? {
        Some(text) => serde_json::from_str(&text)
            .with_context(|| format!("the store's checkpoint {name} is unreadable"))?,
        None => Checkpoint {
            run: uuid::Uuid::new_v4().simple().to_string()[..12].to_owned(),
            after: None,
        },
    };
    report.resumed_after = checkpoint.after.clone();

    let object = source::source_object(options.flow).unwrap_or_default();
    eprintln!("listing {} {object} records…", options.flow.source_system());
    let listed = source::list(
        options.flow,
        &mapping,
        &salesforce,
        &netsuite,
        options.since,
    )
    .await
    .with_context(|| format!("cannot list the {object} records"))?;
    report.listed = listed.len();
    eprintln!("listed {} records", listed.len());

    let mut todo = Vec::with_capacity(listed.len());
    for record in listed {
        if let Some(scope) = &scope {
            match scope.verdict(&record.id) {
                Verdict::Apply => {}
                Verdict::HeldBack => {
                    report.held_back += 1;
                    continue;
                }
                Verdict::NotInPlan => {
                    report.not_in_plan += 1;
                    continue;
                }
            }
        }
        if checkpoint
            .after
            .as_deref()
            .is_some_and(|after| record.id.as_str() <= after)
        {
            report.skipped_as_queued_before += 1;
            continue;
        }
        todo.push(record);
    }
    if let Some(after) = &checkpoint.after {
        eprintln!(
            "resuming run {} after {after}: {} records were queued before",
            checkpoint.run, report.skipped_as_queued_before
        );
    }

    let total = todo.len();
    let mut done = 0;
    for window in todo.chunks(options.window.max(1)) {
        allowance.check().await?;
        let now = Utc::now();
        let events: Vec<_> = window
            .iter()
            .map(|record| {
                events::event(
                    options.flow,
                    &checkpoint.run,
                    &record.object,
                    &record.id,
                    record.fields.clone(),
                    now,
                )
            })
            .collect();
        let outcome = queue
            .enqueue(events.iter().cloned().map(events::delivery).collect())
            .await
            .context("cannot queue the backfill's events")?;
        report.queued += outcome.accepted;
        report.duplicates += outcome.duplicates;
        let after = window.last().map(|record| record.id.clone());
        let saved = Checkpoint {
            run: checkpoint.run.clone(),
            after,
        };
        store
            .save_checkpoint(
                &name,
                &serde_json::to_string(&saved)?,
                now.timestamp_millis(),
            )
            .await?;
        settled::wait(store.as_ref(), &events, &mut report.outcomes, |settled| {
            eprint!("\rsettled {}/{total}", done + settled);
        })
        .await?;
        done += window.len();
    }
    if total > 0 {
        eprintln!();
    }
    store.clear_checkpoint(&name).await?;
    report.api_used_after = allowance.check().await?;
    queue.close().await;
    Ok(report)
}

/// The org's daily API allowance, read before each window.
struct Allowance<'a> {
    salesforce: &'a SalesforceClient,
    floor_percent: u64,
}

impl<'a> Allowance<'a> {
    fn new(salesforce: &'a SalesforceClient, floor_percent: u64) -> Self {
        Self {
            salesforce,
            floor_percent,
        }
    }

    /// Calls used today; an error (the run stays resumable) below the floor.
    async fn check(&self) -> anyhow::Result<Option<u64>> {
        let limits = self
            .salesforce
            .daily_api_requests()
            .await
            .context("cannot read the org's API allowance (GET …/limits)")?;
        if limits.max == 0 {
            return Ok(None);
        }
        let left_percent = limits.remaining.saturating_mul(100) / limits.max;
        if left_percent < self.floor_percent {
            bail!(
                "stopped to spare the org's API allowance: {} of {} calls left today, below {}%; \
                 run the same command later (or lower --budget-floor) to resume",
                limits.remaining,
                limits.max,
                self.floor_percent
            );
        }
        Ok(Some(limits.max - limits.remaining))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_checkpoint_is_named_by_flow_and_bound() {
        let mut options = Options {
            flow: Flow::AccountToCustomer,
            since: None,
            plan: None,
            restart: false,
            window: 100,
            budget_floor_percent: 10,
        };
        assert_eq!(
            checkpoint_name(&options),
            "backfill:account_to_customer:all"
        );
        options.since = Some("2026-01-01T00:00:00Z".parse().unwrap());
        assert_eq!(
            checkpoint_name(&options),
            "backfill:account_to_customer:2026-01-01T00:00:00+00:00"
        );
    }
}
