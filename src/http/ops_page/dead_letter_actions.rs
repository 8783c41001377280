//! What the dead-letter pages' buttons do: replay (optionally with edited fields) or discard
//! one letter, or every open letter a filter matches; each through the same operations as the
//! ops API and `tandem dlq`.

use super::DEAD_LETTERS;
use super::dead_letter_list::Listing;
use super::dead_letter_page::letter_id;
use super::errors::PageError;
use super::guard::ActionForm;
use super::layout;
use crate::http::AppState;
use crate::ops::dead_letter_bulk::{self, BulkAction};
use crate::ops::dead_letters;
use axum::Extension;
use axum::extract::{Path, State};
use axum::response::Response;
use serde_json::Value;

/// `POST /ops/dead-letters/{id}/replay`; a `payload` field replaces the event's fields.
pub async fn replay(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Extension(form): Extension<ActionForm>,
) -> Result<Response, PageError> {
    let id = letter_id(&id)?;
    let payload = match form.get("payload") {
        Some(text) => Some(serde_json::from_str::<Value>(text).map_err(|error| {
            PageError::new(
                400,
                format!("The edited fields are not JSON ({error}); nothing was replayed."),
            )
        })?),
        None => None,
    };
    let edited = payload.is_some();
    let store = state.store.as_ref();
    let replayed = dead_letters::replay(state.queue.as_ref(), store, id, payload).await?;
    let notice = format!(
        "Replayed dead letter {id}{}: event {} is queued again.",
        if edited { " with edited fields" } else { "" },
        replayed.event_id
    );
    Ok(layout::after_action(
        &format!("{DEAD_LETTERS}/{id}"),
        &notice,
    ))
}

/// `POST /ops/dead-letters/{id}/discard`.
pub async fn discard(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Extension(_): Extension<ActionForm>,
) -> Result<Response, PageError> {
    let id = letter_id(&id)?;
    dead_letters::discard(state.store.as_ref(), id).await?;
    let notice = format!("Discarded dead letter {id}: its event will not be applied.");
    Ok(layout::after_action(
        &format!("{DEAD_LETTERS}/{id}"),
        &notice,
    ))
}

/// `POST /ops/dead-letters/replay`: every open letter the form's filter matches.
pub async fn replay_matching(
    State(state): State<AppState>,
    Extension(form): Extension<ActionForm>,
) -> Result<Response, PageError> {
    bulk(
        &state,
        &form,
        BulkAction::Replay(state.queue.as_ref()),
        "Replayed",
    )
    .await
}

/// `POST /ops/dead-letters/discard`.
pub async fn discard_matching(
    State(state): State<AppState>,
    Extension(form): Extension<ActionForm>,
) -> Result<Response, PageError> {
    bulk(&state, &form, BulkAction::Discard, "Discarded").await
}

async fn bulk(
    state: &AppState,
    form: &ActionForm,
    action: BulkAction<'_>,
    done: &str,
) -> Result<Response, PageError> {
    let pairs = form.pairs().map(|(k, v)| (k.to_owned(), v.to_owned()));
    let listing = Listing::parse(pairs)?;
    let filter = listing.filter()?;
    let outcome = dead_letter_bulk::run(state.store.as_ref(), &filter, action, |_| {}).await?;
    let notice = format!(
        "{done} {} of the {} open dead letters that matched.",
        outcome.done, outcome.matched
    );
    Ok(layout::after_action(DEAD_LETTERS, &notice))
}
