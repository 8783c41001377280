//! The emulated Salesforce org: OAuth token endpoint, REST sObject rows, upsert by external id,
//! SOQL with paging (`query` and `queryAll`), sObject Collections, composite requests and
//! trees, describe and limits, trailing slashes trimmed as Salesforce does, API usage headers,
//! injected faults, Outbound Message echoes, and `/_sandbox` routes for inspection and simulated
//! human edits. Only the custom fields the org declares are accepted.

mod auth;
mod collections_create;
mod collections_delete;
mod composite;
mod composite_request;
mod composite_tree;
mod console;
mod custom_fields;
mod decode;
mod describe;
mod errors;
pub(crate) mod ids;
mod limits;
pub mod pubsub;
mod query;
mod records;
mod references;
mod rules;
mod schema;
mod seed;
mod sobjects;
mod soql;
mod version;
mod view;

#[cfg(test)]
mod tests;

use super::SandboxConfig;
use super::credentials::SandboxCredentials;
use super::echo::{Echo, EchoSender};
use super::faults::{FaultKind, Faults};
use super::inspect::{self, Inspection};
use super::journal::{self, Journal};
use axum::Router;
use axum::middleware::{from_fn, from_fn_with_state};
use axum::routing::{get, patch, post};
use records::Org;
use schema::SObject;
use serde_json::{Map, Value};
use std::cell::RefCell;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use tower_http::normalize_path::NormalizePath;

/// The user id a person editing in the Salesforce UI has (`/_sandbox` human edits and seed data).
pub const HUMAN_USER_ID: &str = "0055e000000HumnAAC";

/// Objects whose changes the org sends to tandem as Outbound Messages (the shipped flows).
const ECHOED: [SObject; 4] = [
    SObject::Account,
    SObject::Contact,
    SObject::Opportunity,
    SObject::Product2,
];

/// The emulated org. Cheap to clone; clones share everything.
#[derive(Clone)]
pub struct SalesforceState {
    inner: Arc<Shared>,
}

struct Shared {
    credentials: SandboxCredentials,
    echo: EchoSender,
    journal: Journal,
    faults: Faults,
    base_url: RwLock<String>,
    org: Mutex<Org>,
    sessions: auth::Sessions,
    cursors: query::Cursors,
    /// API calls since start (the token endpoint excluded), shown in `Sforce-Limit-Info`.
    api_calls: AtomicU64,
    /// Sandbox-only page size for queries, overriding `Sforce-Query-Options`.
    page_size: Mutex<Option<usize>>,
    /// Change Data Capture and the Pub/Sub API's event bus.
    pubsub: pubsub::PubSub,
}

/// Who saves, and when (one timestamp per request, as one transaction has).
pub(crate) struct Actor {
    pub user: String,
    pub now: String,
}

impl SalesforceState {
    pub fn new(config: &SandboxConfig, echo: EchoSender, journal: Journal) -> Self {
        Self {
            inner: Arc::new(Shared {
                credentials: config.credentials.clone(),
                echo,
                journal,
                faults: Faults::with_latency(config.latency),
                base_url: RwLock::new(format!("http://{}", config.salesforce_listen)),
                org: Mutex::new(Org::with_custom_fields(
                    custom_fields::CustomFields::declared(&config.fields),
                )),
                sessions: auth::Sessions::default(),
                cursors: query::Cursors::default(),
                api_calls: AtomicU64::new(0),
                page_size: Mutex::new(None),
                pubsub: pubsub::PubSub::new(&custom_fields::CustomFields::declared(&config.fields)),
            }),
        }
    }

    /// Adds the sample price book, products, accounts, contacts and an open opportunity.
    pub fn seed(&self) {
        let actor = self.actor(HUMAN_USER_ID);
        self.with_org(|org| {
            seed::populate(org, &actor);
            for object in pubsub::CAPTURED {
                for record in org.records(object) {
                    self.inner.pubsub.remember(object, record);
                }
            }
        });
    }

