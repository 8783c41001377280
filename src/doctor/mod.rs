//! `tandem doctor`: connects to both systems with the configured credentials and checks, read
//! only, that everything tandem needs is there (token, API version and budget, every mapped
//! field, custom fields, currencies, subsidiaries), and that tandem's own side is set up
//! (webhook secrets, store, queue). Each failure comes with its fix.

mod needs;
mod netsuite;
pub mod report;
mod salesforce;
mod tandem_self;

pub use report::{Check, Report, Section, Status};

use crate::config::Config;
use crate::config::startup::load_mapping;

/// Runs every check. Never writes to Salesforce or NetSuite; opening the store and the queue
/// creates their files or schema as `serve` would.
pub async fn run(config: &Config) -> Report {
    let mut report = Report::default();
    let mapping = match load_mapping(&config.sync.mapping) {
        Ok(mapping) => mapping,
        Err(error) => {
            let mut section = Section::new("mapping");
            section.push(Check::fail(
                "the mapping file does not load",
                [error.to_string()],
            ));
            report.sections.push(section);
            return report;
        }
    };
    let (salesforce_needs, netsuite_needs) =
        (needs::salesforce(&mapping), needs::netsuite(&mapping));
    let (salesforce, netsuite) = tokio::join!(
        salesforce::check(&config.salesforce, &salesforce_needs),
        netsuite::check(&config.netsuite, &mapping, &netsuite_needs),
    );
    report.sections.push(salesforce);
    report.sections.push(netsuite);
    report.sections.push(tandem_self::check(config).await);
    report
}
