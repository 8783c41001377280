//! The account's concurrency limit across instances: a second gate after the process's own
//! governor, kept by whatever the instances share (the store's slot leases, see
//! `sync::account_slots`). The governor alone bounds one process; NetSuite counts the account.

use crate::connectors::error::ConnectorError;
use async_trait::async_trait;

/// Slots shared by every instance that writes to one NetSuite account.
#[async_trait]
pub trait AccountSlots: Send + Sync + std::fmt::Debug + 'static {
    /// Waits for one of the account's slots (a bounded backoff while none is free).
    async fn acquire(&self) -> Result<AccountSlot, ConnectorError>;
}

/// One slot held by one request; dropping it gives it back.
pub struct AccountSlot {
    _held: Box<dyn Send + Sync>,
}

impl AccountSlot {
    /// `held` gives the slot back when it drops.
    pub fn new(held: impl Send + Sync + 'static) -> Self {
        Self {
            _held: Box::new(held),
        }
    }
}
