//! Log set-up: text or JSON lines, filtered by `server.log_level` unless `RUST_LOG` is set.

use crate::config::{LogFormat, ServerConfig};
use std::io::IsTerminal;
use tracing_subscriber::EnvFilter;

pub fn init(server: &ServerConfig) {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(&server.log_level));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        // Colours only for a person at a terminal: escape codes in a pipe, a file or a log
        // collector (journald, docker, Kubernetes) garble the lines and break grep.
        .with_ansi(std::io::stderr().is_terminal());
    // A second init (tests, embedding) keeps the first subscriber.
    let _ = match server.log_format {
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
        LogFormat::Text => builder.try_init(),
    };
}
