//! NetSuite quantity available → Salesforce Product2: finding the product of every item in a
//! coalesced batch (linked, carrying the item id, or with the item's code), and having the item
//! flow create the product first where there is none, so a quantity never creates a nameless one.

use super::route;
use crate::connectors::netsuite::{RecordId, SuiteQl};
use crate::connectors::salesforce::Select;
use crate::domain::{ChangeEvent, System};
use crate::store::{Link, LinkKind, LinkSide};
use crate::sync::context::SyncContext;
use crate::sync::fields::text;
use crate::sync::outcome::{Applied, SyncError};

use std::collections::HashMap;

/// Where an item's quantity goes.
#[derive(Debug, Clone)]
pub enum Product {
    /// The product's id, and the links found or made on the way (to record with the event).
    Found { id: String, links: Vec<Link> },
    /// Several unlinked products have the item's code: the conflict to park for review.
    Ambiguous(Applied),
    /// The product could not be found or made now.
    Failed(SyncError),
}

/// The product of every item in `items`, with as few requests as the batch allows.
pub async fn products(
    ctx: &SyncContext,
    cause: &ChangeEvent,
    items: &[String],
) -> Result<HashMap<String, Product>, SyncError> {
    let mut found = HashMap::new();
    let mut missing = Vec::new();
    for item in items {
        match ctx
            .store
            .linked(LinkKind::ProductItem, LinkSide::Netsuite, item)
            .await?
        {
            Some(id) => {
                found.insert(item.clone(), Product::Found { id, links: vec![] });
            }
            None => missing.push(item.clone()),
        }
    }
    if missing.is_empty() {
        return Ok(found);
    }
    let link_field = ctx.mapping.record_fields().product_item_id.clone();
    let query = Select::new("Product2", &["Id", &link_field]).any_of(&link_field, &missing);
    for row in ctx.salesforce.select(&query).await? {
        if let (Some(id), Some(item)) = (text(&row, "Id"), text(&row, &link_field)) {
            found.insert(item.clone(), linked(id, &item));
        }
    }
    missing.retain(|item| !found.contains_key(item));
    if missing.is_empty() {
        return Ok(found);
    }
    let query = SuiteQl::select("item", &["id", "itemid", "itemtype"]).any_id("id", &missing);
    let rows = ctx.netsuite.suiteql(&query).await?;
    let codes: HashMap<String, (String, String)> = rows
        .iter()
        .filter_map(|row| {
            let kind = text(row, "itemtype").unwrap_or_default();
            Some((text(row, "id")?, (text(row, "itemid")?, kind)))
        })
        .collect();
    let wanted: Vec<String> = codes.values().map(|(code, _)| code.clone()).collect();
    let query =
        Select::new("Product2", &["Id", "ProductCode", &link_field]).any_of("ProductCode", &wanted);
    let mut by_code: HashMap<String, Vec<String>> = HashMap::new();
    for row in ctx.salesforce.select(&query).await? {
        if text(&row, &link_field).is_none()
            && let (Some(id), Some(code)) = (text(&row, "Id"), text(&row, "ProductCode"))
        {
            by_code.entry(code).or_default().push(id);
        }
    }
    for item in missing {
        let product = match codes.get(&item) {
            None => Product::Failed(SyncError::Invalid(format!("NetSuite has no item {item}"))),
            Some((code, kind)) => match by_code.get(code).map(Vec::as_slice) {
                Some([id]) => linked(id.clone(), &item),
                // Several (the item flow parks them, or creates as an operator decided) or none.
                _ => created(ctx, cause, &item, kind).await,
            },
        };
        found.insert(item, product);
    }
    Ok(found)
}

fn linked(product: String, item: &str) -> Product {
    Product::Found {
        links: vec![Link {
            kind: LinkKind::ProductItem,
            salesforce_id: product.clone(),
            netsuite_id: item.to_owned(),
        }],
        id: product,
    }
}

/// The item flow creates the product (named, priced) from the item record.
async fn created(ctx: &SyncContext, cause: &ChangeEvent, item: &str, kind: &str) -> Product {
    let Some(record_type) = record_type_of(kind) else {
        return Product::Failed(SyncError::Invalid(format!(
            "item {item} is of type {kind}, which has no product"
        )));
    };
    let id = RecordId::Internal(item.to_owned());
    let fields = match ctx.netsuite.get(record_type, &id, None).await {
        Ok(fields) => fields,
        Err(error) => return Product::Failed(error.into()),
    };
    let object = record_type.to_ascii_lowercase();
    let item_event = ChangeEvent::needed_by(cause, System::Netsuite, &object, item, fields);
    match route(ctx, &item_event, false).await {
        Ok(Applied::Written { links, .. }) => match links.first() {
            Some(link) => Product::Found {
                id: link.salesforce_id.clone(),
                links,
            },
            None => Product::Failed(SyncError::Invalid(format!(
                "the item flow made no product for item {item}"
            ))),
        },
        Ok(conflict @ Applied::Conflict { .. }) => Product::Ambiguous(conflict),
        Ok(other) => Product::Failed(SyncError::Invalid(format!(
            "the item flow made no product for item {item}: {other:?}"
        ))),
        Err(error) => Product::Failed(error),
    }
}

/// The REST record type of a SuiteQL `itemtype`.
pub fn record_type_of(item_type: &str) -> Option<&'static str> {
    Some(match item_type {
        "InvtPart" => "inventoryItem",
        "NonInvtPart" => "nonInventorySaleItem",
        "Service" => "serviceSaleItem",
        "Kit" => "kitItem",
        "Assembly" => "assemblyItem",
        "OthCharge" => "otherChargeSaleItem",
        "GiftCert" => "giftCertificateItem",
        "Discount" => "discountItem",
        _ => return None,
    })
}
