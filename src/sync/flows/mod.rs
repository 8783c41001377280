//! One flow per kind of record, and the dispatcher that routes an event to its flow.

mod account_to_customer;
mod contact_to_contact;
mod customer_to_account;
mod invoice_to_opportunity;
mod item_to_product;
mod matching;
mod opportunity_to_sales_order;

pub mod inventory;

use super::context::SyncContext;
use super::ledger::is_own_echo;
use super::outcome::{Applied, SyncError};
use super::worker::Apply;
use crate::domain::{ChangeEvent, SourceSystem};
use async_trait::async_trait;
use serde_json::{Map, Value};

/// The origin stamps tandem writes on every record it changes (DESIGN §3).
pub const SALESFORCE_ORIGIN: &str = "Tandem_Sync_Origin__c";
pub const NETSUITE_ENTITY_ORIGIN: &str = "custentity_tandem_origin";
pub const NETSUITE_TRANSACTION_ORIGIN: &str = "custbody_tandem_origin";
pub const NETSUITE_ITEM_ORIGIN: &str = "custitem_tandem_origin";

/// Routes events to flows.
pub struct Flows {
    pub ctx: SyncContext,
}

#[async_trait]
impl Apply for Flows {
    async fn apply(&self, event: &ChangeEvent, in_doubt: bool) -> Result<Applied, SyncError> {
        let ctx = &self.ctx;
        if is_own_echo(ctx, event).await? {
            return Ok(Applied::Echo {
                detail: format!("tandem's own write to {} {}", event.object, event.record_id),
            });
        }
        let object = event.object.to_ascii_lowercase();
        match (event.source, object.as_str()) {
            (SourceSystem::Salesforce, "account") => account_to_customer::apply(ctx, event).await,
            (SourceSystem::Netsuite, "customer") => {
                customer_to_account::apply(ctx, event, in_doubt).await
            }
            (SourceSystem::Salesforce, "contact") => contact_to_contact::apply(ctx, event).await,
            (SourceSystem::Salesforce, "opportunity") => {
                opportunity_to_sales_order::apply(ctx, event).await
            }
            (SourceSystem::Netsuite, "invoice" | "customerpayment") => {
                invoice_to_opportunity::apply(ctx, event, in_doubt).await
            }
            (
                SourceSystem::Netsuite,
                "inventoryitem" | "noninventoryitem" | "serviceitem" | "item",
            ) => item_to_product::apply(ctx, event).await,
            _ => Ok(Applied::Ignored {
                detail: format!("no flow for {} {}", event.source, event.object),
            }),
        }
    }
}

/// Whether a Salesforce record carries `event_id` as its origin stamp: the event's write
/// reached it (made by a worker that died before recording it).
pub async fn salesforce_stamped(
    ctx: &SyncContext,
    object: &str,
    id: &str,
    event_id: &str,
) -> Result<bool, SyncError> {
    let record = ctx.salesforce.get(object, id, &[SALESFORCE_ORIGIN]).await?;
    Ok(text(&record, SALESFORCE_ORIGIN).as_deref() == Some(event_id))
}

/// A field's text, whatever JSON type carries it (Outbound Messages send strings, NetSuite
/// numbers; references `{"id": …}` give their id).
pub fn text(fields: &Map<String, Value>, name: &str) -> Option<String> {
    let value = fields
        .iter()
        .find(|(key, _)| key.eq_ignore_ascii_case(name))
        .map(|(_, value)| value)?;
    match value {
        Value::String(text) if !text.trim().is_empty() => Some(text.trim().to_owned()),
        Value::Number(number) => Some(number.to_string()),
        Value::Bool(flag) => Some(flag.to_string()),
        Value::Object(object) => object.get("id").and_then(|id| match id {
            Value::String(text) => Some(text.clone()),
            Value::Number(number) => Some(number.to_string()),
            _ => None,
        }),
        _ => None,
    }
}

/// A number from a field that may hold a number or numeric text.
pub fn number(fields: &Map<String, Value>, name: &str) -> Option<f64> {
    text(fields, name).and_then(|text| text.parse().ok())
}

/// `{"id": id}`: a NetSuite record reference.
pub fn reference(id: &str) -> Value {
    serde_json::json!({ "id": id })
}

/// A SOQL string literal.
pub fn quote_soql(value: &str) -> String {
    format!("'{}'", value.replace('\\', "\\\\").replace('\'', "\\'"))
}
