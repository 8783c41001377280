//! Salesforce Account → NetSuite customer. Salesforce owns the identity fields; an account that
//! is not a customer yet is created whole (it is Salesforce's until then) in the default
//! subsidiary and the account's currency, after which NetSuite's groups are never written here.

use crate::domain::ChangeEvent;
use crate::domain::mapping::Flow;
use crate::store::{ConflictSubject, LinkKind, LinkSide};
use crate::sync::context::SyncContext;
use crate::sync::fields::{reference, text};
use crate::sync::matching::{Counterpart, counterpart, customer_for_account};
use crate::sync::outcome::{Applied, SyncError};
use crate::sync::pair::{Pair, Target, WriteBack};
use serde_json::{Map, Value, json};

pub async fn apply(
    ctx: &SyncContext,
    event: &ChangeEvent,
    in_doubt: bool,
) -> Result<Applied, SyncError> {
    let account_id = event.record_id.as_str();
    let mut pair = Pair::new(
        Flow::AccountToCustomer,
        Some(LinkKind::AccountCustomer),
        Target::Netsuite {
            record_type: "customer",
        },
    );
    pair.inactive = Some(("isinactive", json!(true)));
    pair.write_back = Some(WriteBack::Salesforce {
        object: "Account",
        field: ctx.mapping.record_fields().account_netsuite_id.clone(),
    });
    pair.target_id = ctx
        .store
        .linked(LinkKind::AccountCustomer, LinkSide::Salesforce, account_id)
        .await?;
    if pair.target_id.is_none() && !event.is_delete() {
        let found = customer_for_account(ctx, account_id, &event.fields).await?;
        let subject =
            ConflictSubject::new(LinkKind::AccountCustomer, LinkSide::Salesforce, account_id);
        pair.target_id = match counterpart(ctx, subject, found, || {
            format!("several NetSuite customers match account {account_id}")
        })
        .await?
        {
            Counterpart::Existing(id) => Some(id),
            Counterpart::New => None,
            Counterpart::Ambiguous(conflict) => return Ok(conflict),
        };
    }
    if pair.target_id.is_none() {
        pair.on_create = new_customer_terms(ctx, &event.fields).await?;
    }
    pair.apply(ctx, event, in_doubt).await
}

/// A new customer's subsidiary (the currency's preferred one, else the default) and currency
/// (found by the account's ISO code; NetSuite's default when it has none).
async fn new_customer_terms(
    ctx: &SyncContext,
    account: &Map<String, Value>,
) -> Result<Map<String, Value>, SyncError> {
    let iso = text(account, "CurrencyIsoCode");
    let preferred = iso
        .as_deref()
        .and_then(|iso| ctx.mapping.currency(iso))
        .and_then(|o| o.subsidiary.clone());
    let subsidiary = preferred.unwrap_or_else(|| ctx.mapping.default_subsidiary().to_owned());
    let mut terms = Map::new();
    terms.insert("subsidiary".into(), reference(&subsidiary));
    if let Some(iso) = iso {
        match ctx.currencies.id_of(ctx, &iso).await? {
            Some(currency) => {
                terms.insert("currency".into(), reference(&currency));
            }
            None => {
                tracing::warn!(%iso, "NetSuite has no such currency; the customer takes its subsidiary's")
            }
        }
    }
    Ok(terms)
}
