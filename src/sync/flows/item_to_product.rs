//! NetSuite item → Salesforce Product2 (upsert by NetSuite item id) and its prices in the
//! standard price book, one entry per currency of the item's price list (the base price alone
//! is the default subsidiary's currency).

use super::super::context::SyncContext;
use super::super::ledger::{self, unchanged};
use super::super::outcome::{Applied, SyncError};
use super::{SALESFORCE_ORIGIN, number, quote_soql, text};
use crate::domain::mapping::{Flow, Scope};
use crate::domain::{ChangeEvent, ChangeKind, SourceSystem};
use crate::store::{Link, LinkKind, RecordRef};
use serde_json::{Map, json};

pub async fn apply(ctx: &SyncContext, event: &ChangeEvent) -> Result<Applied, SyncError> {
    let item_id = event.record_id.as_str();
    let mut fields = ctx
        .mapping
        .flow(Flow::ItemToProduct)
        .map(&event.fields, Scope::All)?;
    if event.change == ChangeKind::Deleted {
        fields = Map::new();
        fields.insert("IsActive".into(), json!(false));
    }
    let product = RecordRef::new(SourceSystem::Salesforce, "Product2", item_id);
    let prices = prices(ctx, &event.fields);
    let mut ledger_fields = fields.clone();
    for (currency, price) in &prices {
        ledger_fields.insert(format!("UnitPrice_{currency}"), json!(price));
    }
    if unchanged(ctx, &product, &ledger_fields).await? {
        return Ok(Applied::Echo {
            detail: format!("product for item {item_id} already holds these values"),
        });
    }
    let mut body = fields;
    body.insert(SALESFORCE_ORIGIN.into(), json!(event.id));
    let unlinked = match unlinked_product(ctx, item_id, &body).await? {
        Unlinked::One(id) => Some(id),
        Unlinked::None => None,
        Unlinked::Several(candidates) => {
            return Ok(Applied::Conflict {
                reason: format!(
                    "several unlinked Salesforce products have the code of item {item_id}"
                ),
                candidates,
            });
        }
    };
    let product_id = match unlinked {
        // A product made in Salesforce before the item was synced: adopt it rather than duplicate it.
        Some(id) => {
            body.insert("NetSuite_Item_Id__c".into(), json!(item_id));
            ctx.salesforce.update("Product2", &id, &body).await?;
            id
        }
        None => {
            let outcome = ctx
                .salesforce
                .upsert("Product2", "NetSuite_Item_Id__c", item_id, &body)
                .await?;
            match outcome.id {
                Some(id) => id,
                None => product_id_of(ctx, item_id).await?,
            }
        }
    };
    for (currency, price) in prices {
        set_standard_price(ctx, &product_id, &currency, price).await?;
    }
    Ok(Applied::Written {
        writes: vec![ledger::entry(product, &ledger_fields)],
        links: vec![Link {
            kind: LinkKind::ProductItem,
            salesforce_id: product_id.clone(),
            netsuite_id: item_id.to_owned(),
        }],
        detail: format!("salesforce product {product_id}"),
    })
}

enum Unlinked {
    One(String),
    None,
    Several(serde_json::Value),
}

/// A product with the item's code but no NetSuite item id, when no product carries the item id.
async fn unlinked_product(
    ctx: &SyncContext,
    item_id: &str,
    body: &Map<String, serde_json::Value>,
) -> Result<Unlinked, SyncError> {
    if ctx
        .store
        .linked(
            LinkKind::ProductItem,
            crate::store::LinkSide::Netsuite,
            item_id,
        )
        .await?
        .is_some()
    {
        return Ok(Unlinked::None);
    }
    let Some(code) = text(body, "ProductCode") else {
        return Ok(Unlinked::None);
    };
    let linked = ctx
        .salesforce
        .query(&format!(
            "SELECT Id FROM Product2 WHERE NetSuite_Item_Id__c = {}",
            quote_soql(item_id)
        ))
        .await?;
    if !linked.is_empty() {
        return Ok(Unlinked::None);
    }
    let same_code: Vec<String> = ctx
        .salesforce
        .query(&format!(
            "SELECT Id, NetSuite_Item_Id__c FROM Product2 WHERE ProductCode = {}",
            quote_soql(&code)
        ))
        .await?
        .iter()
        .filter(|row| text(row, "NetSuite_Item_Id__c").is_none())
        .filter_map(|row| text(row, "Id"))
        .collect();
    Ok(match same_code.as_slice() {
        [] => Unlinked::None,
        [id] => Unlinked::One(id.clone()),
        _ => Unlinked::Several(json!({ "matched_by": "ProductCode", "ids": same_code })),
    })
}

