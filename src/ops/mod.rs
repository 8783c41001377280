//! Operations: metric names and the Prometheus recorder, alerts, and what operators do with
//! dead letters, conflicts, flows and records (shared by the ops API in `http` and the `tandem dlq`,
//! `tandem conflicts`, `tandem flows` and `tandem records` commands).

pub mod alerts;
pub mod conflicts;
pub mod conflicts_command;
pub mod dead_letter_bulk;
pub mod dead_letter_filter;
pub mod dead_letter_view;
pub mod dead_letters;
pub mod dlq_command;
mod dlq_table;
pub mod flows;
pub mod flows_command;
pub mod metrics;
pub mod records;
pub mod records_command;
pub mod signals;
