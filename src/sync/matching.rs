//! Finding the record on the other side when no link exists yet: by the stored other-system
//! id, then by email/website domain, then by normalised company name. Two or more candidates
//! are never guessed between.

use super::context::SyncContext;
use super::fields::text;
use super::outcome::{Applied, SyncError};
use crate::connectors::ErrorClass;
use crate::connectors::netsuite::{Filter, RecordId};
use crate::connectors::salesforce::Select;
use crate::domain::matching::{normalize_company_name, website_domain};
use crate::store::{ConflictSubject, MatchDecision};
use serde_json::{Map, Value, json};

/// What a search found.
#[derive(Debug, Clone, PartialEq)]
pub enum Found {
    One(String),
    None,
    Several(Value),
}

impl Found {
    fn of(ids: Vec<String>, how: &str) -> Found {
        match <[String; 1]>::try_from(ids) {
            Ok([id]) => Found::One(id),
            Err(ids) if ids.is_empty() => Found::None,
            Err(ids) => Found::Several(json!({ "matched_by": how, "ids": ids })),
        }
    }
}

/// The company domain of a Salesforce account (from Website) or NetSuite customer (url/email).
fn company_domain(fields: &Map<String, Value>) -> Option<String> {
    let website = text(fields, "Website").or_else(|| text(fields, "url"));
    crate::domain::matching::company_domain(website.as_deref(), text(fields, "email").as_deref())
}

/// A NetSuite customer for a Salesforce account without a link.
pub async fn customer_for_account(
    ctx: &SyncContext,
    account_id: &str,
    account: &Map<String, Value>,
) -> Result<Found, SyncError> {
    let by_external_id = RecordId::External(account_id.to_owned());
    match ctx
        .netsuite
        .get("customer", &by_external_id, Some(&["id"]))
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
        let mut ids = ctx
            .netsuite
            .search("customer", &Filter::new().contains("url", &domain))
            .await?;
        let by_email = Filter::new().ends_with("email", &format!("@{domain}"));
        for id in ctx.netsuite.search("customer", &by_email).await? {
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
        let found = Found::of(ids, "domain");
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
    let by_name = Filter::new().contains("companyname", first_word);
    for id in ctx.netsuite.search("customer", &by_name).await? {
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
    Ok(Found::of(same, "company name"))
}

fn ids(records: &[Map<String, Value>]) -> Vec<String> {
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
    let link_field = &ctx.mapping.record_fields().account_netsuite_id;
    let by_id = sf
        .select(&Select::new("Account", &["Id"]).eq(link_field, customer_id))
        .await?;
    let found = Found::of(ids(&by_id), link_field);
    if found != Found::None {
        return Ok(found);
    }
    if let Some(domain) = company_domain(customer) {
        let records = sf
            .select(&Select::new("Account", &["Id", "Website"]).contains("Website", &domain))
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
        let found = Found::of(ids(&same), "domain");
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
        .select(&Select::new("Account", &["Id", "Name"]).contains("Name", first_word))
        .await?;
    let same: Vec<_> = records
        .into_iter()
        .filter(|r| text(r, "Name").is_some_and(|n| normalize_company_name(&n) == wanted))
        .collect();
    Ok(Found::of(ids(&same), "company name"))
}

/// What a flow does with a search's result.
#[derive(Debug)]
pub enum Counterpart {
    /// Update this record.
    Existing(String),
    /// Create one.
    New,
    /// Park the event: several records match.
    Ambiguous(Applied),
}

/// A search's result for `subject`: several matches park a conflict, unless an operator
/// already resolved one for it (by naming the counterpart, or by creating one).
pub async fn counterpart(
    ctx: &SyncContext,
    subject: ConflictSubject,
    found: Found,
    reason: impl FnOnce() -> String,
) -> Result<Counterpart, SyncError> {
    Ok(match found {
        Found::One(id) => Counterpart::Existing(id),
        Found::None => Counterpart::New,
        Found::Several(candidates) => match ctx.store.match_decision(&subject).await? {
            Some(MatchDecision::Link(id)) => Counterpart::Existing(id),
            Some(MatchDecision::Create) => Counterpart::New,
            None => Counterpart::Ambiguous(Applied::Conflict {
                reason: reason(),
                candidates,
                subject,
            }),
        },
    })
}
