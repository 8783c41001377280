//! What handlers share: the queue, the store, the verifiers built from config, the metrics
//! handle and the refusal log.

use super::body::BodyBudget;
use super::refusals::RefusalLog;
use crate::config::Config;
use crate::ingress::standard_webhooks::{SigningKey, Verifier};
use crate::queue::Queue;
use crate::store::Store;
use metrics_exporter_prometheus::PrometheusHandle;
use std::sync::Arc;
use tokio::sync::Semaphore;

/// Cloned for every request (axum hands each handler its own): one reference count.
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

impl std::ops::Deref for AppState {
    type Target = Shared;
    fn deref(&self) -> &Shared {
        &self.0
    }
}

/// What [`AppState`] holds.
pub struct Shared {
    pub queue: Arc<dyn Queue>,
    pub store: Arc<dyn Store>,
    pub config: Arc<Config>,
    pub salesforce_verifier: Arc<Verifier>,
    pub netsuite_verifier: Arc<Verifier>,
    pub metrics: PrometheusHandle,
    /// Refused requests, logged once a minute per source and reason.
    pub refusals: Arc<RefusalLog>,
    /// Request body bytes held in memory at once, across every request.
    pub body_budget: BodyBudget,
    /// Requests waiting for the queue to make their events durable (`queue.max_pending`).
    pub pending_enqueues: Arc<Semaphore>,
}

impl AppState {
    /// Builds the state; the config has been validated, so every secret parses.
    pub fn new(
        config: Arc<Config>,
        queue: Arc<dyn Queue>,
        store: Arc<dyn Store>,
        metrics: PrometheusHandle,
    ) -> Self {
        let verifier = |secrets: &crate::config::SecretList| {
            Arc::new(Verifier::new(
                secrets
                    .iter()
                    .filter_map(|secret| SigningKey::parse(secret.expose()).ok())
                    .collect(),
            ))
        };
        Self(Arc::new(Shared {
            salesforce_verifier: verifier(&config.salesforce.webhook_secrets),
            netsuite_verifier: verifier(&config.netsuite.webhook_secrets),
            body_budget: BodyBudget::new(config.server.max_buffered_body_bytes),
            pending_enqueues: Arc::new(Semaphore::new(config.queue.max_pending)),
            queue,
            store,
            config,
            metrics,
            refusals: Arc::default(),
        }))
    }
}
