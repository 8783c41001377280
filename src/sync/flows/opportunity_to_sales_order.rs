//! Salesforce Opportunity Closed Won → NetSuite sales order: lines from OpportunityLineItems,
//! items by product code, currency → subsidiary, externalId = the opportunity id (so no
//! redelivery can create a second order), no tax; the order's id and number go back to the
//! opportunity.

use super::super::context::SyncContext;
use super::super::outcome::{Applied, SyncError};
use super::account_to_customer::{Customer, ensure_customer, id_by_external_id};
use super::{NETSUITE_TRANSACTION_ORIGIN, SALESFORCE_ORIGIN, quote_soql, reference, text};
use crate::connectors::netsuite::RecordId;
use crate::domain::ChangeEvent;
use crate::domain::mapping::{Flow, Scope};
use crate::store::{Link, LinkKind, LinkSide};
use serde_json::{Map, Value, json};
use std::time::Duration;

const CLOSED_WON: &str = "Closed Won";
/// How soon to look again for items that are not in NetSuite yet.
const ITEM_WAIT: Duration = Duration::from_secs(60);

pub async fn apply(ctx: &SyncContext, event: &ChangeEvent) -> Result<Applied, SyncError> {
    let opportunity_id = event.record_id.as_str();
    if text(&event.fields, "StageName").as_deref() != Some(CLOSED_WON) {
        return Ok(Applied::Ignored {
            detail: "only Closed Won opportunities become sales orders".into(),
        });
    }
    if let Some(order) = ctx
        .store
        .linked(
            LinkKind::OpportunitySalesOrder,
            LinkSide::Salesforce,
            opportunity_id,
        )
        .await?
    {
        return Ok(Applied::Ignored {
            detail: format!("sales order {order} already exists for this opportunity"),
        });
    }
    let account_id = text(&event.fields, "AccountId").ok_or_else(|| {
        SyncError::Invalid(format!("opportunity {opportunity_id} has no AccountId"))
    })?;
    let (customer_id, mut writes, mut links) =
        match ensure_customer(ctx, event, &account_id).await? {
            Customer::Ready {
                id,
                applied: Some(Applied::Written { writes, links, .. }),
            } => (id, writes, links),
            Customer::Ready { id, .. } => (id, vec![], vec![]),
            Customer::Ambiguous(conflict) => return Ok(conflict),
        };

    let currency = text(&event.fields, "CurrencyIsoCode").unwrap_or_else(|| "USD".into());
    let target = ctx.mapping.currency(&currency).ok_or_else(|| {
        SyncError::Invalid(format!(
            "mapping: no subsidiary for currency {currency} (add it under [currencies])"
        ))
    })?;
    let mut body = ctx
        .mapping
        .flow(Flow::OpportunityToSalesOrder)
        .map(&event.fields, Scope::All)?;
    body.insert("entity".into(), reference(&customer_id));
    body.insert("subsidiary".into(), reference(&target.subsidiary));
    body.insert("currency".into(), reference(&target.currency));
    body.insert("externalId".into(), json!(opportunity_id));
    body.insert(NETSUITE_TRANSACTION_ORIGIN.into(), json!(event.id));
    body.insert(
        "item".into(),
        json!({ "items": lines(ctx, opportunity_id).await? }),
    );

    let created = ctx
        .netsuite
        .upsert_by_external_id("salesOrder", opportunity_id, &Value::Object(body))
        .await?;
    let order_id = match created.id {
        Some(id) => id,
        None => id_by_external_id(ctx, "salesOrder", opportunity_id).await?,
    };
    let order = ctx
        .netsuite
        .get(
            "salesOrder",
            &RecordId::Internal(order_id.clone()),
            Some(&["tranId"]),
        )
        .await?;
    let number = text(&order, "tranId").unwrap_or_default();

    let mut back = Map::new();
    back.insert("NetSuite_Sales_Order_Id__c".into(), json!(order_id));
    back.insert("NetSuite_Sales_Order_Number__c".into(), json!(number));
    back.insert(SALESFORCE_ORIGIN.into(), json!(event.id));
    ctx.salesforce
        .update("Opportunity", opportunity_id, &back)
        .await?;

    links.push(Link {
        kind: LinkKind::OpportunitySalesOrder,
        salesforce_id: opportunity_id.to_owned(),
        netsuite_id: order_id.clone(),
    });
    writes.push(super::super::ledger::entry(
        crate::store::RecordRef::new(
            crate::domain::SourceSystem::Salesforce,
            "Opportunity",
            opportunity_id,
        ),
        &back
            .into_iter()
            .filter(|(k, _)| k != SALESFORCE_ORIGIN)
            .collect(),
    ));
    Ok(Applied::Written {
        writes,
        links,
        detail: format!("netsuite sales order {order_id} ({number})"),
    })
}

/// The order lines: every OpportunityLineItem, its product found in NetSuite by product code.
async fn lines(ctx: &SyncContext, opportunity_id: &str) -> Result<Vec<Value>, SyncError> {
    let items = ctx
        .salesforce
        .query(&format!(
            "SELECT Id, Quantity, UnitPrice, TotalPrice, Description, Product2Id, Product2.ProductCode \
             FROM OpportunityLineItem WHERE OpportunityId = {}",
            quote_soql(opportunity_id)
        ))
        .await?;
    if items.is_empty() {
        return Err(SyncError::Invalid(format!(
            "opportunity {opportunity_id} has no line items"
        )));
    }
    let flow = ctx.mapping.flow(Flow::OpportunityLineToSalesOrderLine);
    let mut lines = Vec::with_capacity(items.len());
    for line in items {
        let code = line
            .get("Product2")
            .and_then(Value::as_object)
            .and_then(|product| text(product, "ProductCode"))
            .ok_or_else(|| {
                SyncError::Invalid(format!(
                    "a line of opportunity {opportunity_id} has no product code"
                ))
            })?;
        let item_id = item_for(ctx, &line, &code).await?;
        let mut mapped = flow.map(&line, Scope::All)?;
        mapped.insert("item".into(), reference(&item_id));
        lines.push(Value::Object(mapped));
    }
    Ok(lines)
}

async fn item_for(
    ctx: &SyncContext,
    line: &Map<String, Value>,
    code: &str,
) -> Result<String, SyncError> {
    if let Some(product) = text(line, "Product2Id")
        && let Some(id) = ctx
            .store
            .linked(LinkKind::ProductItem, LinkSide::Salesforce, &product)
            .await?
    {
        return Ok(id);
    }
    let found = ctx
        .netsuite
        .search(
            "inventoryItem",
            &format!("itemId IS \"{}\"", code.replace('"', "")),
        )
        .await?;
    match found.as_slice() {
        [id] => Ok(id.clone()),
        [] => Err(SyncError::MissingDependency {
            what: format!("NetSuite item with code {code}"),
            retry_in: ITEM_WAIT,
        }),
        several => Err(SyncError::Invalid(format!(
            "{} NetSuite items have code {code}; an order line cannot pick one",
            several.len()
        ))),
    }
}
