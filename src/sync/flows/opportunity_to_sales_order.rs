//! Salesforce Opportunity Closed Won → NetSuite sales order: lines from OpportunityLineItems,
//! items by product code (any item type), the customer's own subsidiary and a currency it
//! accepts, externalId = the opportunity id (no redelivery can create a second order), no tax;
//! the order's id and number go back to the opportunity.

use crate::connectors::netsuite::{RecordId, SuiteQl};
use crate::connectors::salesforce::Select;
use crate::domain::mapping::{Flow, Scope};
use crate::domain::{ChangeEvent, System};
use crate::store::{LinkKind, LinkSide, RecordRef};
use crate::sync::context::SyncContext;
use crate::sync::customers::{Customer, ensure_customer, with_account};
use crate::sync::fields::{reference, text};
use crate::sync::ledger;
use crate::sync::order_terms::order_terms;
use crate::sync::outcome::{Applied, SyncError};
use crate::sync::pair::{Pair, Target};
use serde_json::{Map, Value, json};
use std::time::Duration;

/// The stage that makes an opportunity a sales order.
pub const CLOSED_WON: &str = "Closed Won";
/// How soon to look again for items that are not in NetSuite yet.
const ITEM_WAIT: Duration = Duration::from_secs(60);

pub async fn apply(ctx: &SyncContext, event: &ChangeEvent) -> Result<Applied, SyncError> {
    let opportunity_id = event.record_id.as_str();
    if event.is_delete() || text(&event.fields, "StageName").as_deref() != Some(CLOSED_WON) {
        return Ok(Applied::Ignored {
            detail: "only Closed Won opportunities become sales orders".into(),
        });
    }
    let linked = LinkSide::Salesforce;
    if let Some(order) = ctx
        .store
        .linked(LinkKind::OpportunitySalesOrder, linked, opportunity_id)
        .await?
    {
        return Ok(Applied::Ignored {
            detail: format!("sales order {order} already exists for this opportunity"),
        });
    }
    let account_id = text(&event.fields, "AccountId").ok_or_else(|| {
        SyncError::Invalid(format!("opportunity {opportunity_id} has no AccountId"))
    })?;
    let (customer_id, writes, links) = match ensure_customer(ctx, event, &account_id).await? {
        Customer::Ready { id, writes, links } => (id, writes, links),
        Customer::Ambiguous(conflict) => return Ok(conflict),
    };
    let iso = text(&event.fields, "CurrencyIsoCode").unwrap_or_else(|| "USD".into());
    let (subsidiary, currency) = order_terms(ctx, &customer_id, &iso).await?;
    let mut pair = Pair::new(
        Flow::OpportunityToSalesOrder,
        Some(LinkKind::OpportunitySalesOrder),
        Target::Netsuite {
            record_type: "salesOrder",
        },
    );
    pair.carried
        .insert("entity".into(), reference(&customer_id));
    pair.carried.insert(
        "item".into(),
        json!({ "items": lines(ctx, opportunity_id).await? }),
    );
    pair.on_create
        .insert("subsidiary".into(), reference(&subsidiary));
    pair.on_create
        .insert("currency".into(), reference(&currency));
    let applied = pair.apply(ctx, event, false).await?;
    let applied = write_order_back(ctx, event, applied).await?;
    Ok(with_account(applied, writes, links))
}

/// The order's id and number onto the opportunity, in one write the ledger remembers (its echo).
async fn write_order_back(
    ctx: &SyncContext,
    event: &ChangeEvent,
    applied: Applied,
) -> Result<Applied, SyncError> {
    let Applied::Written {
        mut writes,
        links,
        detail,
    } = applied
    else {
        return Ok(applied);
    };
    let Some(order_id) = links.first().map(|link| link.netsuite_id.clone()) else {
        return Ok(Applied::Written {
            writes,
            links,
            detail,
        });
    };
    let id = RecordId::Internal(order_id.clone());
    let order = ctx
        .netsuite
        .get("salesOrder", &id, Some(&["tranId"]))
        .await?;
    let number = text(&order, "tranId").unwrap_or_default();
    let names = ctx.mapping.record_fields();
    let mut back = Map::new();
    back.insert(names.opportunity_order_id.clone(), json!(order_id));
    back.insert(names.opportunity_order_number.clone(), json!(number));
    let mut body = back.clone();
    body.insert(names.salesforce_origin.clone(), json!(event.id));
    ctx.salesforce
        .update("Opportunity", &event.record_id, &body)
        .await?;
    let opportunity = RecordRef::new(System::Salesforce, "Opportunity", &event.record_id);
    writes.push(ledger::entry(opportunity, &back));
    Ok(Applied::Written {
        writes,
        links,
        detail: format!("netsuite sales order {order_id} ({number})"),
    })
}

/// The order lines: every OpportunityLineItem, its product found in NetSuite by product code.
async fn lines(ctx: &SyncContext, opportunity_id: &str) -> Result<Vec<Value>, SyncError> {
    let query = Select::new(
        "OpportunityLineItem",
        &[
            "Id",
            "Quantity",
            "UnitPrice",
            "TotalPrice",
            "Description",
            "Product2Id",
            "Product2.ProductCode",
        ],
    )
    .eq("OpportunityId", opportunity_id);
    let items = ctx.salesforce.select(&query).await?;
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

/// The NetSuite item of a line: the product's linked item, else the one item of any type whose
/// code is the product code.
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
    let query = SuiteQl::select("item", &["id", "itemtype"]).eq("itemid", code);
    let found: Vec<String> = ctx
        .netsuite
        .suiteql(&query)
        .await?
        .iter()
        .filter_map(|row| text(row, "id"))
        .collect();
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
