//! `tandem records <system> <id>`: one record as tandem knows it, from the config's store.

use super::records;
use crate::config::Config;
use crate::ops::dlq_command::Output;
use crate::store;
use anyhow::Context;
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct RecordsArgs {
    /// `salesforce` or `netsuite`.
    pub system: String,
    /// The record's id in that system.
    pub id: String,
    /// TOML config file; `TANDEM_<SECTION>__<KEY>` variables override it.
    #[arg(long, short)]
    pub config: Option<PathBuf>,
    #[arg(long, value_enum, default_value_t)]
    pub output: Output,
}

/// Returns what to print.
pub async fn run(config: &Config, args: RecordsArgs) -> anyhow::Result<String> {
    let store = store::open(config.store.url.expose())
        .await
        .context("store.url: cannot open the store")?;
    let record = records::show(store.as_ref(), &args.system, &args.id).await?;
    Ok(match args.output {
        Output::Json => serde_json::to_string_pretty(&record)?,
        Output::Table => records::render(&record),
    })
}
