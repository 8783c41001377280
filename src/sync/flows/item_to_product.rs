//! NetSuite item (any type) → Salesforce Product2, upserted by the NetSuite item id (a product
//! made in Salesforce first, with the item's code, is adopted rather than duplicated), and its
//! prices in the standard price book, one entry per currency of the item's price list.

use crate::connectors::salesforce::Select;
use crate::domain::ChangeEvent;
use crate::domain::mapping::Flow;
use crate::store::{ConflictSubject, LinkKind, LinkSide};
use crate::sync::context::SyncContext;
use crate::sync::fields::{number, sublist, text};
use crate::sync::matching::{Counterpart, Found, counterpart};
use crate::sync::outcome::{Applied, SyncError};
use crate::sync::pair::{Pair, Target};
use serde_json::{Map, Value, json};

pub async fn apply(
    ctx: &SyncContext,
    event: &ChangeEvent,
    in_doubt: bool,
) -> Result<Applied, SyncError> {
    let item_id = event.record_id.as_str();
    let names = ctx.mapping.record_fields();
    let mut pair = Pair::new(
        Flow::ItemToProduct,
        Some(LinkKind::ProductItem),
        Target::Salesforce {
            object: "Product2",
            external_id: names.product_item_id.clone(),
        },
    );
    pair.inactive = Some(("IsActive", json!(false)));
    pair.carried
        .insert(names.product_item_id.clone(), json!(item_id));
    pair.target_id = ctx
        .store
        .linked(LinkKind::ProductItem, LinkSide::Netsuite, item_id)
        .await?;
    if pair.target_id.is_none() {
        // A deleted item is looked for by its id only: it no longer adopts a product.
        let code = match event.is_delete() {
            true => String::new(),
            false => text(&event.fields, "itemid").unwrap_or_default(),
        };
        let found = product_by_code(ctx, item_id, &code).await?;
        let subject = ConflictSubject::new(LinkKind::ProductItem, LinkSide::Netsuite, item_id);
        pair.target_id = match counterpart(ctx, subject, found, || {
            format!("several unlinked Salesforce products have the code of item {item_id}")
        })
        .await?
        {
            Counterpart::Existing(id) => Some(id),
            Counterpart::New => None,
            Counterpart::Ambiguous(conflict) => return Ok(conflict),
        };
    }
    let prices = prices(ctx, &event.fields).await?;
    for (currency, price) in &prices {
        pair.hashed
            .insert(format!("UnitPrice_{currency}"), json!(price));
    }
    let applied = pair.apply(ctx, event, in_doubt).await?;
    if let Applied::Written { links, .. } = &applied
        && let Some(product) = links.first()
    {
        set_standard_prices(ctx, &product.salesforce_id, prices).await?;
    }
    Ok(applied)
}

/// The product for an item without a link: the one carrying its id, else the one product with
/// its code and no item id (made in Salesforce before the item was synced).
pub async fn product_by_code(
    ctx: &SyncContext,
    item_id: &str,
    code: &str,
) -> Result<Found, SyncError> {
    let link_field = ctx.mapping.record_fields().product_item_id.as_str();
    let query = Select::new("Product2", &["Id"]).eq(link_field, item_id);
    if let Some(id) = ctx
        .salesforce
        .select(&query)
        .await?
        .first()
        .and_then(|r| text(r, "Id"))
    {
        return Ok(Found::One(id));
    }
    if code.is_empty() {
        return Ok(Found::None);
    }
    let query = Select::new("Product2", &["Id", link_field]).eq("ProductCode", code);
    let same_code: Vec<String> = ctx
        .salesforce
        .select(&query)
        .await?
        .iter()
        .filter(|row| text(row, link_field).is_none())
        .filter_map(|row| text(row, "Id"))
        .collect();
    Ok(match same_code.as_slice() {
        [] => Found::None,
        [id] => Found::One(id.clone()),
        _ => Found::Several(json!({ "matched_by": "ProductCode", "ids": same_code })),
    })
}

/// The item's price per currency: its base price in the account's base currency, and its price
/// list lines (base price level) in the currencies they name.
async fn prices(
    ctx: &SyncContext,
    item: &Map<String, Value>,
) -> Result<Vec<(String, f64)>, SyncError> {
    let mut prices: Vec<(String, f64)> = Vec::new();
    if let Some(price) = number(item, "basePrice")
        && let Some(base) = ctx.currencies.base_iso(ctx).await?
    {
        prices.push((base, price));
    }
    for line in sublist(item, "price") {
        let base_level = text(line, "priceLevel").is_none_or(|level| level == "1");
        let (Some(currency), Some(price)) = (text(line, "currency"), number(line, "price")) else {
            continue;
        };
        let Some(iso) = ctx.currencies.iso_of(ctx, &currency).await? else {
            continue;
        };
        if base_level && !prices.iter().any(|(known, _)| *known == iso) {
            prices.push((iso, price));
        }
    }
    Ok(prices)
}

/// The product's standard price book entries: one per currency, updated only where the price
/// differs. One read of the book and one of the product's entries, whatever the currencies.
async fn set_standard_prices(
    ctx: &SyncContext,
    product_id: &str,
    prices: Vec<(String, f64)>,
) -> Result<(), SyncError> {
    if prices.is_empty() {
        return Ok(());
    }
    let sf = &ctx.salesforce;
    let book = sf
        .select(&Select::new("Pricebook2", &["Id"]).is("IsStandard", true))
        .await?;
    let book_id = book
        .first()
        .and_then(|row| text(row, "Id"))
        .ok_or_else(|| SyncError::Invalid("Salesforce has no standard price book".into()))?;
    let query = Select::new("PricebookEntry", &["Id", "UnitPrice", "CurrencyIsoCode"])
        .eq("Product2Id", product_id)
        .eq("Pricebook2Id", &book_id);
    let entries = sf.select(&query).await?;
    for (currency, price) in prices {
        let mut fields = Map::new();
        fields.insert("UnitPrice".into(), json!(price));
        let entry = entries
            .iter()
            .find(|entry| text(entry, "CurrencyIsoCode").as_deref() == Some(currency.as_str()));
        match entry {
            Some(entry) => {
                if number(entry, "UnitPrice").is_some_and(|current| (current - price).abs() < 0.005)
                {
                    continue;
                }
                let id = text(entry, "Id").unwrap_or_default();
                sf.update("PricebookEntry", &id, &fields).await?;
            }
            None => {
                fields.insert("Pricebook2Id".into(), json!(book_id));
                fields.insert("Product2Id".into(), json!(product_id));
                fields.insert("CurrencyIsoCode".into(), json!(currency));
                fields.insert("IsActive".into(), json!(true));
                sf.create("PricebookEntry", &fields).await?;
            }
        }
    }
    Ok(())
}
