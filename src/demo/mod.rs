//! `tandem demo`: the sandbox with sample data, tandem on the embedded queue in a temporary
//! directory, a short script of real-looking changes, and a report of what each system holds
//! afterwards. Needs no servers, no credentials and no network beyond localhost.

mod report;
mod script;

use crate::App;
use crate::config::Config;
use crate::sandbox::{EchoConfig, Sandbox, SandboxConfig, SandboxCredentials};
use anyhow::Context;
use std::time::Duration;

/// Runs the demo and returns the report to print.
pub async fn run() -> anyhow::Result<String> {
    let dir = tempfile::tempdir().context("cannot create a temporary directory")?;
    let sandbox = Sandbox::start(SandboxConfig::default()).await?;
    let credentials = SandboxCredentials::default();
    let mut config = Config::default();
    config.server.listen = "127.0.0.1:0".parse()?;
    config.queue.path = dir.path().join("tandem-queue.db");
    config.store.url = format!("sqlite://{}", dir.path().join("tandem.db").display()).into();
    config.sync.coalesce_window = Duration::from_millis(500);
    crate::sandbox::tandem_config::configure(&mut config, &sandbox, &credentials);
    config.validate()?;

    let app = App::build(config).await?;
    let tandem_url = format!("http://{}", app.local_addr());
    let store = app.store();
    let queue = app.queue();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let running = tokio::spawn(app.run_until(async {
        let _ = stopped.await;
    }));
    sandbox.set_echo_targets(EchoConfig {
        netsuite_events_url: Some(format!("{tandem_url}/webhooks/netsuite/events")),
        salesforce_outbound_url: Some(format!("{tandem_url}/webhooks/salesforce/outbound-message")),
    });

    let demo = script::Demo::new(&sandbox, &tandem_url, queue, &credentials);
    let outcome = demo.play().await;
    let report = match outcome {
        Ok(played) => report::render(&demo, &played, store.as_ref()).await,
        Err(error) => Err(error),
    };
    let _ = stop.send(());
    running.await.context("tandem stopped unexpectedly")??;
    sandbox.stop().await;
    report
}
