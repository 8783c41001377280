//! Salesforce Account → NetSuite customer. Salesforce owns the identity fields; an account that
//! is not a customer yet is created whole (it is Salesforce's until then), after which NetSuite's
//! groups (credit limit, terms, balance) are never written from here.

use super::super::context::SyncContext;
use super::super::ledger::{self, unchanged};
use super::super::outcome::{Applied, SyncError};
use super::matching::{Found, customer_for_account};
use super::{NETSUITE_ENTITY_ORIGIN, SALESFORCE_ORIGIN, reference, text};
use crate::config::DeletePolicy;
use crate::connectors::netsuite::RecordId;
use crate::domain::mapping::{Flow, Scope};
use crate::domain::{ChangeEvent, ChangeKind, SourceSystem};
use crate::store::{Link, LinkKind, LinkSide, RecordRef};
use serde_json::{Map, Value, json};

pub async fn apply(ctx: &SyncContext, event: &ChangeEvent) -> Result<Applied, SyncError> {
    let account_id = event.record_id.as_str();
    let linked = ctx
        .store
        .linked(LinkKind::AccountCustomer, LinkSide::Salesforce, account_id)
        .await?;
    if event.change == ChangeKind::Deleted {
        return mark_inactive(ctx, linked).await;
    }
    let customer_id = match linked {
        Some(id) => Some(id),
        None => match customer_for_account(ctx, account_id, &event.fields).await? {
            Found::One(id) => Some(id),
            Found::None => None,
            Found::Several(candidates) => {
                return Ok(Applied::Conflict {
                    reason: format!("several NetSuite customers match account {account_id}"),
                    candidates,
                });
            }
        },
    };
    upsert_customer(ctx, event, customer_id).await
}

/// Creates or updates the customer; the result carries the ledger entry and the link.
async fn upsert_customer(
    ctx: &SyncContext,
    event: &ChangeEvent,
    existing: Option<String>,
) -> Result<Applied, SyncError> {
    let account_id = event.record_id.as_str();
    let flow = ctx.mapping.flow(Flow::AccountToCustomer);
    let owned_names = flow.target_fields(Scope::OwnedBy(SourceSystem::Salesforce));
    let scope = if existing.is_some() {
        Scope::OwnedBy(SourceSystem::Salesforce)
    } else {
        Scope::All
    };
    let mapped = flow.map(&event.fields, scope)?;
    let owned = ledger::only(&mapped, &owned_names);
    if let Some(id) = &existing
        && unchanged(
            ctx,
            &RecordRef::new(SourceSystem::Netsuite, "customer", id),
            &owned,
        )
        .await?
    {
        return Ok(Applied::Echo {
            detail: format!("customer {id} already holds these values"),
        });
    }

    let mut body = mapped;
    body.insert("externalId".into(), json!(account_id));
    body.insert(NETSUITE_ENTITY_ORIGIN.into(), json!(event.id));
    let customer_id = match existing {
        Some(id) => {
            ctx.netsuite
                .patch(
                    "customer",
                    &RecordId::Internal(id.clone()),
                    &Value::Object(body),
                    None,
                )
                .await?;
            id
        }
        None => {
            let currency = text(&event.fields, "CurrencyIsoCode");
            let target = currency
                .as_deref()
                .and_then(|iso| ctx.mapping.currency(iso));
            let subsidiary = target
                .map(|t| t.subsidiary.clone())
                .unwrap_or_else(|| ctx.mapping.default_subsidiary().to_owned());
            body.insert("subsidiary".into(), reference(&subsidiary));
            if let Some(target) = target {
                body.insert("currency".into(), reference(&target.currency));
            }
            let created = ctx
                .netsuite
                .upsert_by_external_id("customer", account_id, &Value::Object(body))
                .await?;
            match created.id {
                Some(id) => id,
                None => id_by_external_id(ctx, "customer", account_id).await?,
            }
        }
    };
    write_back_netsuite_id(ctx, event, "Account", &customer_id).await?;
    Ok(Applied::Written {
        writes: vec![ledger::entry(
            RecordRef::new(SourceSystem::Netsuite, "customer", &customer_id),
            &owned,
        )],
        links: vec![Link {
            kind: LinkKind::AccountCustomer,
            salesforce_id: account_id.to_owned(),
            netsuite_id: customer_id.clone(),
        }],
        detail: format!("netsuite customer {customer_id}"),
    })
}

