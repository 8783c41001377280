//! Pausing and resuming a flow from the overview's buttons.

use super::errors::PageError;
use super::guard::ActionForm;
use super::layout;
use crate::http::AppState;
use crate::ops::flows;
use axum::Extension;
use axum::extract::{Path, State};
use axum::response::Response;

/// `POST /ops/flows/{flow}/pause`.
pub async fn pause(
    State(state): State<AppState>,
    Path(flow): Path<String>,
    Extension(_): Extension<ActionForm>,
) -> Result<Response, PageError> {
    flows::set_paused(state.store.as_ref(), &flow, true).await?;
    Ok(layout::after_action(
        super::PAGE,
        &format!("Paused {flow}."),
    ))
}

/// `POST /ops/flows/{flow}/resume`.
pub async fn resume(
    State(state): State<AppState>,
    Path(flow): Path<String>,
    Extension(_): Extension<ActionForm>,
) -> Result<Response, PageError> {
    flows::set_paused(state.store.as_ref(), &flow, false).await?;
    Ok(layout::after_action(
        super::PAGE,
        &format!("Resumed {flow}."),
    ))
}
