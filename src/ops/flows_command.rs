//! `tandem flows [list|pause <flow>|resume <flow>]`: flows from a shell, on the store the
//! config names — the same operations as the ops API.

use super::flows;
use crate::config::Config;
use crate::ops::dlq_command::Output;
use crate::store;
use anyhow::Context;
use serde_json::json;
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct FlowsArgs {
    /// TOML config file; `TANDEM_<SECTION>__<KEY>` variables override it.
    #[arg(long, short, global = true)]
    pub config: Option<PathBuf>,
    #[arg(long, value_enum, default_value_t, global = true)]
    pub output: Output,
    #[command(subcommand)]
    pub action: Option<FlowsAction>,
}

#[derive(clap::Subcommand)]
pub enum FlowsAction {
    /// Every flow with its state (the default).
    List,
    /// Hold the flow's events on the queue until it is resumed (every instance).
    Pause { flow: String },
    /// Apply the flow's waiting events, in order.
    Resume { flow: String },
}

/// Runs one action and returns what to print.
pub async fn run(config: &Config, args: FlowsArgs) -> anyhow::Result<String> {
    let store = store::open(config.store.url.expose())
        .await
        .context("store.url: cannot open the store")?;
    let store = store.as_ref();
    let flows = match args.action.unwrap_or(FlowsAction::List) {
        FlowsAction::List => flows::statuses(store).await?,
        FlowsAction::Pause { flow } => vec![flows::set_paused(store, &flow, true).await?],
        FlowsAction::Resume { flow } => vec![flows::set_paused(store, &flow, false).await?],
    };
    Ok(match args.output {
        Output::Json => serde_json::to_string_pretty(&json!({ "flows": flows }))?,
        Output::Table => flows::render(&flows),
    })
}
