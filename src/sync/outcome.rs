//! What applying one event came to, and why it failed when it did.

use crate::connectors::{ConnectorError, ErrorClass};
use crate::store::{ConflictSubject, LedgerWrite, Link, StoreError};
use std::time::Duration;

/// A flow's result for one event.
#[derive(Debug, Clone)]
pub enum Applied {
    /// The other system was written.
    Written {
        writes: Vec<LedgerWrite>,
        links: Vec<Link>,
        /// For the record's history: what was written where.
        detail: String,
    },
    /// tandem's own change coming back, or nothing the other side does not already hold.
    Echo { detail: String },
    /// The event needs nothing done (a stage other than Closed Won, a delete when deletes are off…).
    Ignored { detail: String },
    /// Several records matched and tandem never guesses: parked for review, nothing created.
    Conflict {
        reason: String,
        candidates: serde_json::Value,
        /// The record the candidates are for (an order's account, not the order).
        subject: ConflictSubject,
    },
    /// The event was folded into a batch that another task writes (inventory coalescing).
    Deferred { detail: String },
}

/// Why an event could not be applied now.
#[derive(Debug, Clone, thiserror::Error)]
pub enum SyncError {
    #[error(transparent)]
    Connector(#[from] ConnectorError),
    #[error("{0}")]
    Mapping(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Something the record needs is not in the other system yet (an item for an order line).
    #[error("waiting for {what}")]
    MissingDependency { what: String, retry_in: Duration },
    /// The event itself cannot be applied (a required field is missing at the source…).
    #[error("{0}")]
    Invalid(String),
    /// The other system would refuse the write, and tandem says why before trying (a currency
    /// the customer does not accept…); `code` names the case in the dead letter.
    #[error("{message}")]
    Refused { code: &'static str, message: String },
    /// The queue handed the event out too often without an answer (a worker crashing on it).
    #[error("{0}")]
    Undeliverable(String),
}

impl SyncError {
    pub fn class(&self) -> ErrorClass {
        match self {
            SyncError::Connector(error) => error.class,
            SyncError::Store(_) => ErrorClass::Retry,
            SyncError::MissingDependency { .. } => ErrorClass::Retry,
            SyncError::Mapping(_)
            | SyncError::Invalid(_)
            | SyncError::Refused { .. }
            | SyncError::Undeliverable(_) => ErrorClass::Permanent,
        }
    }

    /// The vendor's error code, for dead letters.
    pub fn code(&self) -> Option<String> {
        match self {
            SyncError::Connector(error) => error.code.clone(),
            SyncError::Mapping(_) => Some("MAPPING_ERROR".into()),
            SyncError::MissingDependency { .. } => Some("MISSING_DEPENDENCY".into()),
            SyncError::Invalid(_) => Some("INVALID_EVENT".into()),
            SyncError::Refused { code, .. } => Some((*code).into()),
            SyncError::Undeliverable(_) => Some("MAX_DELIVERIES".into()),
            SyncError::Store(_) => None,
        }
    }
}

impl From<crate::domain::mapping::MappingError> for SyncError {
    fn from(error: crate::domain::mapping::MappingError) -> Self {
        SyncError::Mapping(error.to_string())
    }
}
