//! `tandem sandbox`: emulated Salesforce and NetSuite REST APIs with state, strict auth,
//! NetSuite's concurrency governance, latency and fault injection, and echo webhooks back to
//! tandem. Users try tandem without accounts; the end-to-end tests run against it.

mod banner;
pub mod credentials;
pub mod declared_fields;
pub mod echo;
pub mod faults;
pub mod inspect;
pub mod journal;
pub mod netsuite;
pub mod salesforce;
pub mod seed_links;
pub mod tandem_config;

pub use banner::banner;
pub use credentials::SandboxCredentials;
pub use declared_fields::{FieldChanges, FieldName, FieldSystem};
pub use echo::EchoConfig;

use anyhow::Context;
use std::net::SocketAddr;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

/// How to run the sandbox.
#[derive(Debug, Clone)]
pub struct SandboxConfig {
    /// Where the emulated Salesforce listens (port 0 picks one).
    pub salesforce_listen: SocketAddr,
    /// Where the emulated NetSuite listens (port 0 picks one).
    pub netsuite_listen: SocketAddr,
    /// Where the emulated Salesforce serves its Pub/Sub API (gRPC); none when unset.
    pub salesforce_pubsub_listen: Option<SocketAddr>,
    pub credentials: SandboxCredentials,
    /// NetSuite's account-wide concurrency limit: request N+1 in flight gets 429.
    pub netsuite_concurrency: usize,
    /// Service time added to every API call (not to `/_sandbox` inspection calls).
    pub latency: Duration,
    /// Start with sample accounts, contacts, opportunities, products, customers and items.
    pub seed: bool,
    /// Where record changes are posted back, as the real orgs configured for tandem would.
    pub echo: EchoConfig,
    /// Declared custom fields left out, and extra ones, for this run.
    pub fields: FieldChanges,
}

impl Default for SandboxConfig {
    fn default() -> Self {
        Self {
            salesforce_listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            netsuite_listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            salesforce_pubsub_listen: None,
            credentials: SandboxCredentials::default(),
            netsuite_concurrency: 10,
            latency: Duration::ZERO,
            seed: true,
            echo: EchoConfig::default(),
            fields: FieldChanges::default(),
        }
    }
}

/// A running sandbox; stops when `stop` is called or it is dropped.
pub struct Sandbox {
    pub salesforce_url: String,
    /// The Pub/Sub API's address (`http://127.0.0.1:…`), when it is served.
    pub salesforce_pubsub_url: Option<String>,
    echo: echo::EchoSender,
    pub netsuite_url: String,
    pub salesforce: salesforce::SalesforceState,
    pub netsuite: netsuite::NetsuiteState,
    stop: CancellationToken,
    servers: Vec<tokio::task::JoinHandle<()>>,
}

impl Sandbox {
    pub async fn start(config: SandboxConfig) -> anyhow::Result<Sandbox> {
        let salesforce_journal = journal::Journal::default();
        let netsuite_journal = journal::Journal::default();
        let echo = echo::EchoSender::start(
            config.echo.clone(),
            config.credentials.clone(),
            salesforce_journal.clone(),
            netsuite_journal.clone(),
        );
        let salesforce =
            salesforce::SalesforceState::new(&config, echo.clone(), salesforce_journal);
        let netsuite = netsuite::NetsuiteState::new(&config, echo.clone(), netsuite_journal);
        if config.seed {
            salesforce.seed();
            netsuite.seed();
        }
        let sf_listener = TcpListener::bind(config.salesforce_listen)
            .await
            .with_context(|| {
                format!(
                    "cannot bind the Salesforce sandbox to {}",
                    config.salesforce_listen
                )
            })?;
        let ns_listener = TcpListener::bind(config.netsuite_listen)
            .await
            .with_context(|| {
                format!(
                    "cannot bind the NetSuite sandbox to {}",
                    config.netsuite_listen
                )
            })?;
        let pubsub_listener =
            match config.salesforce_pubsub_listen {
                Some(address) => Some(TcpListener::bind(address).await.with_context(|| {
                    format!("cannot bind the Salesforce Pub/Sub API to {address}")
                })?),
                None => None,
            };
        let salesforce_pubsub_url = pubsub_listener
            .as_ref()
            .map(|listener| listener.local_addr().map(|a| format!("http://{a}")))
            .transpose()?;
        let salesforce_url = format!("http://{}", sf_listener.local_addr()?);
        let netsuite_url = format!("http://{}", ns_listener.local_addr()?);
        salesforce.set_base_url(&salesforce_url);
        netsuite.set_base_url(&netsuite_url);

        let stop = CancellationToken::new();
        let serve = |listener: TcpListener, router: axum::Router, stop: CancellationToken| {
            tokio::spawn(async move {
                let _ = axum::serve(listener, router)
                    .with_graceful_shutdown(stop.cancelled_owned())
                    .await;
            })
        };
        let mut servers = vec![
            serve(
                sf_listener,
                salesforce::router(salesforce.clone()),
                stop.clone(),
            ),
            serve(
                ns_listener,
                netsuite::router(netsuite.clone()),
                stop.clone(),
            ),
        ];
        if let Some(listener) = pubsub_listener {
            servers.push(tokio::spawn(salesforce::pubsub::serve(
                listener,
                salesforce.clone(),
                stop.clone(),
            )));
        }
        Ok(Sandbox {
            echo,
            salesforce_url,
            salesforce_pubsub_url,
            netsuite_url,
            salesforce,
            netsuite,
            stop,
            servers,
        })
    }

    /// Where record changes are echoed from now on (tandem's webhook URLs).
    pub fn set_echo_targets(&self, targets: EchoConfig) {
        self.echo.set_targets(targets);
    }

    /// Stops the servers and waits for them.
    pub async fn stop(mut self) {
        self.stop.cancel();
        for server in self.servers.drain(..) {
            let _ = server.await;
        }
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}
