//! `tandem backfill --flow F [--since DATE] [--plan FILE]`: the command line of a backfill and
//! the summary it prints.

use super::{Options, Report, backfill_flows};
use crate::domain::mapping::Flow;
use chrono::{DateTime, NaiveDate, Utc};
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct BackfillArgs {
    /// TOML config file; `TANDEM_<SECTION>__<KEY>` variables override it.
    #[arg(long, short)]
    pub config: Option<PathBuf>,
    /// The flow whose source records to sync, e.g. `account_to_customer`.
    #[arg(long, value_parser = parse_flow)]
    pub flow: Flow,
    /// Only records changed on or after this day (`2026-01-31`) or time (RFC 3339); NetSuite
    /// listings start 14 hours early, to cover the integration user's time zone.
    #[arg(long, value_parser = parse_since)]
    pub since: Option<DateTime<Utc>>,
    /// An accepted `plan.csv` from `tandem plan`: apply only what it proposes, hold back what
    /// it lists as ambiguous, duplicated or broken.
    #[arg(long)]
    pub plan: Option<PathBuf>,
    /// Forget an interrupted run of this flow and start again from the first record.
    #[arg(long)]
    pub restart: bool,
    /// Records queued and settled at a time: live events wait behind at most this many.
    #[arg(long, default_value_t = 200, value_parser = clap::value_parser!(u16).range(1..=2000))]
    pub window: u16,
    /// Stop (resumable) when less than this percentage of the org's daily API allowance is left.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(0..=100))]
    pub budget_floor: u64,
}

impl BackfillArgs {
    pub fn options(&self) -> Options {
        Options {
            flow: self.flow,
            since: self.since,
            plan: self.plan.clone(),
            restart: self.restart,
            window: usize::from(self.window),
            budget_floor_percent: self.budget_floor,
        }
    }
}

fn parse_flow(name: &str) -> Result<Flow, String> {
    name.parse::<Flow>().map_err(|_| {
        format!(
            "no flow {name:?}; these can be backfilled: {}",
            backfill_flows()
        )
    })
}

fn parse_since(text: &str) -> Result<DateTime<Utc>, String> {
    if let Ok(day) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        return Ok(day.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc());
    }
    DateTime::parse_from_rfc3339(text)
        .map(|time| time.with_timezone(&Utc))
        .map_err(|_| format!("{text:?} is neither a day (2026-01-31) nor an RFC 3339 time"))
}

impl Report {
    /// What the command prints when the run is done.
    pub fn summary(&self) -> String {
        let mut text = format!("Listed {} source records.\n", self.listed);
        let mut line = |count: usize, what: &str| {
            if count > 0 {
                text.push_str(&format!("  {count:>6}  {what}\n"));
            }
        };
        line(
            self.held_back,
            "held back by the plan (clean them, then plan again)",
        );
        line(self.not_in_plan, "not in the plan (new since it was made)");
        line(
            self.skipped_as_queued_before,
            "queued before this run was interrupted",
        );
        line(self.queued, "queued");
        line(self.duplicates, "queued again and dropped as duplicates");
        if !self.outcomes.is_empty() {
            text.push_str("Outcomes:\n");
            for (action, count) in &self.outcomes {
                text.push_str(&format!("  {count:>6}  {action}\n"));
            }
        }
        if let (Some(before), Some(after)) = (self.api_used_before, self.api_used_after) {
            text.push_str(&format!(
                "Salesforce API calls used today went from {before} to {after} ({} by every client of the org, tandem's workers included).\n",
                after.saturating_sub(before)
            ));
        }
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn since_is_a_day_or_a_time_and_anything_else_is_named() {
        assert_eq!(
            parse_since("2026-01-31").unwrap().to_rfc3339(),
            "2026-01-31T00:00:00+00:00"
        );
        assert_eq!(
            parse_since("2026-01-31T10:00:00+01:00")
                .unwrap()
                .to_rfc3339(),
            "2026-01-31T09:00:00+00:00"
        );
        assert!(parse_since("yesterday").unwrap_err().contains("yesterday"));
        assert!(
            parse_flow("accounts")
                .unwrap_err()
                .contains("account_to_customer")
        );
    }
}
