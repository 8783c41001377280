//! `/api/v1/records/{system}/{id}`: one record's links, events, writes and last error.

use crate::http::{ApiError, AppState};
use crate::ops::records::{self, RecordError, RecordView};
use axum::Json;
use axum::extract::{Path, State};

/// `GET /api/v1/records/{system}/{id}`; a record tandem never saw answers with empty lists.
pub async fn show(
    State(state): State<AppState>,
    Path((system, id)): Path<(String, String)>,
) -> Result<Json<RecordView>, ApiError> {
    Ok(Json(
        records::show(state.store.as_ref(), &system, &id).await?,
    ))
}

impl From<RecordError> for ApiError {
    fn from(error: RecordError) -> Self {
        match error {
            RecordError::UnknownSystem(_) => ApiError::UnknownResource(error.to_string()),
            RecordError::Store(_) => {
                tracing::error!(%error, "record request failed");
                ApiError::StoreUnavailable
            }
        }
    }
}
