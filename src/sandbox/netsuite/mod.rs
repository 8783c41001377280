//! The emulated NetSuite REST API: the record service, its metadata catalog, SuiteQL, OAuth
//! 1.0a TBA and OAuth 2.0 M2M auth, the account's custom fields, its concurrency governance,
//! latency and faults, SuiteScript-style echo events and the `/_sandbox` routes. A request
//! passes the request log, then auth (a refused login never takes a slot), then governance (429
//! when every slot is taken), then latency and faults, then its handler.

mod auth;
mod custom_fields;
mod dependents;
mod error;
mod filter;
mod governance;
mod human;
mod m2m;
mod metadata;
mod oneworld;
mod record_type;
mod records;
mod render;
mod seed;
mod standard_fields;
mod store;
mod suiteql;
mod tba;
mod validate;
mod write;

#[cfg(test)]
mod tests;

pub use error::NsError;
pub use record_type::RecordType;

use super::SandboxConfig;
use super::credentials::SandboxCredentials;
use super::echo::{Echo, EchoSender};
use super::faults::Faults;
use super::inspect::{self, Inspection};
use super::journal::{self, Journal};
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::from_fn_with_state;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{Value, json};
use std::sync::{Arc, Mutex, MutexGuard, RwLock};
use store::{Key, Records};
use write::{Actor, Written};

/// The modifier NetSuite reports for changes made through web services by the integration.
const INTEGRATION_ENTITY: &str = "-5";
/// A person editing in the UI: employee 42 with the Administrator role.
const HUMAN_ENTITY: &str = "42";
const ADMINISTRATOR_ROLE: &str = "3";

#[derive(Clone)]
pub struct NetsuiteState {
    credentials: Arc<SandboxCredentials>,
    journal: Journal,
    faults: Faults,
    echo: EchoSender,
    records: Arc<Mutex<Records>>,
    base_url: Arc<RwLock<String>>,
    /// The account's concurrency slots.
    slots: Arc<governance::Slots>,
    nonces: Arc<tba::Nonces>,
    tokens: Arc<m2m::Tokens>,
    /// The account's custom fields; writes naming any other are refused.
    custom_fields: Arc<custom_fields::CustomFields>,
}

impl NetsuiteState {
    pub fn new(config: &SandboxConfig, echo: EchoSender, journal: Journal) -> Self {
        Self {
            credentials: Arc::new(config.credentials.clone()),
            journal,
            faults: Faults::with_latency(config.latency),
            echo,
            records: Arc::default(),
            base_url: Arc::new(RwLock::new("http://127.0.0.1".into())),
            slots: Arc::new(governance::Slots::new(config.netsuite_concurrency)),
            nonces: Arc::default(),
            tokens: Arc::default(),
            custom_fields: Arc::new(custom_fields::CustomFields::declared(&config.fields)),
        }
    }

    /// Loads the sample records (without echoing them), less the custom fields this run's
    /// account lacks (`--without-field`).
    pub fn seed(&self) {
        let mut records = self.records();
        seed::load(&mut records);
        let seeded: Vec<store::Record> = records.everything().cloned().collect();
        for mut record in seeded {
            let before = record.fields.len();
            record.fields.retain(|name, _| {
                !custom_fields::is_custom(name) || self.custom_fields.has(record.record_type, name)
            });
            if record.fields.len() != before {
                records.put(record);
            }
        }
    }

    /// A write's JSON body, refused when it is not an object or names a custom field that
    /// `record_type` does not have.
    fn record_body(
        &self,
        record_type: RecordType,
        body: &[u8],
    ) -> Result<serde_json::Map<String, Value>, NsError> {
        let body = records::parse_body(body)?;
        self.custom_fields.check_body(record_type, &body)?;
        Ok(body)
    }

    /// The root clients address (`http://127.0.0.1:PORT`), used in `Location`, `links` and as
    /// the M2M audience.
    pub fn set_base_url(&self, url: &str) {
        *self
            .base_url
            .write()
            .unwrap_or_else(|poison| poison.into_inner()) = url.trim_end_matches('/').to_owned();
    }

    pub fn base_url(&self) -> String {
        self.base_url
            .read()
            .unwrap_or_else(|poison| poison.into_inner())
            .clone()
    }

    /// The M2M token endpoint: the `aud` client assertions must name.
    pub fn token_url(&self) -> String {
        format!("{}{}", self.base_url(), m2m::TOKEN_PATH)
    }

    pub fn journal(&self) -> &Journal {
        &self.journal
    }

    pub fn faults(&self) -> &Faults {
        &self.faults
    }

    /// A record as `GET …?expandSubResources=true` shows it; `record_type` in any case, `id`
    /// internal or `eid:…`.
    pub fn record(&self, record_type: &str, id: &str) -> Option<Value> {
        let record_type = RecordType::from_any(record_type)?;
        let records = self.records();
        let record = records.find(record_type, &Key::parse(id)?)?;
        Some(render::record(
            &records,
            &self.base_url(),
            record,
            &expanded(),
        ))
    }

