//! tandem keeps Salesforce and NetSuite in sync, both ways, in near real time.
//!
//! Data flow: Salesforce Outbound Messages and signed JSON events from Salesforce relays and
//! NetSuite's SuiteScript arrive at [`http`]; [`ingress`] verifies and parses them into
//! [`domain::ChangeEvent`]s; the [`queue`] makes them durable before the sender is answered;
//! workers then take them off the queue, in order per record, and write to the other system.

pub mod app;
pub mod backfill;
pub mod config;
pub mod connectors;
pub mod demo;
pub mod doctor;
pub mod domain;
pub mod http;
pub mod ingress;
pub mod ops;
pub mod plan;
pub mod probe;
pub mod pubsub;
pub mod queue;
pub mod reconcile;
pub mod sandbox;
pub mod serve;
pub mod store;
pub mod sync;
pub mod telemetry;

pub use app::App;
pub use config::Config;
