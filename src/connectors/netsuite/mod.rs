//! The NetSuite REST record service client: TBA or M2M authentication, the account's
//! concurrency governor, NetSuite's error bodies classified for the worker, and read-only looks
//! at the account's set-up (metadata catalog, SuiteQL).

mod account_slots;
mod client;
mod errors;
mod filter;
mod governor;
pub mod m2m;
mod metadata;
mod queries;
mod record;
mod settings;
mod suiteql;
pub mod tba;
mod telemetry;

pub use account_slots::{AccountSlot, AccountSlots};
pub use client::{MAX_THROTTLE_RETRIES, NetsuiteClient};
pub use errors::{class_of, classify};
pub use filter::Filter;
pub use governor::{Governor, Permit};
pub use m2m::M2mCredentials;
pub use metadata::{RecordField, RecordSchema};
pub use record::{RecordId, RecordRef};
pub use settings::{DEFAULT_CONCURRENCY, DEFAULT_TIMEOUT, NetsuiteCredentials, NetsuiteSettings};
pub use suiteql::SuiteQl;
pub use tba::TbaCredentials;
