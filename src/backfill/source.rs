//! The records a backfill goes through, read from the flow's source system: Salesforce records
//! whole by one SOQL query (every page; the fields the flow maps and reads, as far as the org
//! has them), NetSuite records listed by one SuiteQL query (every page) and read whole by the
//! worker that applies them (`sync::backfilled`), inside `tandem serve`'s NetSuite limit.

use crate::connectors::ConnectorError;
use crate::connectors::netsuite::SuiteQl;
use crate::connectors::salesforce::Select;
use crate::connectors::{NetsuiteClient, SalesforceClient};
use crate::domain::mapping::{Flow, Mapping};
use crate::ingress::notification_events::ORIGIN_FIELD;
use crate::sync::flows::inventory_to_product::record_type_of;
use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

/// One source record: its id, its type as events name it, and its fields once read.
#[derive(Debug, Clone)]
pub struct Listed {
    pub id: String,
    /// The Salesforce object (`Account`) or the NetSuite REST record type (`inventoryItem`).
    pub object: String,
    /// The record whole (SOQL); `None` for NetSuite records, which the worker reads.
    pub fields: Option<Map<String, Value>>,
}

/// The flows a backfill can run, and the source object each reads.
pub fn source_object(flow: Flow) -> Option<&'static str> {
    Some(match flow {
        Flow::AccountToCustomer => "Account",
        Flow::ContactToContact => "Contact",
        Flow::OpportunityToSalesOrder => "Opportunity",
        Flow::CustomerToAccount => "customer",
        Flow::ItemToProduct => "item",
        _ => return None,
    })
}

/// The names of the flows a backfill can run, for errors.
pub fn backfill_flows() -> String {
    Flow::ALL
        .into_iter()
        .filter(|flow| source_object(*flow).is_some())
        .map(Flow::as_str)
        .collect::<Vec<_>>()
        .join(", ")
}

/// Every source record of `flow` (changed at or after `since` when given), sorted by id.
pub async fn list(
    flow: Flow,
    mapping: &Mapping,
    salesforce: &SalesforceClient,
    netsuite: &NetsuiteClient,
    since: Option<DateTime<Utc>>,
) -> Result<Vec<Listed>, ConnectorError> {
    let Some(object) = source_object(flow) else {
        return Ok(Vec::new());
    };
    let mut listed = match flow.source_system() {
        crate::domain::System::Salesforce => {
            salesforce_records(flow, mapping, salesforce, since, None).await?
        }
        crate::domain::System::Netsuite => netsuite_records(object, netsuite, since).await?,
    };
    listed.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(listed)
}

/// The Salesforce fields an event of `flow` carries: what the mapping reads, what the flow
/// itself looks at, and what orders and stamps events (as an Outbound Message would carry).
fn salesforce_fields(flow: Flow, mapping: &Mapping) -> Vec<String> {
    let names = mapping.record_fields();
    let mut fields: Vec<String> = [
        "Id",
        "LastModifiedDate",
        "LastModifiedById",
        "SystemModstamp",
        "CreatedDate",
        "CurrencyIsoCode",
        ORIGIN_FIELD,
    ]
    .map(str::to_owned)
    .to_vec();
    let own: &[&str] = match flow {
        Flow::AccountToCustomer => &["Name", "Website"],
        Flow::ContactToContact => &["AccountId", "Email"],
        Flow::OpportunityToSalesOrder => &["AccountId", "StageName"],
        _ => &[],
    };
    fields.extend(own.iter().map(|name| (*name).to_owned()));
    fields.push(match flow {
        Flow::AccountToCustomer => names.account_netsuite_id.clone(),
        Flow::ContactToContact => names.contact_netsuite_id.clone(),
        _ => names.opportunity_order_id.clone(),
    });
    for field in mapping.flow(flow).fields() {
        fields.extend(field.source().map(str::to_owned));
        fields.extend(field.fallback().map(str::to_owned));
    }
    let mut seen = std::collections::HashSet::new();
    fields.retain(|name| !name.contains('.') && seen.insert(name.to_ascii_lowercase()));
    fields
}