async fn product_id_of(ctx: &SyncContext, item_id: &str) -> Result<String, SyncError> {
    let rows = ctx
        .salesforce
        .query(&format!(
            "SELECT Id FROM Product2 WHERE NetSuite_Item_Id__c = {}",
            quote_soql(item_id)
        ))
        .await?;
    rows.first().and_then(|row| text(row, "Id")).ok_or_else(|| {
        SyncError::Invalid(format!(
            "no product for NetSuite item {item_id} after its upsert"
        ))
    })
}

/// The item's price per currency: its base price in the default subsidiary's currency, and its
/// price list lines (base price level) for the other currencies the mapping knows.
fn prices(ctx: &SyncContext, item: &Map<String, serde_json::Value>) -> Vec<(String, f64)> {
    let iso_of = |netsuite_currency: &str| {
        ctx.mapping
            .currencies()
            .find(|(_, target)| target.currency == netsuite_currency)
            .map(|(iso, _)| iso.to_owned())
    };
    let default = ctx
        .mapping
        .currencies()
        .find(|(_, target)| target.subsidiary == ctx.mapping.default_subsidiary())
        .map(|(iso, _)| iso.to_owned())
        .unwrap_or_else(|| "USD".into());
    let mut prices: Vec<(String, f64)> = Vec::new();
    if let Some(price) = number(item, "basePrice") {
        prices.push((default, price));
    }
    let lines = item
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("price"))
        .map(|(_, v)| v);
    let lines = lines
        .and_then(|v| v.get("items").or(Some(v)))
        .and_then(serde_json::Value::as_array);
    for line in lines
        .into_iter()
        .flatten()
        .filter_map(serde_json::Value::as_object)
    {
        let base_level = text(line, "priceLevel").is_none_or(|level| level == "1");
        let currency = text(line, "currency").and_then(|c| iso_of(&c));
        let (Some(currency), Some(price)) = (currency, number(line, "price")) else {
            continue;
        };
        if base_level && !prices.iter().any(|(iso, _)| *iso == currency) {
            prices.push((currency, price));
        }
    }
    prices
}

/// The product's standard price book entry in `currency`.
async fn set_standard_price(
    ctx: &SyncContext,
    product_id: &str,
    currency: &str,
    price: f64,
) -> Result<(), SyncError> {
    let sf = &ctx.salesforce;
    let book = sf
        .query("SELECT Id FROM Pricebook2 WHERE IsStandard = true")
        .await?;
    let book_id = book
        .first()
        .and_then(|row| text(row, "Id"))
        .ok_or_else(|| SyncError::Invalid("Salesforce has no standard price book".into()))?;
    let entries = sf
        .query(&format!(
            "SELECT Id, UnitPrice FROM PricebookEntry WHERE Product2Id = {} AND Pricebook2Id = {} AND CurrencyIsoCode = {}",
            quote_soql(product_id),
            quote_soql(&book_id),
            quote_soql(currency)
        ))
        .await?;
    match entries.first() {
        Some(entry) => {
            if number(entry, "UnitPrice").is_some_and(|current| (current - price).abs() < 0.005) {
                return Ok(());
            }
            let id = text(entry, "Id").unwrap_or_default();
            let mut fields = Map::new();
            fields.insert("UnitPrice".into(), json!(price));
            sf.update("PricebookEntry", &id, &fields).await?;
        }
        None => {
            let mut fields = Map::new();
            fields.insert("Pricebook2Id".into(), json!(book_id));
            fields.insert("Product2Id".into(), json!(product_id));
            fields.insert("UnitPrice".into(), json!(price));
            fields.insert("CurrencyIsoCode".into(), json!(currency));
            fields.insert("IsActive".into(), json!(true));
            sf.create("PricebookEntry", &fields).await?;
        }
    }
    Ok(())
}
