//! What every flow works with: the store, both clients, the mapping, and who tandem is.

use super::currencies::Currencies;
use super::loop_guard::Identity;
use crate::config::DeletePolicy;
use crate::connectors::{NetsuiteClient, SalesforceClient};
use crate::domain::mapping::Mapping;
use crate::store::Store;
use std::sync::Arc;

#[derive(Clone)]
pub struct SyncContext {
    pub store: Arc<dyn Store>,
    pub salesforce: SalesforceClient,
    pub netsuite: NetsuiteClient,
    pub mapping: Arc<Mapping>,
    pub identity: Identity,
    pub delete_policy: DeletePolicy,
    /// NetSuite's currency records, read once.
    pub currencies: Arc<Currencies>,
}
