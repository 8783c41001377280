//! NetSuite customer → Salesforce Account. NetSuite owns credit limit, terms and balance; a
//! customer created in NetSuite first becomes a new account (matched first, never guessed), and
//! the customer remembers its account (`externalId`).

use crate::domain::ChangeEvent;
use crate::domain::mapping::Flow;
use crate::store::{ConflictSubject, LinkKind, LinkSide};
use crate::sync::context::SyncContext;
use crate::sync::fields::text;
use crate::sync::matching::{Counterpart, account_for_customer, counterpart};
use crate::sync::outcome::{Applied, SyncError};
use crate::sync::pair::{Pair, Target, WriteBack};
use serde_json::json;

pub async fn apply(
    ctx: &SyncContext,
    event: &ChangeEvent,
    in_doubt: bool,
) -> Result<Applied, SyncError> {
    let customer_id = event.record_id.as_str();
    let names = ctx.mapping.record_fields();
    let mut pair = Pair::new(
        Flow::CustomerToAccount,
        Some(LinkKind::AccountCustomer),
        Target::Salesforce {
            object: "Account",
            external_id: names.account_netsuite_id.clone(),
        },
    );
    pair.write_back = Some(WriteBack::Netsuite {
        record_type: "customer",
        fields: vec!["externalId".into(), names.customer_salesforce_id.clone()],
    });
    pair.carried
        .insert(names.account_netsuite_id.clone(), json!(customer_id));
    pair.target_id = match ctx
        .store
        .linked(LinkKind::AccountCustomer, LinkSide::Netsuite, customer_id)
        .await?
    {
        Some(id) => Some(id),
        // The Salesforce id tandem stored on the customer when it created it.
        None => text(&event.fields, "externalId")
            .or_else(|| text(&event.fields, &names.customer_salesforce_id))
            .filter(|id| is_account_id(id)),
    };
    if pair.target_id.is_none() && !event.is_delete() {
        let found = account_for_customer(ctx, customer_id, &event.fields).await?;
        let subject =
            ConflictSubject::new(LinkKind::AccountCustomer, LinkSide::Netsuite, customer_id);
        pair.target_id = match counterpart(ctx, subject, found, || {
            format!("several Salesforce accounts match customer {customer_id}")
        })
        .await?
        {
            Counterpart::Existing(id) => Some(id),
            Counterpart::New => None,
            Counterpart::Ambiguous(conflict) => return Ok(conflict),
        };
    }
    // Accounts have no inactive flag: a deleted customer leaves its account as it is.
    pair.apply(ctx, event, in_doubt).await
}

/// A Salesforce Account id (15 or 18 characters, prefix `001`); a customer's external id set by
/// another integration is not one.
pub fn is_account_id(id: &str) -> bool {
    id.starts_with("001")
        && matches!(id.len(), 15 | 18)
        && id.chars().all(|c| c.is_ascii_alphanumeric())
}
