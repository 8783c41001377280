//! tandem's integration tests: one binary, the real app on port 0, real SQLite files, real sockets.

mod config_cli;
mod connectors_netsuite;
mod connectors_salesforce;
mod dead_letters;
mod demo;
mod doctor;
mod durability;
mod helpers;
mod hostile_input;
mod hostile_requests;
mod invented_methods;
mod json_webhooks;
mod observability;
mod openapi;
mod outbound_messages;
mod overload;
mod raw_clients;
mod real_orgs;
mod sandbox_cli;
mod shared_netsuite_limit;
mod slow_clients;
mod sync_flows;
mod sync_netsuite_flows;
mod synced;
