//! Typed REST clients for Salesforce and NetSuite. All outbound I/O to either system goes
//! through them; both classify failures the same way so workers decide retries in one place.

pub mod calls;
pub mod error;
pub mod netsuite;
pub mod salesforce;

pub use error::{ConnectorError, ErrorClass, System};
pub use netsuite::NetsuiteClient;
pub use salesforce::SalesforceClient;