/// The source records of a Salesforce flow, whole, changed within `[since, until)` (either
/// bound optional); reconciliation reads its windows with this too.
pub async fn salesforce_records(
    flow: Flow,
    mapping: &Mapping,
    salesforce: &SalesforceClient,
    since: Option<DateTime<Utc>>,
    until: Option<DateTime<Utc>>,
) -> Result<Vec<Listed>, ConnectorError> {
    let object = source_object(flow).unwrap_or_default();
    // Only the fields this org has: CurrencyIsoCode exists only with multiple currencies.
    let described = salesforce.describe(object).await?;
    let wanted = salesforce_fields(flow, mapping);
    let fields: Vec<&str> = wanted
        .iter()
        .map(String::as_str)
        .filter(|name| described.field(name).is_some())
        .collect();
    let mut query = Select::new(object, &fields);
    if let Some(since) = since {
        query = query.at_or_after("SystemModstamp", since);
    }
    if let Some(until) = until {
        query = query.before("SystemModstamp", until);
    }
    if flow == Flow::OpportunityToSalesOrder {
        query = query.eq("StageName", crate::sync::flows::CLOSED_WON);
    }
    let records = salesforce.select(&query).await?;
    Ok(records
        .into_iter()
        .filter_map(|record| {
            Some(Listed {
                id: record.get("Id")?.as_str()?.to_owned(),
                object: object.to_owned(),
                fields: Some(record),
            })
        })
        .collect())
}

/// How far before `--since` a NetSuite listing starts. SuiteQL compares `lastmodifieddate` in
/// the integration user's time zone, which may be up to 14 hours ahead of UTC (or 12 behind):
/// starting 14 hours early misses nothing changed since, whatever that zone is; the few older
/// records it also lists are applied again, which writes only what differs.
const NETSUITE_ZONE_MARGIN: chrono::TimeDelta = chrono::TimeDelta::hours(14);

/// The NetSuite records of `table` (`customer`, or `item` with each item's REST record type),
/// changed at or after `since` when given.
fn netsuite_listing(table: &str, since: Option<DateTime<Utc>>) -> SuiteQl {
    let columns: &[&str] = if table == "item" {
        &["id", "itemtype"]
    } else {
        &["id"]
    };
    let query = SuiteQl::select(table, columns);
    match since {
        Some(since) => query.at_or_after("lastmodifieddate", since - NETSUITE_ZONE_MARGIN),
        None => query,
    }
}

async fn netsuite_records(
    table: &str,
    netsuite: &NetsuiteClient,
    since: Option<DateTime<Utc>>,
) -> Result<Vec<Listed>, ConnectorError> {
    let items = table == "item";
    let rows = netsuite.suiteql(&netsuite_listing(table, since)).await?;
    Ok(rows
        .iter()
        .filter_map(|row| {
            let id = row.get("id").and_then(column_text)?;
            let object = if items {
                // Item types without a product (discounts, gift certificates…) are not synced.
                record_type_of(&row.get("itemtype").and_then(column_text)?)?.to_owned()
            } else {
                table.to_owned()
            };
            Some(Listed {
                id,
                object,
                fields: None,
            })
        })
        .collect())
}

fn column_text(value: &Value) -> Option<String> {
    match value {
        Value::String(text) if !text.is_empty() => Some(text.clone()),
        Value::Number(number) => Some(number.to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_account_backfill_reads_the_mapped_fields_and_what_orders_and_links_them() {
        let fields = salesforce_fields(Flow::AccountToCustomer, &Mapping::shipped());
        for needed in [
            "Id",
            "Name",
            "Website",
            "Credit_Limit__c",
            "NetSuite_Id__c",
            "LastModifiedDate",
            "LastModifiedById",
            ORIGIN_FIELD,
        ] {
            assert!(fields.iter().any(|f| f == needed), "{needed} in {fields:?}");
        }
        let mut lower: Vec<_> = fields.iter().map(|f| f.to_ascii_lowercase()).collect();
        lower.sort();
        lower.dedup();
        assert_eq!(lower.len(), fields.len(), "each field once: {fields:?}");
    }

    #[test]
    fn a_netsuite_listing_since_a_time_starts_a_time_zone_early() {
        let since = "2026-01-31T00:00:00Z".parse().unwrap();
        assert_eq!(
            netsuite_listing("customer", Some(since)).text().unwrap(),
            "SELECT id FROM customer WHERE lastmodifieddate >= TO_TIMESTAMP('2026-01-30 10:00:00', 'YYYY-MM-DD HH24:MI:SS')"
        );
        assert_eq!(
            netsuite_listing("item", None).text().unwrap(),
            "SELECT id, itemtype FROM item"
        );
    }

    #[test]
    fn flows_without_a_listing_are_named_in_the_error_list() {
        assert_eq!(source_object(Flow::InventoryToProduct), None);
        assert_eq!(
            backfill_flows(),
            "account_to_customer, customer_to_account, contact_to_contact, opportunity_to_sales_order, item_to_product"
        );
    }
}
