//! Salesforce Contact → NetSuite contact, attached to its account's customer (the account is
//! synced first when it has none). NetSuite's contact carries the Salesforce id as externalId.

use crate::domain::ChangeEvent;
use crate::domain::mapping::Flow;
use crate::store::{LinkKind, LinkSide};
use crate::sync::context::SyncContext;
use crate::sync::customers::{Customer, ensure_customer, with_account};
use crate::sync::fields::{reference, text};
use crate::sync::outcome::{Applied, SyncError};
use crate::sync::pair::{Pair, Target, WriteBack};
use serde_json::json;

pub async fn apply(
    ctx: &SyncContext,
    event: &ChangeEvent,
    in_doubt: bool,
) -> Result<Applied, SyncError> {
    let contact_id = event.record_id.as_str();
    let mut pair = Pair::new(
        Flow::ContactToContact,
        Some(LinkKind::Contact),
        Target::Netsuite {
            record_type: "contact",
        },
    );
    pair.inactive = Some(("isinactive", json!(true)));
    pair.write_back = Some(WriteBack::Salesforce {
        object: "Contact",
        field: ctx.mapping.record_fields().contact_netsuite_id.clone(),
    });
    pair.target_id = ctx
        .store
        .linked(LinkKind::Contact, LinkSide::Salesforce, contact_id)
        .await?;
    if event.is_delete() {
        return pair.apply(ctx, event, in_doubt).await;
    }
    let Some(account_id) = text(&event.fields, "AccountId") else {
        return Ok(Applied::Ignored {
            detail: "a contact without an account has no customer to join".into(),
        });
    };
    let (customer_id, writes, links) = match ensure_customer(ctx, event, &account_id).await? {
        Customer::Ready { id, writes, links } => (id, writes, links),
        Customer::Ambiguous(conflict) => return Ok(conflict),
    };
    pair.carried
        .insert("company".into(), reference(&customer_id));
    let applied = pair.apply(ctx, event, in_doubt).await?;
    Ok(with_account(applied, writes, links))
}