    /// Every record of a type, as [`NetsuiteState::record`] shows them.
    pub fn records_of(&self, record_type: &str) -> Vec<Value> {
        let Some(record_type) = RecordType::from_any(record_type) else {
            return Vec::new();
        };
        let records = self.records();
        let base = self.base_url();
        records
            .all(record_type)
            .map(|record| render::record(&records, &base, record, &expanded()))
            .collect()
    }

    fn records(&self) -> MutexGuard<'_, Records> {
        // A panic while holding the lock leaves plain data; keep using it.
        self.records
            .lock()
            .unwrap_or_else(|poison| poison.into_inner())
    }

    /// Runs a write and echoes what it changed. Echoes are queued under the store lock, so
    /// they leave in the order the writes happened.
    fn write(
        &self,
        actor: Actor,
        operation: impl FnOnce(&mut Records) -> Result<Vec<Written>, NsError>,
    ) -> Result<Vec<Written>, NsError> {
        let mut records = self.records();
        let written = operation(&mut records)?;
        for change in &written {
            self.announce(change, actor);
        }
        Ok(written)
    }

    /// What the shipped SuiteScript `afterSubmit` would post to tandem for this change.
    fn announce(&self, written: &Written, actor: Actor) {
        let record = &written.record;
        // The script is deployed on the synced record types only.
        if record.record_type.origin_field().is_none() {
            return;
        }
        let (execution_context, role, modified_by) = match actor {
            Actor::Integration => (
                "webservices",
                self.credentials.netsuite_integration_role.as_str(),
                INTEGRATION_ENTITY,
            ),
            Actor::Human => ("userinterface", ADMINISTRATOR_ROLE, HUMAN_ENTITY),
        };
        self.echo.send(Echo::Netsuite {
            record_type: record.record_type.script_id(),
            record_id: record.id.to_string(),
            change: written.change,
            version: record.last_modified,
            modified_by: modified_by.to_owned(),
            execution_context: execution_context.to_owned(),
            role: role.to_owned(),
            origin: record.origin(),
            fields: render::script_fields(record),
        });
    }
}

fn expanded() -> render::View {
    render::View {
        fields: None,
        expand: true,
    }
}

pub fn router(state: NetsuiteState) -> Router {
    const COLLECTION: &str = "/services/rest/record/v1/{record_type}";
    const INSTANCE: &str = "/services/rest/record/v1/{record_type}/{id}";
    const SUBLIST: &str = "/services/rest/record/v1/{record_type}/{id}/{sublist}";
    let api = Router::new()
        .route(
            COLLECTION,
            get(records::list)
                .post(records::create)
                .fallback(records::method_not_allowed),
        )
        .route(
            INSTANCE,
            get(records::read)
                .put(records::upsert)
                .patch(records::update)
                .delete(records::delete)
                .fallback(records::method_not_allowed),
        )
        .route(
            SUBLIST,
            get(records::read_sublist).fallback(records::method_not_allowed),
        )
        .route(
            metadata::CATALOG,
            get(metadata::catalog).fallback(records::method_not_allowed),
        )
        .route(
            metadata::RECORD_TYPE,
            get(metadata::record_type).fallback(records::method_not_allowed),
        )
        .route(
            suiteql::PATH,
            post(suiteql::query).fallback(records::method_not_allowed),
        )
        // The last layer added runs first: auth, then governance.
        .layer(from_fn_with_state(state.clone(), governance::admit))
        .layer(from_fn_with_state(state.clone(), auth::require));
    let inspection = Inspection {
        journal: state.journal.clone(),
        faults: state.faults.clone(),
    };
    Router::new()
        .route(
            m2m::TOKEN_PATH,
            post(m2m::token).fallback(records::method_not_allowed),
        )
        .merge(api)
        .fallback(unknown_path)
        .with_state(state.clone())
        .merge(human::routes(state.clone()))
        .merge(governance::routes(state.clone()))
        .merge(inspect::routes(inspection))
        .layer(from_fn_with_state(
            state.journal.clone(),
            journal::log_requests,
        ))
}

/// Unknown paths: a plain 404 under `/_sandbox`; elsewhere NetSuite checks the login first.
async fn unknown_path(State(state): State<NetsuiteState>, request: Request) -> Response {
    let (parts, _) = request.into_parts();
    let path = parts.uri.path();
    if path.starts_with("/_sandbox") {
        let body = json!({ "error": "not_found", "message": format!("no sandbox route {path}") });
        return (StatusCode::NOT_FOUND, Json(body)).into_response();
    }
    if let Err(reason) = auth::authenticate(&state, &parts) {
        return auth::refuse(&state, reason);
    }
    let segment = path
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or_default();
    NsError::invalid_path(segment).into_response()
}
