//! The sync engine: workers take change events off the queue and make the other system agree,
//! one flow per kind of record, without loops, duplicates or stale overwrites.

pub mod account_slots;
pub mod backfilled;
pub mod claims;
pub mod coalesce;
pub mod context;
pub mod currencies;
pub mod customers;
pub mod fields;
pub mod flows;
pub mod ledger;
pub mod loop_guard;
pub mod matching;
pub mod order_terms;
pub mod outcome;
pub mod pair;
pub mod pause;
pub mod retry;
pub mod settle;
pub mod settled;
pub mod stamps;
pub mod start;
pub mod worker;

pub use outcome::{Applied, SyncError};
pub use retry::{Decision, RetryPolicy};
pub use settle::Settler;
pub use settled::Outcome;
pub use worker::{Apply, TakeOver, Worker};
