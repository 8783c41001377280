//! tandem's integration tests: one binary, the real app on port 0, real SQLite files, real sockets.

mod durability;
mod helpers;
mod hostile_input;
mod json_webhooks;
mod observability;
mod openapi;
mod outbound_messages;
