//! An accepted `tandem plan` CSV as a backfill's scope: the records it would link, create or
//! leave linked are applied; those it lists as ambiguous, duplicated or with a broken link are
//! held back for people to clean first; records it does not list (new since) are left out.

use crate::domain::System;
use crate::domain::mapping::Flow;
use anyhow::{Context, bail};
use std::collections::BTreeSet;
use std::path::Path;

/// The plan's verdict on the source records of one flow.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct PlanScope {
    pub apply: BTreeSet<String>,
    pub held_back: BTreeSet<String>,
}

/// Whether the plan lets record `id` be backfilled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Apply,
    HeldBack,
    NotInPlan,
}

impl PlanScope {
    pub fn verdict(&self, id: &str) -> Verdict {
        if self.held_back.contains(id) {
            Verdict::HeldBack
        } else if self.apply.contains(id) {
            Verdict::Apply
        } else {
            Verdict::NotInPlan
        }
    }
}

const HEADER: [&str; 7] = [
    "finding",
    "matched_by",
    "salesforce_ids",
    "salesforce_names",
    "netsuite_ids",
    "netsuite_names",
    "detail",
];

/// Reads `path` (a `plan.csv`) for `flow`; only the account and customer flows have plans.
pub fn read(path: &Path, flow: Flow) -> anyhow::Result<PlanScope> {
    let text = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    parse(&text, flow).with_context(|| format!("{} is not a plan tandem can apply", path.display()))
}

fn parse(csv: &[u8], flow: Flow) -> anyhow::Result<PlanScope> {
    let (apply_kinds, hold_kinds): (&[&str], &[&str]) = match flow {
        Flow::AccountToCustomer => (
            &["link", "linked", "create_in_netsuite"],
            &["ambiguous", "duplicate_salesforce", "broken_link"],
        ),
        Flow::CustomerToAccount => (
            &["link", "linked", "create_in_salesforce"],
            &["ambiguous", "duplicate_netsuite", "broken_link"],
        ),
        other => bail!(
            "--plan: a plan covers accounts and customers, so it applies to account_to_customer \
             and customer_to_account only, not {}",
            other.as_str()
        ),
    };
    let ids_column = match flow.source_system() {
        System::Salesforce => 2,
        System::Netsuite => 4,
    };
    let mut reader = csv::Reader::from_reader(csv);
    let header = reader.headers().context("no header row")?;
    if header.iter().ne(HEADER) {
        bail!(
            "the header row is {:?}; `tandem plan` writes {:?}",
            header.iter().collect::<Vec<_>>().join(","),
            HEADER.join(",")
        );
    }
    let mut scope = PlanScope::default();
    for (line, row) in reader.records().enumerate() {
        let row = row.with_context(|| format!("row {} is not CSV", line + 2))?;
        let kind = &row[0];
        let ids = row[ids_column]
            .split(';')
            .map(str::trim)
            .filter(|id| !id.is_empty())
            .map(str::to_owned);
        if apply_kinds.contains(&kind) {
            scope.apply.extend(ids);
        } else if hold_kinds.contains(&kind) {
            scope.held_back.extend(ids);
        }
    }
    Ok(scope)
}

#[cfg(test)]
mod tests {
    use super::*;

    const PLAN: &str = "finding,matched_by,salesforce_ids,salesforce_names,netsuite_ids,netsuite_names,detail
ambiguous,company name,001B; 001C,Globex; Globex,105,Globex,2 account(s) and 1 customer(s) share this company name
duplicate_netsuite,domain,,,106; 107,A; B,2 records share the domain \"a.com\"
link,domain,001D,Dee,108,Dee Inc,
create_in_netsuite,,001E,Eve,,,no customer matches
create_in_salesforce,,,,109,Nine,no account matches
linked,stored id,001A,Acme,101,Acme,
";

    #[test]
    fn accounts_are_applied_unless_the_plan_holds_them_back() {
        let scope = parse(PLAN.as_bytes(), Flow::AccountToCustomer).unwrap();
        assert_eq!(scope.verdict("001D"), Verdict::Apply);
        assert_eq!(scope.verdict("001E"), Verdict::Apply);
        assert_eq!(scope.verdict("001A"), Verdict::Apply);
        assert_eq!(scope.verdict("001B"), Verdict::HeldBack);
        assert_eq!(scope.verdict("001Z"), Verdict::NotInPlan);
    }

    #[test]
    fn customers_read_the_netsuite_column() {
        let scope = parse(PLAN.as_bytes(), Flow::CustomerToAccount).unwrap();
        assert_eq!(scope.verdict("109"), Verdict::Apply);
        assert_eq!(scope.verdict("108"), Verdict::Apply);
        assert_eq!(scope.verdict("106"), Verdict::HeldBack);
        assert_eq!(scope.verdict("105"), Verdict::HeldBack);
    }

    #[test]
    fn another_csv_or_another_flow_is_refused_by_name() {
        let error = parse(b"id,name\n1,a\n", Flow::AccountToCustomer).unwrap_err();
        assert!(error.to_string().contains("header row"), "{error}");
        let error = parse(PLAN.as_bytes(), Flow::ItemToProduct).unwrap_err();
        assert!(error.to_string().contains("item_to_product"), "{error}");
    }
}
