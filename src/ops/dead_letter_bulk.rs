//! Replaying or discarding every open dead letter a filter matches: page by page through the
//! store (newest first, keyset on the id), one letter at a time through the same operations as
//! a single replay or discard, reporting progress as it goes.

use super::dead_letters::{self, DeadLetterError};
use crate::queue::Queue;
use crate::store::{DeadLetterFilter, DeadLetterStatus, Store};
use serde::Serialize;

/// Letters read from the store at once.
const PAGE: usize = 500;

/// What to do with each matching letter.
#[derive(Clone, Copy)]
pub enum BulkAction<'a> {
    Replay(&'a dyn Queue),
    Discard,
}

/// How many open letters matched when the run began, and how many it moved. A letter another
/// operator replayed or discarded meanwhile is matched but not moved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct BulkOutcome {
    pub matched: u64,
    pub done: u64,
}

/// Only open letters move: a filter naming another status matches none.
pub async fn run(
    store: &dyn Store,
    filter: &DeadLetterFilter,
    action: BulkAction<'_>,
    mut progress: impl FnMut(BulkOutcome),
) -> Result<BulkOutcome, DeadLetterError> {
    let mut outcome = BulkOutcome {
        matched: 0,
        done: 0,
    };
    if filter
        .status
        .is_some_and(|status| status != DeadLetterStatus::Open)
    {
        return Ok(outcome);
    }
    let filter = DeadLetterFilter {
        status: Some(DeadLetterStatus::Open),
        ..filter.clone()
    };
    outcome.matched = store
        .count_dead_letters(&filter)
        .await
        .map_err(DeadLetterError::Store)?;
    let mut cursor = None;
    loop {
        let page = store
            .dead_letter_page(&filter, cursor, PAGE)
            .await
            .map_err(DeadLetterError::Store)?;
        let Some(last) = page.last() else {
            return Ok(outcome);
        };
        cursor = Some(last.id);
        for letter in page {
            let moved = match action {
                BulkAction::Replay(queue) => dead_letters::replay(queue, store, letter.id, None)
                    .await
                    .map(drop),
                BulkAction::Discard => dead_letters::discard(store, letter.id).await,
            };
            match moved {
                Ok(()) => outcome.done += 1,
                Err(DeadLetterError::NotOpen { .. } | DeadLetterError::NotFound(_)) => {}
                Err(error) => return Err(error),
            }
        }
        progress(outcome);
    }
}