    /// Every record of an object (by API name, any case), with all its fields.
    pub fn records_of(&self, object: &str) -> Vec<Map<String, Value>> {
        let Some(object) = SObject::parse(object) else {
            return Vec::new();
        };
        self.with_org(|org| org.records(object).cloned().collect())
    }

    /// The URL clients reach this org at: `instance_url` in token answers, and a valid JWT `aud`.
    pub fn set_base_url(&self, url: &str) {
        *self
            .inner
            .base_url
            .write()
            .unwrap_or_else(|p| p.into_inner()) = url.trim_end_matches('/').to_owned();
    }

    fn base_url(&self) -> String {
        self.inner
            .base_url
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    fn credentials(&self) -> &SandboxCredentials {
        &self.inner.credentials
    }

    pub fn journal(&self) -> &Journal {
        &self.inner.journal
    }

    fn with_org<T>(&self, f: impl FnOnce(&mut Org) -> T) -> T {
        // A panic while holding the lock leaves plain data; keep using it.
        let mut org = self.inner.org.lock().unwrap_or_else(|p| p.into_inner());
        f(&mut org)
    }

    fn actor(&self, user: &str) -> Actor {
        Actor {
            user: user.to_owned(),
            now: decode::format_datetime(chrono::Utc::now()),
        }
    }

    /// The integration user, as whom every API write is made.
    fn integration(&self) -> Actor {
        self.actor(&self.inner.credentials.salesforce_integration_user_id)
    }

    fn count_api_call(&self) -> u64 {
        self.inner.api_calls.fetch_add(1, Ordering::SeqCst) + 1
    }

    fn page_size(&self) -> Option<usize> {
        *self
            .inner
            .page_size
            .lock()
            .unwrap_or_else(|p| p.into_inner())
    }

    fn set_page_size(&self, size: Option<usize>) {
        *self
            .inner
            .page_size
            .lock()
            .unwrap_or_else(|p| p.into_inner()) = size;
    }

    /// Counts an API call as `operation`, waits the service latency, and says which fault (if
    /// any) to answer with instead of serving it.
    async fn begin(&self, operation: &str) -> Option<FaultKind> {
        self.inner.journal.count_operation(operation);
        let fault = self.inner.faults.before_call().await;
        if fault.is_some() {
            self.inner.journal.count_fault();
        }
        fault
    }

    /// Sends one Outbound Message per saved record of an echoed object.
    fn announce(&self, object: SObject, ids: &[String]) {
        if !ECHOED.contains(&object) {
            return;
        }
        let mut echoes: Vec<Echo> = self.with_org(|org| {
            ids.iter()
                .filter_map(|id| org.get(object, id))
                .map(|record| Echo::Salesforce {
                    object: object.name().to_owned(),
                    fields: view::outbound_fields(org, object, record),
                })
                .collect()
        });
        if HELD
            .try_with(|held| held.borrow_mut().append(&mut echoes))
            .is_ok()
        {
            return;
        }
        self.send_echoes(echoes);
    }

    /// Publishes each saved record's change event, then sends its Outbound Message (when the
    /// org sends them). One transaction's echoes make one change event per record, with the
    /// values it committed, however often it saved the record (as Salesforce does).
    fn send_echoes(&self, echoes: Vec<Echo>) {
        let mut published = std::collections::HashSet::new();
        for echo in echoes {
            if let Echo::Salesforce { object, fields } = &echo
                && let Some(object) = SObject::parse(object)
                && let Some(id) = fields.get("Id").and_then(Value::as_str)
                && published.insert((object, id.to_owned()))
            {
                let record = self.with_org(|org| org.get(object, id).cloned());
                if let Some(record) = record {
                    self.inner.pubsub.saved(object, &record);
                }
            }
            self.inner.echo.send(echo);
        }
    }

    /// Publishes the deletion of a record by the integration user.
    fn announce_delete(&self, object: SObject, id: &str) {
        let user = &self.inner.credentials.salesforce_integration_user_id;
        self.inner.pubsub.deleted(object, id, user);
    }

    /// Runs `work` (in this task) with its echoes held back, and returns them with its output:
    /// a composite request sends them only if it is not rolled back.
    async fn holding_echoes<T>(&self, work: impl Future<Output = T>) -> (T, Vec<Echo>) {
        HELD.scope(RefCell::new(Vec::new()), async {
            let output = work.await;
            (output, HELD.with(RefCell::take))
        })
        .await
    }
}

tokio::task_local! {
    /// Outbound Messages held back while a composite request runs.
    static HELD: RefCell<Vec<Echo>>;
}

/// The REST resources a composite request's subrequests may call (and the API serves): sObject
/// rows, query and queryAll, and sObject Collections. Not authenticated or versioned here.
fn resources() -> Router<SalesforceState> {
    let data = "/services/data/{version}";
    Router::new()
        .route(&format!("{data}/sobjects"), get(describe::global))
        .route(
            &format!("{data}/sobjects/{{object}}"),
            post(sobjects::create),
        )
        .route(
            &format!("{data}/sobjects/{{object}}/describe"),
            get(describe::object),
        )
        .route(&format!("{data}/limits"), get(limits::limits))
        .route(
            &format!("{data}/sobjects/{{object}}/{{id}}"),
            get(sobjects::get)
                .patch(sobjects::update)
                .delete(sobjects::delete),
        )
        .route(
            &format!("{data}/sobjects/{{object}}/{{field}}/{{value}}"),
            get(sobjects::get_by_external_id).patch(sobjects::upsert),
        )
        .route(&format!("{data}/query"), get(query::query))
        .route(&format!("{data}/query/{{locator}}"), get(query::more))
        .route(&format!("{data}/queryAll"), get(query::query_all))
        .route(
            &format!("{data}/queryAll/{{locator}}"),
            get(query::more_all),
        )
        .route(
            &format!("{data}/composite/sobjects"),
            patch(composite::update)
                .post(collections_create::create)
                .delete(collections_delete::delete),
        )
        .route(
            &format!("{data}/composite/sobjects/{{object}}/{{field}}"),
            patch(composite::upsert),
        )
}

/// The whole emulated Salesforce: API, token endpoint and `/_sandbox` routes, journaled.
pub fn router(state: SalesforceState) -> Router {
    let data = "/services/data/{version}";
    let api = resources()
        .route(&format!("{data}/composite"), post(composite_request::run))
        .route(
            &format!("{data}/composite/tree/{{object}}"),
            post(composite_tree::create),
        )
        .route_layer(from_fn_with_state(state.clone(), auth::admit));
    let inspection = Inspection {
        journal: state.inner.journal.clone(),
        faults: state.inner.faults.clone(),
    };
    let journal = state.inner.journal.clone();
    let app = Router::new()
        .route("/services/oauth2/token", post(auth::token))
        .route("/services/data", get(version::list))
        .route("/services/data/", get(version::list))
        .merge(api)
        .route("/_sandbox/pubsub", get(pubsub::inspect))
        .merge(console::routes())
        .merge(inspect::routes(inspection))
        .fallback(version::not_found)
        .with_state(state);
    // Salesforce takes `/sobjects/Account/` as `/sobjects/Account` (clients such as
    // simple-salesforce always send the slash). Trimming inside a wrapping router means the
    // routes match on the trimmed path, every route added later included.
    let app = NormalizePath::trim_trailing_slash(app);
    // Outside the routes, so that 405s already carry the `Allow` header axum adds.
    Router::new()
        .fallback_service(app)
        .layer(from_fn(version::method_not_allowed))
        .layer(from_fn(pubsub::origin::tag))
        .layer(from_fn_with_state(journal, journal::log_requests))
}
