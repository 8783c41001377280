//! Finding the record on the other side when no link exists yet: by the stored other-system
//! id, then by email/website domain, then by normalised company name. Two or more candidates
//! are never guessed between.

use super::super::context::SyncContext;
use super::super::outcome::SyncError;
use super::{quote_soql as soql, text};
use crate::connectors::ErrorClass;
use crate::connectors::netsuite::RecordId;
use crate::domain::matching::{
    email_domain, is_free_mail_domain, normalize_company_name, website_domain,
};
use serde_json::{Map, Value, json};

/// What a search found.
#[derive(Debug, Clone, PartialEq)]
pub enum Found {
    One(String),
    None,
    Several(Value),
}

fn decide(ids: Vec<String>, how: &str) -> Found {
    match ids.len() {
        0 => Found::None,
        1 => Found::One(ids.into_iter().next().unwrap_or_default()),
        _ => Found::Several(json!({ "matched_by": how, "ids": ids })),
    }
}

/// The company domain of a Salesforce account (from Website) or NetSuite customer (url/email).
fn company_domain(fields: &Map<String, Value>) -> Option<String> {
    let domain = text(fields, "Website")
        .or_else(|| text(fields, "url"))
        .and_then(|site| website_domain(&site))
        .or_else(|| text(fields, "email").and_then(|mail| email_domain(&mail)))?;
    (!is_free_mail_domain(&domain)).then_some(domain)
}

/// NetSuite's collection filters take double-quoted strings.
fn quoted(value: &str) -> String {
    format!("\"{}\"", value.replace('"', ""))
}

/// A NetSuite customer for a Salesforce account without a link.
pub async fn customer_for_account(
    ctx: &SyncContext,
    account_id: &str,
    account: &Map<String, Value>,
) -> Result<Found, SyncError> {
    match ctx
        .netsuite
        .get(
            "customer",
            &RecordId::External(account_id.to_owned()),
            Some(&["id"]),
        )
        .await
    {
        Ok(customer) => {
            if let Some(id) = text(&customer, "id") {
                return Ok(Found::One(id));
            }
        }
        Err(error) if error.class == ErrorClass::Permanent && error.status == Some(404) => {}
        Err(error) => return Err(error.into()),
    }
    if let Some(domain) = company_domain(account) {
        let by_url = ctx
            .netsuite
            .search("customer", &format!("url CONTAIN {}", quoted(&domain)))
            .await?;
        let by_email = ctx
            .netsuite
            .search(
                "customer",
                &format!("email END_WITH {}", quoted(&format!("@{domain}"))),
            )
            .await?;
        let mut ids = by_url;
        for id in by_email {
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
        let found = decide(ids, "domain");
        if found != Found::None {
            return Ok(found);
        }
    }
    let Some(name) = text(account, "Name") else {
        return Ok(Found::None);
    };
    let wanted = normalize_company_name(&name);
    let Some(first_word) = wanted.split_whitespace().next() else {
        return Ok(Found::None);
    };
    let mut same = Vec::new();
    for id in ctx
        .netsuite
        .search(
            "customer",
            &format!("companyname CONTAIN {}", quoted(first_word)),
        )
        .await?
    {
        let customer = ctx
            .netsuite
            .get(
                "customer",
                &RecordId::Internal(id.clone()),
                Some(&["companyname"]),
            )
            .await?;
        if text(&customer, "companyname")
            .is_some_and(|candidate| normalize_company_name(&candidate) == wanted)
        {
            same.push(id);
        }
    }
    Ok(decide(same, "company name"))
}

fn ids(records: Vec<Map<String, Value>>) -> Vec<String> {
    records
        .iter()
        .filter_map(|record| text(record, "Id"))
        .collect()
}

/// A Salesforce account for a NetSuite customer without a link.
pub async fn account_for_customer(
    ctx: &SyncContext,
    customer_id: &str,
    customer: &Map<String, Value>,
) -> Result<Found, SyncError> {
    let sf = &ctx.salesforce;
    let by_id = sf
        .query(&format!(
            "SELECT Id FROM Account WHERE NetSuite_Id__c = {}",
            soql(customer_id)
        ))
        .await?;
    let found = decide(ids(by_id), "NetSuite_Id__c");
    if found != Found::None {
        return Ok(found);
    }
    if let Some(domain) = company_domain(customer) {
        let records = sf
            .query(&format!(
                "SELECT Id, Website FROM Account WHERE Website LIKE {}",
                soql(&format!("%{domain}%"))
            ))
            .await?;
        let same: Vec<_> = records
            .into_iter()
            .filter(|r| {
                text(r, "Website")
                    .and_then(|w| website_domain(&w))
                    .as_deref()
                    == Some(domain.as_str())
            })
            .collect();
        let found = decide(ids(same), "domain");
        if found != Found::None {
            return Ok(found);
        }
    }
    let Some(name) = text(customer, "companyname") else {
        return Ok(Found::None);
    };
    let wanted = normalize_company_name(&name);
    let Some(first_word) = wanted.split_whitespace().next() else {
        return Ok(Found::None);
    };
    let records = sf
        .query(&format!(
            "SELECT Id, Name FROM Account WHERE Name LIKE {}",
            soql(&format!("%{first_word}%"))
        ))
        .await?;
    let same: Vec<_> = records
        .into_iter()
        .filter(|r| text(r, "Name").is_some_and(|n| normalize_company_name(&n) == wanted))
        .collect();
    Ok(decide(ids(same), "company name"))
}
