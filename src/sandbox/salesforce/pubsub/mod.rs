//! The org's Pub/Sub API (gRPC, on its own listener): Change Data Capture for Account, Contact
//! and Opportunity. Every save of one of them becomes a change event on its channel and on
//! `/data/ChangeEvents`, with the next replay id, kept for replay.

mod bus;
mod capture;
pub mod origin;
mod payload;
mod schema;
mod service;

use super::SalesforceState;
use super::custom_fields::CustomFields;
use super::records::Record;
use super::schema::SObject;
use axum::Json;
use axum::extract::State;
use bus::EventBus;
use capture::{Captured, ChangeCapture};
pub use schema::CAPTURED;
use schema::ChangeEventSchema;
use serde_json::{Value, json};
use std::sync::atomic::{AtomicI64, AtomicUsize, Ordering};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

/// The first commit number the org reports (commit numbers only grow).
const FIRST_COMMIT: i64 = 11_657_372_702_432;

pub struct PubSub {
    bus: EventBus,
    capture: ChangeCapture,
    schemas: Vec<(ChangeEventSchema, apache_avro::Schema)>,
    commits: AtomicI64,
    /// Subscriptions whose first FetchRequest was taken (they receive what is published now).
    subscriptions: AtomicUsize,
}

impl PubSub {
    pub fn new(custom: &CustomFields) -> Self {
        let schemas = CAPTURED
            .iter()
            .map(|object| {
                let schema = ChangeEventSchema::of(*object, custom);
                let parsed = apache_avro::Schema::parse_str(&schema.json)
                    .expect("the change event schemas are valid Avro");
                (schema, parsed)
            })
            .collect();
        Self {
            bus: EventBus::default(),
            capture: ChangeCapture::default(),
            schemas,
            commits: AtomicI64::new(FIRST_COMMIT),
            subscriptions: AtomicUsize::new(0),
        }
    }

    fn schema_of(&self, object: SObject) -> Option<&(ChangeEventSchema, apache_avro::Schema)> {
        self.schemas
            .iter()
            .find(|(schema, _)| schema.object == object)
    }

    fn schema_by_id(&self, id: &str) -> Option<&ChangeEventSchema> {
        self.schemas
            .iter()
            .map(|(schema, _)| schema)
            .find(|schema| schema.id == id)
    }

    /// Takes a record as known without publishing anything (seed data).
    pub fn remember(&self, object: SObject, record: &Record) {
        if self.schema_of(object).is_some() {
            self.capture.remember(object, record);
        }
    }

    /// Publishes what the latest save of `record` changed.
    pub fn saved(&self, object: SObject, record: &Record) {
        if self.schema_of(object).is_none() {
            return;
        }
        if let Some(change) = self.capture.saved(object, record) {
            self.publish(&change);
        }
    }

    /// Publishes the deletion of a record.
    pub fn deleted(&self, object: SObject, id: &str, user: &str) {
        if self.schema_of(object).is_some() {
            let change = self.capture.deleted(object, id, user);
            self.publish(&change);
        }
    }

    fn publish(&self, change: &Captured) {
        let Some((schema, parsed)) = self.schema_of(change.object) else {
            return;
        };
        let commit = payload::Commit {
            origin: origin::current(),
            transaction_key: uuid::Uuid::new_v4().to_string(),
            timestamp_ms: chrono::Utc::now().timestamp_millis(),
            number: self.commits.fetch_add(1, Ordering::SeqCst),
        };
        match payload::encode(schema, parsed, change, &commit) {
            Ok(bytes) => {
                self.bus.publish(change.object.name(), &schema.id, bytes);
            }
            Err(error) => tracing::error!(%error, "sandbox change event not published"),
        }
    }
}

/// `GET /_sandbox/pubsub`: open subscriptions and the newest replay position.
pub async fn inspect(State(state): State<SalesforceState>) -> Json<Value> {
    let pubsub = &state.inner.pubsub;
    Json(json!({
        "subscriptions": pubsub.subscriptions.load(Ordering::SeqCst),
        "newest_replay_position": pubsub.bus.newest(),
    }))
}

/// Counts a subscription as open while it lives.
struct Open<'a>(&'a AtomicUsize);

impl<'a> Open<'a> {
    fn new(count: &'a AtomicUsize) -> Self {
        count.fetch_add(1, Ordering::SeqCst);
        Self(count)
    }
}

impl Drop for Open<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Serves the Pub/Sub API on `listener` until `stop` is cancelled.
pub async fn serve(listener: TcpListener, state: SalesforceState, stop: CancellationToken) {
    let incoming = tokio_stream::wrappers::TcpListenerStream::new(listener);
    let service =
        crate::pubsub::proto::pub_sub_server::PubSubServer::new(service::Service::new(state));
    let served = tonic::transport::Server::builder()
        .add_service(service)
        .serve_with_incoming_shutdown(incoming, stop.cancelled_owned())
        .await;
    if let Err(error) = served {
        tracing::error!(%error, "the sandbox Pub/Sub API stopped");
    }
}
