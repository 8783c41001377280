//! `tandem dlq list|show|replay|discard`: dead letters from a shell, on the store (and, to
//! replay, the queue) that the config names — the same operations as the ops API.

use super::dead_letter_view::DeadLetterView;
use super::dead_letters;
use super::dlq_table;
use crate::config::Config;
use crate::queue::open::{QueueUse, open_queue};
use crate::store::{self, DeadLetterStatus, Store};
use anyhow::Context;
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

#[derive(clap::Subcommand)]
pub enum DlqAction {
    /// The newest dead letters, as a table.
    List {
        /// Only letters in this state.
        #[arg(long, value_parser = parse_status)]
        status: Option<DeadLetterStatus>,
        /// How many letters at most.
        #[arg(long, default_value_t = 50)]
        limit: usize,
    },
    /// One dead letter with its event, as JSON.
    Show { id: i64 },
    /// Queue the letter's event again (as attempt 1) and mark the letter replayed.
    Replay { id: i64 },
    /// Mark the letter discarded: its event is kept but never applied.
    Discard { id: i64 },
}

fn parse_status(text: &str) -> Result<DeadLetterStatus, String> {
    DeadLetterStatus::parse(text).ok_or_else(|| "one of open, replayed, discarded".to_owned())
}

/// Runs one action and returns what to print.
pub async fn run(config: &Config, action: DlqAction) -> anyhow::Result<String> {
    let store = store::open(config.store.url.expose())
        .await
        .context("store.url: cannot open the store")?;
    match action {
        DlqAction::List { status, limit } => {
            let letters = store.dead_letters(status, limit).await?;
            let views: Vec<DeadLetterView> = letters.into_iter().map(Into::into).collect();
            Ok(dlq_table::render(&views))
        }
        DlqAction::Show { id } => {
            let view = DeadLetterView::from(dead_letters::find(store.as_ref(), id).await?);
            Ok(serde_json::to_string_pretty(&view)?)
        }
        DlqAction::Replay { id } => replay(config, store, id).await,
        DlqAction::Discard { id } => {
            dead_letters::discard(store.as_ref(), id).await?;
            Ok(format!("dead letter {id} discarded"))
        }
    }
}

async fn replay(config: &Config, store: Arc<dyn Store>, id: i64) -> anyhow::Result<String> {
    // Look first, so an unknown or closed letter does not need the queue to be reachable.
    let letter = dead_letters::find(store.as_ref(), id).await?;
    if letter.status != DeadLetterStatus::Open {
        return Err(dead_letters::DeadLetterError::NotOpen {
            id,
            status: letter.status,
        }
        .into());
    }
    let queue = open_queue(config, store.clone(), QueueUse::PublishOnly).await?;
    let replayed = dead_letters::replay(queue.as_ref(), store.as_ref(), id).await?;
    Ok(format!(
        "dead letter {id} replayed: event {} of {} is queued again",
        replayed.event_id, replayed.record_key
    ))
}
