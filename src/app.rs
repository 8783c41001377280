//! Wiring: builds the queue, the store, the HTTP router and the sync workers from one config,
//! and runs them until shutdown. Production and tests start tandem through this one path.

use crate::config::Config;
use crate::http::{AppState, Surface, router_for};
use crate::ops;
use crate::queue::Queue;
use crate::queue::open::{QueueUse, open_queue};
use crate::store::{self, Store};
use crate::sync::start::{SyncStatus, start as start_sync};
use anyhow::Context;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

pub struct App {
    listener: TcpListener,
    router: axum::Router,
    /// The internal listener and its routes, when `server.admin_listen` is set.
    admin: Option<(TcpListener, axum::Router)>,
    queue: Arc<dyn Queue>,
    store: Arc<dyn Store>,
    config: Arc<Config>,
    /// Stops the workers; cancelled on shutdown.
    stopping: CancellationToken,
    workers: TaskTracker,
    sync: SyncStatus,
}

impl App {
    /// Opens the queue and the store, starts the workers and binds the listener (port 0 picks
    /// a free port).
    pub async fn build(config: Config) -> anyhow::Result<App> {
        let config = Arc::new(config);
        // The store first: the RabbitMQ queue keeps delivery ids and dead letters in it.
        let store = store::open(config.store.url.expose())
            .await
            .context("store.url: cannot open the store")?;
        let queue = open_queue(&config, store.clone(), QueueUse::Serve).await?;
        let metrics = ops::metrics::install();
        let listener = TcpListener::bind(config.server.listen)
            .await
            .with_context(|| format!("server.listen: cannot bind {}", config.server.listen))?;
        let admin_listener = match config.server.admin_listen {
            Some(address) => Some(
                TcpListener::bind(address)
                    .await
                    .with_context(|| format!("server.admin_listen: cannot bind {address}"))?,
            ),
            None => None,
        };
        let stopping = CancellationToken::new();
        let workers = TaskTracker::new();
        let sync = start_sync(
            &config,
            queue.clone(),
            store.clone(),
            stopping.clone(),
            &workers,
        )
        .await?;
        match &sync {
            SyncStatus::Running { workers } => tracing::info!(workers, "sync workers started"),
            SyncStatus::Off { reason } => {
                tracing::warn!(%reason, "sync is off: events are received and queued only")
            }
        }
        crate::pubsub::subscriber::spawn(
            &config,
            queue.clone(),
            store.clone(),
            stopping.clone(),
            &workers,
        )?;
        ops::alerts::spawn(
            &config.alerts,
            store.clone(),
            queue.clone(),
            stopping.clone(),
            &workers,
        )?;
        let state = AppState::new(config.clone(), queue.clone(), store.clone(), metrics);
        let (router, admin) = match admin_listener {
            Some(admin_listener) => (
                router_for(state.clone(), Surface::Webhooks),
                Some((admin_listener, router_for(state, Surface::Admin))),
            ),
            None => (router_for(state, Surface::All), None),
        };
        Ok(App {
            listener,
            router,
            admin,
            queue,
            store,
            config,
            stopping,
            workers,
            sync,
        })
    }

    pub fn store(&self) -> Arc<dyn Store> {
        self.store.clone()
    }

    pub fn sync_status(&self) -> &SyncStatus {
        &self.sync
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .expect("a bound listener has an address")
    }

    /// The address of the admin listener, when `server.admin_listen` is set.
    pub fn admin_addr(&self) -> Option<SocketAddr> {
        self.admin.as_ref().map(|(listener, _)| {
            listener
                .local_addr()
                .expect("a bound listener has an address")
        })
    }

    pub fn queue(&self) -> Arc<dyn Queue> {
        self.queue.clone()
    }

    /// Serves until `shutdown` resolves, then stops taking connections and lets in-flight
    /// requests finish (up to `server.shutdown_grace`); connections without a request being
    /// handled are closed after `server.shutdown_stall_timeout` (see [`crate::serve`]).
    pub async fn run_until(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let stopping = self.stopping.clone();
        let grace = self.config.server.shutdown_grace;
        tracing::info!(address = %self.local_addr(), queue = self.queue.backend(), "tandem is listening");
        if let Some(admin) = self.admin_addr() {
            tracing::info!(address = %admin, "admin routes (/metrics, /api/v1) are listening");
        }
        let signal = stopping.clone();
        tokio::spawn(async move {
            shutdown.await;
            signal.cancel();
        });
        let serve = crate::serve::serve(
            self.listener,
            self.router,
            crate::serve::Limits::from_config(&self.config.server),
            stopping.clone(),
        );
        let serving = tokio::spawn(serve);
        // The admin listener has its own connection slots, so a flood of the webhook port
        // never delays a probe or a scrape there.
        let admin_serving = self.admin.map(|(listener, router)| {
            let limits = crate::serve::Limits {
                // Ops traffic is light: it is never refused for a busy runtime.
                max_scheduling_delay: None,
                ..crate::serve::Limits::from_config(&self.config.server)
            };
            tokio::spawn(crate::serve::serve(
                listener,
                router,
                limits,
                stopping.clone(),
            ))
        });
        stopping.cancelled().await;
        tracing::info!(grace = ?grace, "shutting down: finishing in-flight requests and events");
        // Workers finish the event they hold; the rest stays queued for the next start.
        self.workers.close();
        let workers = self.workers.clone();
        let drained = async move {
            let served = serving.await;
            if let Some(admin) = admin_serving {
                admin.await?;
            }
            workers.wait().await;
            served
        };
        let joined = match tokio::time::timeout(grace, drained).await {
            Ok(joined) => Some(joined),
            Err(_) => {
                tracing::warn!("in-flight work did not finish within the grace period");
                None
            }
        };
        // The other instances take this one's shards over now rather than when it ages out.
        self.queue.close().await;
        if let Some(joined) = joined {
            joined.context("server task failed")?;
        }
        tracing::info!("stopped");
        Ok(())
    }
}
