//! `tandem plan`: the go-live dry run. Reads every Salesforce account and NetSuite customer,
//! pairs them with the keys the live flows use (stored ids, company domain, normalised name),
//! and reports duplicates, ambiguous matches, broken links, proposed links with the fields they
//! would change, and what a backfill would create, as a terminal summary, a CSV and an HTML
//! page. Nothing is written to either system: the only requests are a token request, SOQL
//! reads, SuiteQL queries and reads of the customers it pairs.

mod changes;
mod matcher;
mod read;
mod report;

pub use report::CSV_HEADER;

pub use matcher::{Company, Finding, Side, plan};

use crate::config::Config;
use crate::config::startup::load_mapping;
use crate::connectors::{NetsuiteClient, SalesforceClient};
use anyhow::Context;
use serde_json::{Map, Value};
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

/// What was read and what was found.
pub struct Plan {
    pub findings: Vec<Finding>,
    /// Names by id, one entry per record read.
    pub account_names: BTreeMap<String, String>,
    pub customer_names: BTreeMap<String, String>,
    /// What syncing each linked or proposed pair would change, by (account, customer).
    pub changes: changes::Changes,
}

impl Plan {
    /// The plan for these records.
    pub fn of(accounts: &[Company], customers: &[Company]) -> Plan {
        let names = |companies: &[Company]| {
            companies
                .iter()
                .map(|c| (c.id.clone(), c.name.clone().unwrap_or_default()))
                .collect()
        };
        Plan {
            findings: plan(accounts, customers),
            account_names: names(accounts),
            customer_names: names(customers),
            changes: changes::Changes::new(),
        }
    }
}

/// The files a run wrote.
pub struct Written {
    pub csv: PathBuf,
    pub html: PathBuf,
}

/// Reads both systems, prints progress to stderr, and writes `plan.csv` and `plan.html` into
/// `out` (created if missing).
pub async fn run(config: &Config, out: &Path) -> anyhow::Result<(Plan, Written)> {
    let mapping = load_mapping(&config.sync.mapping)?;
    let salesforce = SalesforceClient::from_config(&config.salesforce)
        .context("cannot set up the Salesforce client")?;
    let netsuite = NetsuiteClient::from_config(&config.netsuite)
        .context("cannot set up the NetSuite client")?;
    eprintln!("reading Salesforce accounts and NetSuite customers…");
    let (accounts, customers) = tokio::join!(
        read::accounts(&salesforce, &mapping),
        read::customers(&netsuite)
    );
    let accounts = accounts.context("cannot read Salesforce accounts")?;
    eprintln!("read {} Salesforce accounts", accounts.len());
    let customers = customers.context("cannot read NetSuite customers")?;
    eprintln!("read {} NetSuite customers", customers.len());
    let companies: Vec<Company> = accounts
        .iter()
        .map(|(company, _)| company.clone())
        .collect();
    let mut plan = Plan::of(&companies, &customers);
    let pairs: Vec<(String, String)> = plan
        .findings
        .iter()
        .filter_map(|finding| match finding {
            Finding::Link {
                account, customer, ..
            }
            | Finding::Linked { account, customer } => Some((account.clone(), customer.clone())),
            _ => None,
        })
        .collect();
    let accounts: HashMap<String, Map<String, Value>> = accounts
        .into_iter()
        .map(|(company, record)| (company.id, record))
        .collect();
    std::fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
    let mut read_so_far = changes::ReadSoFar::open(out)?;
    if !read_so_far.is_empty() {
        eprintln!(
            "resuming: {} customers were read before the last run stopped",
            read_so_far.len()
        );
    }
    plan.changes = changes::field_changes(
        &mapping,
        &netsuite,
        &accounts,
        &pairs,
        &mut read_so_far,
        usize::from(config.netsuite.concurrency),
    )
    .await?;
    let written = Written {
        csv: out.join("plan.csv"),
        html: out.join("plan.html"),
    };
    let csv = plan.csv().context("cannot write the CSV")?;
    std::fs::write(&written.csv, csv)
        .with_context(|| format!("cannot write {}", written.csv.display()))?;
    std::fs::write(&written.html, plan.html())
        .with_context(|| format!("cannot write {}", written.html.display()))?;
    read_so_far.finish();
    Ok((plan, written))
}
