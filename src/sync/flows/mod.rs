//! One flow per kind of record, and the router that sends an event to its flow. A flow builds
//! its [`Pair`](super::pair::Pair) (and does only what is truly its own); everything shared
//! sits in `sync/`.

mod account_to_customer;
mod contact_to_contact;
mod customer_to_account;
pub mod inventory_to_product;
mod invoice_to_opportunity;
mod item_to_product;
mod opportunity_to_sales_order;

pub use opportunity_to_sales_order::CLOSED_WON;

use super::backfilled::with_fields;
use super::context::SyncContext;
use super::ledger::is_own_echo;
use super::outcome::{Applied, SyncError};
use super::worker::Apply;
use crate::domain::mapping::Flow;
use crate::domain::{ChangeEvent, System};
use async_trait::async_trait;
use std::future::Future;
use std::pin::Pin;

/// Routes events to flows.
pub struct Flows {
    pub ctx: SyncContext,
}

#[async_trait]
impl Apply for Flows {
    async fn apply(&self, event: &ChangeEvent, in_doubt: bool) -> Result<Applied, SyncError> {
        let event = with_fields(&self.ctx, event).await?;
        let event = event.as_ref();
        if is_own_echo(&self.ctx, event).await? {
            return Ok(Applied::Echo {
                detail: format!("tandem's own write to {} {}", event.object, event.record_id),
            });
        }
        route(&self.ctx, event, in_doubt).await
    }

    fn flow_of(&self, event: &ChangeEvent) -> Option<Flow> {
        flow_of(event)
    }
}

/// The flow an event belongs to; `None` when tandem syncs nothing for it.
pub fn flow_of(event: &ChangeEvent) -> Option<Flow> {
    flow_of_record(event.source, &event.object)
}

/// The flow of the records of `object` in `source`; `None` when tandem syncs none of them.
pub fn flow_of_record(source: System, object: &str) -> Option<Flow> {
    let object = object.to_ascii_lowercase();
    Some(match (source, object.as_str()) {
        (System::Salesforce, "account") => Flow::AccountToCustomer,
        (System::Netsuite, "customer") => Flow::CustomerToAccount,
        (System::Salesforce, "contact") => Flow::ContactToContact,
        (System::Salesforce, "opportunity") => Flow::OpportunityToSalesOrder,
        (System::Netsuite, "invoice" | "customerpayment") => Flow::InvoiceToOpportunity,
        (System::Netsuite, "inventorylevel") => Flow::InventoryToProduct,
        (System::Netsuite, kind) if is_item_type(kind) => Flow::ItemToProduct,
        _ => return None,
    })
}

/// A NetSuite item record type of any kind (inventory, non-inventory, service, kit, assembly…).
pub fn is_item_type(record_type: &str) -> bool {
    let kind = record_type.to_ascii_lowercase();
    kind == "item" || kind.ends_with("item")
}

/// Applies `event` through its flow. Boxed: a flow may route a record it depends on (an order's
/// account, a quantity's item) through here first.
pub fn route<'a>(
    ctx: &'a SyncContext,
    event: &'a ChangeEvent,
    in_doubt: bool,
) -> Pin<Box<dyn Future<Output = Result<Applied, SyncError>> + Send + 'a>> {
    Box::pin(route_now(ctx, event, in_doubt))
}

async fn route_now(
    ctx: &SyncContext,
    event: &ChangeEvent,
    in_doubt: bool,
) -> Result<Applied, SyncError> {
    match flow_of(event) {
        Some(Flow::AccountToCustomer) => account_to_customer::apply(ctx, event, in_doubt).await,
        Some(Flow::CustomerToAccount) => customer_to_account::apply(ctx, event, in_doubt).await,
        Some(Flow::ContactToContact) => contact_to_contact::apply(ctx, event, in_doubt).await,
        Some(Flow::OpportunityToSalesOrder) => opportunity_to_sales_order::apply(ctx, event).await,
        Some(Flow::InvoiceToOpportunity) => {
            invoice_to_opportunity::apply(ctx, event, in_doubt).await
        }
        Some(Flow::ItemToProduct) => item_to_product::apply(ctx, event, in_doubt).await,
        // Quantities are coalesced (sync/coalesce.rs); one reaching here has nothing to batch with.
        Some(Flow::InventoryToProduct | Flow::OpportunityLineToSalesOrderLine) | None => {
            Ok(Applied::Ignored {
                detail: format!("no flow for {} {}", event.source, event.object),
            })
        }
    }
}
