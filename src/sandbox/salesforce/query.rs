//! `GET /query?q=` and `GET /query/{locator}` (and `queryAll`, which sees deleted records too,
//! with `IsDeleted` true): SOQL results in pages (2000 by default,
//! `Sforce-Query-Options: batchSize=N` from 200 to 2000, or the sandbox's own page size), with
//! query cursors that live like Salesforce's (15 minutes idle, 10 per user).

use super::errors::{ApiError, json_response};
use super::sobjects::param;
use super::soql::Scope;
use super::version::ApiVersion;
use super::view::{Cell, Row};
use super::{SalesforceState, ids, soql};
use axum::Extension;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde_json::Value;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const DEFAULT_BATCH: usize = 2000;
const MIN_BATCH: usize = 200;
/// Open cursors per user; opening one more closes the oldest.
const MAX_CURSORS: usize = 10;
const CURSOR_IDLE: Duration = Duration::from_secs(15 * 60);

struct Cursor {
    id: String,
    rows: Arc<Vec<Row>>,
    batch: usize,
    last_used: Instant,
}

/// Open query cursors, oldest first.
pub struct Cursors {
    open: Mutex<VecDeque<Cursor>>,
    next: AtomicU64,
}

impl Default for Cursors {
    fn default() -> Self {
        Self {
            open: Mutex::default(),
            next: AtomicU64::new(ids::first_sequence()),
        }
    }
}

impl Cursors {
    /// Opens a cursor over `rows`; returns its locator id (`01g…`).
    fn open(&self, rows: Arc<Vec<Row>>, batch: usize) -> String {
        let id = ids::make("01g", self.next.fetch_add(1, Ordering::SeqCst));
        let mut open = self.open.lock().unwrap_or_else(|p| p.into_inner());
        open.retain(|c| c.last_used.elapsed() < CURSOR_IDLE);
        while open.len() >= MAX_CURSORS {
            open.pop_front();
        }
        open.push_back(Cursor {
            id: id.clone(),
            rows,
            batch,
            last_used: Instant::now(),
        });
        id
    }

    fn get(&self, id: &str) -> Option<(Arc<Vec<Row>>, usize)> {
        let mut open = self.open.lock().unwrap_or_else(|p| p.into_inner());
        open.retain(|c| c.last_used.elapsed() < CURSOR_IDLE);
        let cursor = open.iter_mut().find(|c| c.id == id)?;
        cursor.last_used = Instant::now();
        Some((cursor.rows.clone(), cursor.batch))
    }
}

/// The page size for a new query.
fn batch_size(state: &SalesforceState, headers: &HeaderMap) -> usize {
    if let Some(size) = state.page_size() {
        return size;
    }
    headers
        .get("sforce-query-options")
        .and_then(|v| v.to_str().ok())
        .into_iter()
        .flat_map(|v| v.split(','))
        .filter_map(|option| option.trim().split_once('='))
        .find(|(name, _)| name.trim().eq_ignore_ascii_case("batchSize"))
        .and_then(|(_, value)| value.trim().parse::<usize>().ok())
        .map(|size| size.clamp(MIN_BATCH, DEFAULT_BATCH))
        .unwrap_or(DEFAULT_BATCH)
}

/// The resource a query was made at, which its next pages are fetched from.
fn resource(scope: Scope) -> &'static str {
    match scope {
        Scope::Live => "query",
        Scope::WithDeleted => "queryAll",
    }
}

pub async fn query(
    State(state): State<SalesforceState>,
    Extension(version): Extension<ApiVersion>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    start(state, version, raw, headers, Scope::Live).await
}

pub async fn query_all(
    State(state): State<SalesforceState>,
    Extension(version): Extension<ApiVersion>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    start(state, version, raw, headers, Scope::WithDeleted).await
}

async fn start(
    state: SalesforceState,
    version: ApiVersion,
    raw: Option<String>,
    headers: HeaderMap,
    scope: Scope,
) -> Result<Response, ApiError> {
    let fault = state.begin(resource(scope)).await;
    let Some(text) = param(&raw, "q").filter(|q| !q.trim().is_empty()) else {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "MALFORMED_QUERY",
            "A query string has to be specified",
        ));
    };
    if let Some(kind) = fault {
        return Err(ApiError::fault(
            kind,
            &state.with_org(|org| org.new_id(super::SObject::Account)),
        ));
    }
    let outcome = state.with_org(|org| soql::run(org, &text, &version.label(), scope))?;
    let batch = batch_size(&state, &headers);
    let rows = Arc::new(outcome.rows);
    let locator = (rows.len() > batch).then(|| state.inner.cursors.open(rows.clone(), batch));
    let at = Page {
        start: 0,
        batch,
        locator: locator.as_deref(),
        version,
        scope,
    };
    Ok(page(outcome.total, &rows, at))
}

pub async fn more(
    State(state): State<SalesforceState>,
    Extension(version): Extension<ApiVersion>,
    Path(path): Path<(String, String)>,
) -> Result<Response, ApiError> {
    next_page(state, version, path.1, Scope::Live).await
}

pub async fn more_all(
    State(state): State<SalesforceState>,
    Extension(version): Extension<ApiVersion>,
    Path(path): Path<(String, String)>,
) -> Result<Response, ApiError> {
    next_page(state, version, path.1, Scope::WithDeleted).await
}

async fn next_page(
    state: SalesforceState,
    version: ApiVersion,
    locator: String,
    scope: Scope,
) -> Result<Response, ApiError> {
    let fault = state.begin(resource(scope)).await;
    let invalid = || {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "INVALID_QUERY_LOCATOR",
            "invalid query locator",
        )
    };
    let (id, start) = locator.rsplit_once('-').ok_or_else(invalid)?;
    let start: usize = start.parse().map_err(|_| invalid())?;
    if let Some(kind) = fault {
        return Err(ApiError::fault(kind, id));
    }
    let (rows, batch) = state.inner.cursors.get(id).ok_or_else(invalid)?;
    if start > rows.len() {
        return Err(invalid());
    }
    let at = Page {
        start,
        batch,
        locator: Some(id),
        version,
        scope,
    };
    Ok(page(rows.len(), &rows, at))
}

/// Where a page starts, how long it is, and the cursor (if any) its next page comes from.
struct Page<'a> {
    start: usize,
    batch: usize,
    locator: Option<&'a str>,
    version: ApiVersion,
    scope: Scope,
}

/// `{"totalSize","done","nextRecordsUrl"?,"records"}` for rows `start..start+batch`.
fn page(total: usize, rows: &[Row], at: Page<'_>) -> Response {
    let Page {
        start,
        batch,
        locator,
        version,
        scope,
    } = at;
    let end = (start + batch).min(rows.len());
    let done = end >= rows.len();
    let mut body = Row::default();
    body.push("totalSize", Cell::Value(Value::from(total)));
    body.push("done", Cell::Value(Value::Bool(done)));
    if let (false, Some(locator)) = (done, locator) {
        let url = format!(
            "/services/data/{}/{}/{locator}-{end}",
            version.label(),
            resource(scope)
        );
        body.push("nextRecordsUrl", Cell::Value(Value::from(url)));
    }
    body.push("records", Cell::Rows(rows[start..end].to_vec()));
    json_response(StatusCode::OK, &body)
}
