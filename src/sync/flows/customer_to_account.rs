//! NetSuite customer → Salesforce Account. NetSuite owns credit limit, terms and balance; a
//! customer created in NetSuite first becomes a new account (matched first, never guessed).

use super::super::context::SyncContext;
use super::super::ledger::{self, unchanged};
use super::super::outcome::{Applied, SyncError};
use super::matching::{Found, account_for_customer};
use super::{NETSUITE_ENTITY_ORIGIN, SALESFORCE_ORIGIN, salesforce_stamped, text};
use crate::connectors::netsuite::RecordId;
use crate::domain::mapping::{Flow, Scope};
use crate::domain::{ChangeEvent, ChangeKind, SourceSystem};
use crate::store::{Link, LinkKind, LinkSide, RecordRef};
use serde_json::json;

pub async fn apply(
    ctx: &SyncContext,
    event: &ChangeEvent,
    in_doubt: bool,
) -> Result<Applied, SyncError> {
    let customer_id = event.record_id.as_str();
    if event.change == ChangeKind::Deleted {
        return Ok(Applied::Ignored {
            detail: "customer deletes are not propagated to accounts".into(),
        });
    }
    let linked = match ctx
        .store
        .linked(LinkKind::AccountCustomer, LinkSide::Netsuite, customer_id)
        .await?
    {
        Some(id) => Some(id),
        // The Salesforce id tandem stored on the customer when it created it.
        None => text(&event.fields, "externalId")
            .or_else(|| text(&event.fields, "custentity_sf_account_id")),
    };
    let account_id = match linked {
        Some(id) => Some(id),
        None => match account_for_customer(ctx, customer_id, &event.fields).await? {
            Found::One(id) => Some(id),
            Found::None => None,
            Found::Several(candidates) => {
                return Ok(Applied::Conflict {
                    reason: format!("several Salesforce accounts match customer {customer_id}"),
                    candidates,
                });
            }
        },
    };

    let flow = ctx.mapping.flow(Flow::CustomerToAccount);
    let owned_names = flow.target_fields(Scope::OwnedBy(SourceSystem::Netsuite));
    let scope = if account_id.is_some() {
        Scope::OwnedBy(SourceSystem::Netsuite)
    } else {
        Scope::All
    };
    let mapped = flow.map(&event.fields, scope)?;
    let owned = ledger::only(&mapped, &owned_names);
    if let Some(id) = &account_id
        && unchanged(
            ctx,
            &RecordRef::new(SourceSystem::Salesforce, "Account", id),
            &owned,
        )
        .await?
    {
        return Ok(Applied::Echo {
            detail: format!("account {id} already holds these values"),
        });
    }

    let mut body = mapped;
    body.insert(SALESFORCE_ORIGIN.into(), json!(event.id));
    let account_id = match account_id {
        Some(id) => {
            if in_doubt && salesforce_stamped(ctx, "Account", &id, &event.id).await? {
                tracing::info!(account = %id, "the account already holds this event's write; not writing it again");
            } else {
                body.insert("NetSuite_Id__c".into(), json!(customer_id));
                ctx.salesforce.update("Account", &id, &body).await?;
            }
            id
        }
        None => {
            let outcome = ctx
                .salesforce
                .upsert("Account", "NetSuite_Id__c", customer_id, &body)
                .await?;
            match outcome.id {
                Some(id) => id,
                None => {
                    let found = ctx
                        .salesforce
                        .query(&format!(
                            "SELECT Id FROM Account WHERE NetSuite_Id__c = '{customer_id}'"
                        ))
                        .await?;
                    found.first().and_then(|r| text(r, "Id")).ok_or_else(|| {
                        SyncError::Invalid(format!(
                            "the account upserted for customer {customer_id} cannot be found"
                        ))
                    })?
                }
            }
        }
    };
    // The customer remembers its account (NetSuite's externalId is the Salesforce id).
    if text(&event.fields, "externalId").as_deref() != Some(account_id.as_str()) {
        let stamp = json!({
            "externalId": account_id,
            "custentity_sf_account_id": account_id,
            NETSUITE_ENTITY_ORIGIN: event.id,
        });
        ctx.netsuite
            .patch(
                "customer",
                &RecordId::Internal(customer_id.to_owned()),
                &stamp,
                None,
            )
            .await?;
    }
    Ok(Applied::Written {
        writes: vec![ledger::entry(
            RecordRef::new(SourceSystem::Salesforce, "Account", &account_id),
            &owned,
        )],
        links: vec![Link {
            kind: LinkKind::AccountCustomer,
            salesforce_id: account_id.clone(),
            netsuite_id: customer_id.to_owned(),
        }],
        detail: format!("salesforce account {account_id}"),
    })
}
