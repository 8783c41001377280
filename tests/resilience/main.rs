//! Resilience of the RabbitMQ backend: the real `tandem` binary on a real broker that the tests
//! stop and start with `rabbitmqctl`, a PostgreSQL store shared by instances, and the sandbox as
//! the downstream whose writes are counted. A binary of its own, so it never overlaps the other
//! test binaries; its scenarios hold `SERIAL`, so they never overlap each other.

mod broker;
mod downstream;
mod instance;
mod load;
mod oracle;
mod timeline;
mod verdict;
mod world;

mod broker_blocked;
mod broker_refusing;
mod broker_restart;
mod consumer_lost;
mod instance_killed;
mod mixed_run;

/// Every scenario holds this for its whole run: each stops the one shared broker.
pub static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
