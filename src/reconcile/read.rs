//! Reading one window of one flow: the linked source records changed in it (SOQL by
//! `SystemModstamp`, or SuiteQL by `lastmodifieddate` then each customer read whole), what the
//! flow's mapping makes of the fields their system owns, and what the linked record holds
//! (NetSuite customers read by id with just those fields, Salesforce accounts by one SOQL query
//! per 200).

use crate::backfill::source::salesforce_records;
use crate::connectors::netsuite::{RecordId, SuiteQl};
use crate::connectors::salesforce::Select;
use crate::domain::mapping::{Flow, Scope};
use crate::domain::{ChangeEvent, ChangeKind, System};
use crate::store::{LinkKind, LinkSide};
use crate::sync::context::SyncContext;
use crate::sync::fields::text;
use crate::sync::flows::is_account_id;
use crate::sync::ledger::REPAIR_CONTEXT;
use chrono::{DateTime, Utc};
use serde_json::{Map, Value};
use std::collections::HashMap;

/// A linked pair as one run sees it.
#[derive(Debug, Clone)]
pub struct Compared {
    pub source_id: String,
    pub target_id: String,
    /// The source record whole, as a repair event carries it.
    pub source: Map<String, Value>,
    /// The owned fields as the mapping would write them.
    pub expected: Map<String, Value>,
    /// The same fields on the linked record.
    pub found: Map<String, Value>,
}

/// What one window holds: the linked pairs compared, and how many changed records had no link.
#[derive(Debug, Default)]
pub struct Window {
    pub compared: Vec<Compared>,
    pub unlinked: usize,
}

/// Salesforce reads at most this many records by id in one query.
const IDS_PER_QUERY: usize = 200;

pub async fn window(
    ctx: &SyncContext,
    flow: Flow,
    from: DateTime<Utc>,
    until: DateTime<Utc>,
) -> anyhow::Result<Window> {
    match flow {
        Flow::AccountToCustomer => accounts(ctx, from, until).await,
        Flow::CustomerToAccount => customers(ctx, from, until).await,
        other => anyhow::bail!("{} is not reconciled", other.as_str()),
    }
}

/// Changed accounts, each compared with its customer.
async fn accounts(
    ctx: &SyncContext,
    from: DateTime<Utc>,
    until: DateTime<Utc>,
) -> anyhow::Result<Window> {
    let flow = Flow::AccountToCustomer;
    let link_field = &ctx.mapping.record_fields().account_netsuite_id;
    let records =
        salesforce_records(flow, &ctx.mapping, &ctx.salesforce, Some(from), Some(until)).await?;
    let mut window = Window::default();
    for record in records {
        let Some(account) = record.fields else {
            continue;
        };
        let stored = ctx
            .store
            .linked(LinkKind::AccountCustomer, LinkSide::Salesforce, &record.id)
            .await?;
        let Some(customer) = stored.or_else(|| text(&account, link_field)) else {
            window.unlinked += 1;
            continue;
        };
        let expected = ctx
            .mapping
            .flow(flow)
            .map(&account, Scope::OwnedBy(System::Salesforce))?;
        let names: Vec<&str> = expected.keys().map(String::as_str).collect();
        let found = ctx
            .netsuite
            .get(
                "customer",
                &RecordId::Internal(customer.clone()),
                Some(&names),
            )
            .await?;
        window.compared.push(Compared {
            source_id: record.id,
            target_id: customer,
            source: account,
            expected,
            found,
        });
    }
    Ok(window)
}

/// Changed customers, each compared with its account.
async fn customers(
    ctx: &SyncContext,
    from: DateTime<Utc>,
    until: DateTime<Utc>,
) -> anyhow::Result<Window> {
    let flow = Flow::CustomerToAccount;
    let query =
        SuiteQl::select("customer", &["id", "externalid"]).between("lastmodifieddate", from, until);
    let rows = ctx.netsuite.suiteql(&query).await?;
    let mut window = Window::default();
    let mut pairs = Vec::new();
    for row in rows {
        let Some(id) = text(&row, "id") else { continue };
        let stored = ctx
            .store
            .linked(LinkKind::AccountCustomer, LinkSide::Netsuite, &id)
            .await?;
        let by_external_id = text(&row, "externalid").filter(|id| is_account_id(id));
        match stored.or(by_external_id) {
            Some(account) => pairs.push((id, account)),
            None => window.unlinked += 1,
        }
    }
    let names = ctx
        .mapping
        .flow(flow)
        .target_fields(Scope::OwnedBy(System::Netsuite));
    let accounts = accounts_by_id(ctx, &names, &pairs).await?;
    for (customer_id, account_id) in pairs {
        let customer = ctx
            .netsuite
            .get("customer", &RecordId::Internal(customer_id.clone()), None)
            .await?;
        let expected = ctx
            .mapping
            .flow(flow)
            .map(&customer, Scope::OwnedBy(System::Netsuite))?;
        let Some(found) = accounts.get(&account_id[..account_id.len().min(15)]) else {
            // The account is gone (deleted or merged): nothing to compare with.
            window.unlinked += 1;
            continue;
        };
        window.compared.push(Compared {
            source_id: customer_id,
            target_id: account_id,
            source: customer,
            expected,
            found: found.clone(),
        });
    }
    Ok(window)
}

/// The accounts of `pairs` with the fields `names`, keyed by their 15-character id (an
/// 18-character id and its 15-character form name one record).
async fn accounts_by_id(
    ctx: &SyncContext,
    names: &[&str],
    pairs: &[(String, String)],
) -> anyhow::Result<HashMap<String, Map<String, Value>>> {
    let mut fields = vec!["Id"];
    fields.extend(
        names
            .iter()
            .copied()
            .filter(|n| !n.eq_ignore_ascii_case("Id")),
    );
    let mut found = HashMap::new();
    for chunk in pairs.chunks(IDS_PER_QUERY) {
        let ids: Vec<String> = chunk.iter().map(|(_, account)| account.clone()).collect();
        let query = Select::new("Account", &fields).any_of("Id", &ids);
        for record in ctx.salesforce.select(&query).await? {
            if let Some(id) = text(&record, "Id") {
                found.insert(id[..id.len().min(15)].to_owned(), record);
            }
        }
    }
    Ok(found)
}

/// The repair event for a pair of `flow` that differs, queued by the run that ended at `until`.
pub fn repair_event(flow: Flow, pair: &Compared, until: DateTime<Utc>) -> ChangeEvent {
    let source = flow.source_system();
    ChangeEvent {
        id: format!(
            "reconcile:{}:{}:{}",
            flow.as_str(),
            until.timestamp_millis(),
            pair.source_id
        ),
        source,
        object: match source {
            System::Salesforce => "Account".to_owned(),
            System::Netsuite => "customer".to_owned(),
        },
        record_id: pair.source_id.clone(),
        change: ChangeKind::Updated,
        // No version (nothing newer makes it stale), no modifier or origin (never an echo):
        // the record's values as they are now go over the other side.
        version: None,
        modified_by: None,
        origin: None,
        execution_context: Some(REPAIR_CONTEXT.to_owned()),
        role: None,
        fields: pair.source.clone(),
        received_at: Utc::now(),
        attempt: 0,
    }
}
