//! `tandem conflicts list|show|resolve`: parked conflicts from a shell, on the store (and, to
//! resolve, the queue) that the config names — the same operations as the ops API.

use super::conflicts::{self, ConflictView, Resolution};
use crate::config::Config;
use crate::ops::dlq_command::Output;
use crate::queue::open::{QueueUse, open_queue};
use crate::store::{self, ConflictStatus};
use anyhow::Context;
use serde_json::json;
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct ConflictsArgs {
    /// TOML config file; `TANDEM_<SECTION>__<KEY>` variables override it.
    #[arg(long, short, global = true)]
    pub config: Option<PathBuf>,
    #[arg(long, value_enum, default_value_t, global = true)]
    pub output: Output,
    #[command(subcommand)]
    pub action: Option<ConflictsAction>,
}

/// Which conflicts `list` shows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum StatusArg {
    #[default]
    Open,
    Resolved,
    All,
}

#[derive(clap::Subcommand)]
pub enum ConflictsAction {
    /// The newest conflicts (open ones unless `--status` says otherwise); the default.
    List {
        #[arg(long, value_enum, default_value_t)]
        status: StatusArg,
        #[arg(long, default_value_t = 50)]
        limit: usize,
    },
    /// One conflict with its event, every candidate and the events that joined it, as JSON.
    Show { id: i64 },
    /// Link the record to a candidate (`--link <id>`), create a new record (`--create`) or
    /// ignore the events (`--ignore`); the events apply through their flow.
    Resolve {
        id: i64,
        #[arg(long, group = "resolution", value_name = "CANDIDATE_ID")]
        link: Option<String>,
        #[arg(long, group = "resolution")]
        create: bool,
        #[arg(long, group = "resolution")]
        ignore: bool,
    },
}

/// Runs one action and returns what to print.
pub async fn run(config: &Config, args: ConflictsArgs) -> anyhow::Result<String> {
    let store = store::open(config.store.url.expose())
        .await
        .context("store.url: cannot open the store")?;
    let action = args.action.unwrap_or(ConflictsAction::List {
        status: StatusArg::Open,
        limit: 50,
    });
    match action {
        ConflictsAction::List { status, limit } => {
            let status = match status {
                StatusArg::Open => Some(ConflictStatus::Open),
                StatusArg::Resolved => Some(ConflictStatus::Resolved),
                StatusArg::All => None,
            };
            let listed = conflicts::list(store.as_ref(), status, limit).await?;
            Ok(match args.output {
                Output::Json => serde_json::to_string_pretty(&json!({ "conflicts": listed }))?,
                Output::Table => render(&listed),
            })
        }
        ConflictsAction::Show { id } => {
            let view = conflicts::show(store.as_ref(), id).await?;
            Ok(serde_json::to_string_pretty(&view)?)
        }
        ConflictsAction::Resolve {
            id,
            link,
            create,
            ignore,
        } => {
            let resolution = match (link, create, ignore) {
                (Some(candidate), _, _) => Resolution::Link { candidate },
                (None, true, _) => Resolution::Create,
                (None, false, true) => Resolution::Ignore,
                (None, false, false) => {
                    anyhow::bail!("say how to resolve: --link <candidate id>, --create or --ignore")
                }
            };
            let queue = open_queue(config, store.clone(), QueueUse::PublishOnly).await?;
            let resolved =
                conflicts::resolve(queue.as_ref(), store.as_ref(), id, resolution).await?;
            Ok(match args.output {
                Output::Json => serde_json::to_string_pretty(&resolved)?,
                Output::Table => format!(
                    "conflict {id} resolved ({}): {} event(s) {}",
                    resolved.action,
                    resolved.replayed.len(),
                    match resolved.action {
                        "ignore" => "finished without writing",
                        _ => "queued again",
                    }
                ),
            })
        }
    }
}

/// The table `tandem conflicts list` prints.
fn render(conflicts: &[ConflictView]) -> String {
    let mut lines = vec![format!(
        "{:<6} {:<9} {:<46} {:<7} {:<24} {}",
        "ID", "STATUS", "RECORD", "JOINED", "CANDIDATES", "REASON"
    )];
    for conflict in conflicts {
        lines.push(format!(
            "{:<6} {:<9} {:<46} {:<7} {:<24} {}",
            conflict.id,
            conflict.resolution.as_deref().unwrap_or(conflict.status),
            conflict.record_key,
            conflict.attached_events,
            conflict.candidate_ids.join(","),
            conflict.reason
        ));
    }
    lines.join("\n")
}
