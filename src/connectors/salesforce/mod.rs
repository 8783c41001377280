//! The Salesforce REST client: OAuth 2.0 server-to-server tokens, record upserts by external
//! id, SOQL queries, sObject Collections, and read-only looks at the org's set-up (versions,
//! limits, describe), every call tagged `client=tandem` and every failure classified for the
//! worker.

mod auth;
mod client;
mod collections;
pub mod errors;
mod jwt;
pub mod limits;
mod metadata;
mod meter;
mod query;
mod records;
mod session;
mod settings;
pub mod soql;

#[cfg(test)]
mod tests;

pub use client::SalesforceClient;
pub use collections::{COLLECTION_LIMIT, RecordResult};
pub use errors::SalesforceErrorItem;
pub use metadata::{DailyApiRequests, FieldDescribe, ObjectDescribe, OfferedVersion};
pub use records::UpsertOutcome;
pub use session::Session;
pub use settings::{DEFAULT_TIMEOUT, SalesforceCredentials, SalesforceSettings};
pub use soql::Select;
