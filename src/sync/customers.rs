//! The NetSuite customer a contact or an order belongs under: the account's linked customer, or
//! the account synced first (a contact or an order never waits for a person to sync it).

use super::context::SyncContext;
use super::flows::route;
use super::outcome::{Applied, SyncError};
use crate::domain::{ChangeEvent, System};
use crate::store::{LedgerWrite, Link, LinkKind, LinkSide};

/// The customer, and what syncing its account wrote on the way (to record with the event).
pub enum Customer {
    Ready {
        id: String,
        writes: Vec<LedgerWrite>,
        links: Vec<Link>,
    },
    /// The account matches several customers: the dependent record waits for review too.
    Ambiguous(Applied),
}

pub async fn ensure_customer(
    ctx: &SyncContext,
    cause: &ChangeEvent,
    account_id: &str,
) -> Result<Customer, SyncError> {
    if let Some(id) = ctx
        .store
        .linked(LinkKind::AccountCustomer, LinkSide::Salesforce, account_id)
        .await?
    {
        return Ok(Customer::Ready {
            id,
            writes: vec![],
            links: vec![],
        });
    }
    let fields = ctx.salesforce.get("Account", account_id, &[]).await?;
    let account_event =
        ChangeEvent::needed_by(cause, System::Salesforce, "Account", account_id, fields);
    match route(ctx, &account_event, false).await? {
        Applied::Written { writes, links, .. } => {
            let id = links
                .iter()
                .find(|link| link.kind == LinkKind::AccountCustomer)
                .map(|link| link.netsuite_id.clone())
                .ok_or_else(|| {
                    SyncError::Invalid(format!("account {account_id} produced no customer"))
                })?;
            Ok(Customer::Ready { id, writes, links })
        }
        conflict @ Applied::Conflict { .. } => Ok(Customer::Ambiguous(conflict)),
        other => Err(SyncError::Invalid(format!(
            "account {account_id} could not become a customer: {other:?}"
        ))),
    }
}

/// Adds what syncing the account wrote to the dependent record's own result.
pub fn with_account(applied: Applied, writes: Vec<LedgerWrite>, links: Vec<Link>) -> Applied {
    match applied {
        Applied::Written {
            writes: mut own_writes,
            links: mut own_links,
            detail,
        } => {
            own_writes.extend(writes);
            own_links.extend(links);
            Applied::Written {
                writes: own_writes,
                links: own_links,
                detail,
            }
        }
        other if writes.is_empty() && links.is_empty() => other,
        // The account was written even though the record itself needed nothing.
        other => Applied::Written {
            writes,
            links,
            detail: format!("account synced first; {other:?}"),
        },
    }
}