/// A NetSuite record's internal id, read by its external id (when an upsert answered without `Location`).
pub async fn id_by_external_id(
    ctx: &SyncContext,
    record_type: &str,
    external_id: &str,
) -> Result<String, SyncError> {
    let record = ctx
        .netsuite
        .get(
            record_type,
            &RecordId::External(external_id.to_owned()),
            Some(&["id"]),
        )
        .await?;
    text(&record, "id").ok_or_else(|| {
        SyncError::Invalid(format!(
            "netsuite {record_type} eid:{external_id} has no id"
        ))
    })
}

/// Stores the NetSuite id on the Salesforce record when it does not hold it yet.
pub async fn write_back_netsuite_id(
    ctx: &SyncContext,
    event: &ChangeEvent,
    object: &str,
    netsuite_id: &str,
) -> Result<(), SyncError> {
    if text(&event.fields, "NetSuite_Id__c").as_deref() == Some(netsuite_id) {
        return Ok(());
    }
    let mut fields = Map::new();
    fields.insert("NetSuite_Id__c".into(), json!(netsuite_id));
    fields.insert(SALESFORCE_ORIGIN.into(), json!(event.id));
    ctx.salesforce
        .update(object, &event.record_id, &fields)
        .await?;
    Ok(())
}

async fn mark_inactive(ctx: &SyncContext, linked: Option<String>) -> Result<Applied, SyncError> {
    match (ctx.delete_policy, linked) {
        (DeletePolicy::MarkInactive, Some(id)) => {
            ctx.netsuite
                .patch(
                    "customer",
                    &RecordId::Internal(id.clone()),
                    &json!({ "isinactive": true }),
                    None,
                )
                .await?;
            Ok(Applied::Written {
                writes: vec![],
                links: vec![],
                detail: format!("netsuite customer {id} marked inactive"),
            })
        }
        (DeletePolicy::MarkInactive, None) => Ok(Applied::Ignored {
            detail: "deleted account was never a customer".into(),
        }),
        (DeletePolicy::Ignore, _) => Ok(Applied::Ignored {
            detail: "deletes are not propagated (sync.delete_policy)".into(),
        }),
    }
}

/// The NetSuite customer of a Salesforce account, syncing the account first when it is not a
/// customer yet (a contact or an order never waits for a human to sync its account).
pub enum Customer {
    Ready {
        id: String,
        applied: Option<Applied>,
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
        return Ok(Customer::Ready { id, applied: None });
    }
    let fields = ctx.salesforce.get("Account", account_id, &[]).await?;
    let account_event = ChangeEvent {
        id: format!("{}:account", cause.id),
        source: SourceSystem::Salesforce,
        object: "Account".into(),
        record_id: account_id.to_owned(),
        change: ChangeKind::Updated,
        version: None,
        modified_by: None,
        origin: None,
        execution_context: None,
        role: None,
        fields,
        received_at: cause.received_at,
        attempt: cause.attempt,
    };
    match apply(ctx, &account_event).await? {
        Applied::Written {
            writes,
            links,
            detail,
        } => {
            let id = links
                .iter()
                .find(|link| link.kind == LinkKind::AccountCustomer)
                .map(|link| link.netsuite_id.clone())
                .ok_or_else(|| {
                    SyncError::Invalid(format!("account {account_id} produced no customer"))
                })?;
            Ok(Customer::Ready {
                id,
                applied: Some(Applied::Written {
                    writes,
                    links,
                    detail,
                }),
            })
        }
        conflict @ Applied::Conflict { .. } => Ok(Customer::Ambiguous(conflict)),
        other => Err(SyncError::Invalid(format!(
            "account {account_id} could not become a customer: {other:?}"
        ))),
    }
}
