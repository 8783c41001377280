//! Operations: metric names and the Prometheus recorder, alerts, and what operators do with
//! dead letters (shared by the ops API in `http` and the `tandem dlq` command).

pub mod alerts;
pub mod dead_letter_view;
pub mod dead_letters;
pub mod dlq_command;
mod dlq_table;
pub mod metrics;
pub mod signals;
