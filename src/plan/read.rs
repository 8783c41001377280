//! Reading every account and customer, read only: the Account describe and one SOQL query over
//! Accounts (every `nextRecordsUrl` page) and one SuiteQL query over customers (every `hasMore`
//! page), through the same clients as the flows, so NetSuite's concurrency limit holds.

use super::matcher::Company;
use crate::backfill::source::salesforce_records;
use crate::connectors::ConnectorError;
use crate::connectors::netsuite::{NetsuiteClient, SuiteQl};
use crate::connectors::salesforce::SalesforceClient;
use crate::domain::mapping::{Flow, Mapping};
use crate::domain::matching::company_domain;
use serde_json::{Map, Value};

/// Every Salesforce account whole (the fields the account flow maps and reads, as the org has
/// them), with what matching reads of it: id, name, website domain, and the NetSuite id stored
/// on it (`NetSuite_Id__c` in the shipped mapping).
pub async fn accounts(
    salesforce: &SalesforceClient,
    mapping: &Mapping,
) -> Result<Vec<(Company, Map<String, Value>)>, ConnectorError> {
    let link_field = &mapping.record_fields().account_netsuite_id;
    let records =
        salesforce_records(Flow::AccountToCustomer, mapping, salesforce, None, None).await?;
    Ok(records
        .into_iter()
        .filter_map(|listed| {
            let record = listed.fields?;
            let company = Company {
                id: listed.id,
                name: text(&record, "Name"),
                domain: company_domain(text(&record, "Website").as_deref(), None),
                linked_to: text(&record, link_field),
            };
            Some((company, record))
        })
        .collect())
}

/// Every NetSuite customer: id, company name, web address or email domain, and the Salesforce
/// id held as its external id.
pub async fn customers(netsuite: &NetsuiteClient) -> Result<Vec<Company>, ConnectorError> {
    let query = SuiteQl::select(
        "customer",
        &["id", "companyname", "email", "url", "externalid"],
    );
    let rows = netsuite.suiteql(&query).await?;
    Ok(rows
        .iter()
        .filter_map(|row| {
            Some(Company {
                id: text(row, "id")?,
                name: text(row, "companyname"),
                domain: company_domain(text(row, "url").as_deref(), text(row, "email").as_deref()),
                linked_to: text(row, "externalid"),
            })
        })
        .collect())
}

/// A non-blank text or number value.
fn text(record: &Map<String, Value>, name: &str) -> Option<String> {
    match record.get(name)? {
        Value::String(text) if !text.trim().is_empty() => Some(text.trim().to_owned()),
        Value::Number(number) => Some(number.to_string()),
        _ => None,
    }
}
