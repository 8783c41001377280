//! Salesforce Contact → NetSuite contact, attached to its account's customer (the account is
//! synced first when it has none). NetSuite's contact carries the Salesforce id as externalId.

use super::super::context::SyncContext;
use super::super::ledger::{self, unchanged};
use super::super::outcome::{Applied, SyncError};
use super::account_to_customer::{
    Customer, ensure_customer, id_by_external_id, write_back_netsuite_id,
};
use super::{NETSUITE_ENTITY_ORIGIN, reference, text};
use crate::connectors::netsuite::RecordId;
use crate::domain::mapping::{Flow, Scope};
use crate::domain::{ChangeEvent, ChangeKind, SourceSystem};
use crate::store::{Link, LinkKind, LinkSide, RecordRef};
use serde_json::{Value, json};

pub async fn apply(ctx: &SyncContext, event: &ChangeEvent) -> Result<Applied, SyncError> {
    let contact_id = event.record_id.as_str();
    let linked = ctx
        .store
        .linked(LinkKind::Contact, LinkSide::Salesforce, contact_id)
        .await?;
    if event.change == ChangeKind::Deleted {
        if let Some(id) = linked {
            ctx.netsuite
                .patch(
                    "contact",
                    &RecordId::Internal(id.clone()),
                    &json!({ "isinactive": true }),
                    None,
                )
                .await?;
            return Ok(Applied::Written {
                writes: vec![],
                links: vec![],
                detail: format!("netsuite contact {id} marked inactive"),
            });
        }
        return Ok(Applied::Ignored {
            detail: "deleted contact was never synced".into(),
        });
    }
    let Some(account_id) = text(&event.fields, "AccountId") else {
        return Ok(Applied::Ignored {
            detail: "a contact without an account has no customer to join".into(),
        });
    };
    let (customer_id, mut writes, mut links) =
        match ensure_customer(ctx, event, &account_id).await? {
            Customer::Ready {
                id,
                applied: Some(Applied::Written { writes, links, .. }),
            } => (id, writes, links),
            Customer::Ready { id, .. } => (id, vec![], vec![]),
            Customer::Ambiguous(conflict) => return Ok(conflict),
        };

    let flow = ctx.mapping.flow(Flow::ContactToContact);
    let scope = if linked.is_some() {
        Scope::OwnedBy(SourceSystem::Salesforce)
    } else {
        Scope::All
    };
    let mapped = flow.map(&event.fields, scope)?;
    if let Some(id) = &linked
        && unchanged(
            ctx,
            &RecordRef::new(SourceSystem::Netsuite, "contact", id),
            &mapped,
        )
        .await?
    {
        return Ok(Applied::Echo {
            detail: format!("contact {id} already holds these values"),
        });
    }
    let mut body = mapped.clone();
    body.insert("company".into(), reference(&customer_id));
    body.insert(NETSUITE_ENTITY_ORIGIN.into(), json!(event.id));
    let netsuite_id = match linked {
        Some(id) => {
            ctx.netsuite
                .patch(
                    "contact",
                    &RecordId::Internal(id.clone()),
                    &Value::Object(body),
                    None,
                )
                .await?;
            id
        }
        None => {
            body.insert("externalId".into(), json!(contact_id));
            let created = ctx
                .netsuite
                .upsert_by_external_id("contact", contact_id, &Value::Object(body))
                .await?;
            match created.id {
                Some(id) => id,
                None => id_by_external_id(ctx, "contact", contact_id).await?,
            }
        }
    };
    write_back_netsuite_id(ctx, event, "Contact", &netsuite_id).await?;
    writes.push(ledger::entry(
        RecordRef::new(SourceSystem::Netsuite, "contact", &netsuite_id),
        &mapped,
    ));
    links.push(Link {
        kind: LinkKind::Contact,
        salesforce_id: contact_id.to_owned(),
        netsuite_id: netsuite_id.clone(),
    });
    Ok(Applied::Written {
        writes,
        links,
        detail: format!("netsuite contact {netsuite_id} under customer {customer_id}"),
    })
}
