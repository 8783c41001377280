//! `tandem dlq list|show|replay|discard`: dead letters from a shell, on the store (and, to
//! replay, the queue) that the config names — the same operations as the ops API, one letter
//! at a time or every open letter a filter matches (`--all`).

use super::dead_letter_bulk::{self, BulkAction, BulkOutcome};
use super::dead_letter_filter::FilterInput;
use super::dead_letter_view::DeadLetterView;
use super::dead_letters;
use super::dlq_table;
use crate::config::Config;
use crate::queue::open::{QueueUse, open_queue};
use crate::store::{self, DeadLetterStatus, Store};
use anyhow::Context;
use serde_json::json;
use std::path::PathBuf;
use std::sync::Arc;

#[derive(clap::Args)]
pub struct DlqArgs {
    /// TOML config file; `TANDEM_<SECTION>__<KEY>` variables override it.
    #[arg(long, short, global = true)]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub action: DlqAction,
}

/// How `list` prints.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Output {
    #[default]
    Table,
    Json,
}

#[derive(clap::Subcommand)]
pub enum DlqAction {
    /// The newest dead letters matching the filter.
    List {
        #[command(flatten)]
        filter: FilterInput,
        /// How many letters at most.
        #[arg(long, default_value_t = 50)]
        limit: usize,
        /// The next page: the cursor the previous page printed.
        #[arg(long)]
        cursor: Option<i64>,
        #[arg(long, value_enum, default_value_t)]
        output: Output,
    },
    /// One dead letter with its event, as JSON.
    Show { id: i64 },
    /// Queue the letter's event again (as attempt 1) and mark the letter replayed; with
    /// `--all`, every open letter the filter matches.
    Replay {
        #[arg(required_unless_present = "all", conflicts_with = "all")]
        id: Option<i64>,
        #[arg(long)]
        all: bool,
        #[command(flatten)]
        filter: FilterInput,
        /// A JSON object replacing the event's fields (the letter keeps the original).
        #[arg(long, conflicts_with = "all")]
        payload_file: Option<PathBuf>,
    },
    /// Mark the letter discarded: its event is kept but never applied; with `--all`, every
    /// open letter the filter matches.
    Discard {
        #[arg(required_unless_present = "all", conflicts_with = "all")]
        id: Option<i64>,
        #[arg(long)]
        all: bool,
        #[command(flatten)]
        filter: FilterInput,
    },
}

/// Runs one action and returns what to print (progress of `--all` goes to stderr).
pub async fn run(config: &Config, action: DlqAction) -> anyhow::Result<String> {
    let store = store::open(config.store.url.expose())
        .await
        .context("store.url: cannot open the store")?;
    match action {
        DlqAction::List {
            filter,
            limit,
            cursor,
            output,
        } => list(store.as_ref(), &filter, limit, cursor, output).await,
        DlqAction::Show { id } => {
            let view = dead_letters::show(store.as_ref(), id).await?;
            Ok(serde_json::to_string_pretty(&view)?)
        }
        DlqAction::Replay {
            id: Some(id),
            filter,
            payload_file,
            ..
        } => {
            only_one(&filter)?;
            let payload = payload_file.map(read_payload).transpose()?;
            replay(config, store, id, payload).await
        }
        DlqAction::Discard {
            id: Some(id),
            filter,
            ..
        } => {
            only_one(&filter)?;
            dead_letters::discard(store.as_ref(), id).await?;
            Ok(format!("dead letter {id} discarded"))
        }
        DlqAction::Replay { filter, .. } => {
            let queue = open_queue(config, store.clone(), QueueUse::PublishOnly).await?;
            bulk(
                store.as_ref(),
                &filter,
                BulkAction::Replay(queue.as_ref()),
                "replayed",
            )
            .await
        }
        DlqAction::Discard { filter, .. } => {
            bulk(store.as_ref(), &filter, BulkAction::Discard, "discarded").await
        }
    }
}

async fn list(
    store: &dyn Store,
    filter: &FilterInput,
    limit: usize,
    cursor: Option<i64>,
    output: Output,
) -> anyhow::Result<String> {
    let filter = filter.resolve(chrono::Utc::now())?;
    let letters = store.dead_letter_page(&filter, cursor, limit).await?;
    let next_cursor = (letters.len() == limit)
        .then(|| letters.last().map(|letter| letter.id))
        .flatten();
    let views: Vec<DeadLetterView> = letters.into_iter().map(Into::into).collect();
    Ok(match output {
        Output::Json => serde_json::to_string_pretty(
            &json!({ "dead_letters": views, "next_cursor": next_cursor.map(|id| id.to_string()) }),
        )?,
        Output::Table => {
            let table = dlq_table::render(&views);
            match next_cursor {
                Some(id) => format!("{table}\nmore: --cursor {id}"),
                None => table,
            }
        }
    })
}

/// Filter flags choose letters for `--all`; beside an id they would be ignored, so refuse them.
fn only_one(filter: &FilterInput) -> anyhow::Result<()> {
    let given = filter.flow.is_some()
        || filter.error_code.is_some()
        || filter.record.is_some()
        || filter.older_than.is_some()
        || filter.newer_than.is_some()
        || filter.status.is_some();
    anyhow::ensure!(!given, "filter flags go with --all, not with a letter id");
    Ok(())
}

fn read_payload(path: PathBuf) -> anyhow::Result<serde_json::Value> {
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("cannot read {}", path.display()))?;
    serde_json::from_str(&text).with_context(|| format!("{} is not JSON", path.display()))
}

async fn bulk(
    store: &dyn Store,
    filter: &FilterInput,
    action: BulkAction<'_>,
    done: &str,
) -> anyhow::Result<String> {
    let filter = filter.resolve(chrono::Utc::now())?;
    let progress = |outcome: BulkOutcome| {
        eprintln!("{done} {}/{}", outcome.done, outcome.matched);
    };
    let outcome = dead_letter_bulk::run(store, &filter, action, progress).await?;
    Ok(format!(
        "{done} {} of {} matching open dead letters",
        outcome.done, outcome.matched
    ))
}

async fn replay(
    config: &Config,
    store: Arc<dyn Store>,
    id: i64,
    payload: Option<serde_json::Value>,
) -> anyhow::Result<String> {
    // Look first, so an unknown or closed letter does not need the queue to be reachable.
    let letter = dead_letters::find(store.as_ref(), id).await?;
    if letter.status != DeadLetterStatus::Open {
        return Err(dead_letters::DeadLetterError::NotOpen {
            id,
            status: letter.status,
        }
        .into());
    }
    let edited = if payload.is_some() {
        " with the edited payload"
    } else {
        ""
    };
    let queue = open_queue(config, store.clone(), QueueUse::PublishOnly).await?;
    let replayed = dead_letters::replay(queue.as_ref(), store.as_ref(), id, payload).await?;
    Ok(format!(
        "dead letter {id} replayed: event {} of {} is queued again{edited}",
        replayed.event_id, replayed.record_key
    ))
}
