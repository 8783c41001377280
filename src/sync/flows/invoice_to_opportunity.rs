//! NetSuite invoice and payment status → the opportunity it was ordered from: invoice number,
//! due date, amount remaining, and a payment status of Paid, Partially Paid, Open or Overdue.

use super::super::context::SyncContext;
use super::super::ledger::{self, unchanged};
use super::super::outcome::{Applied, SyncError};
use super::{SALESFORCE_ORIGIN, number, salesforce_stamped, text};
use crate::connectors::netsuite::RecordId;
use crate::domain::mapping::{Flow, Scope};
use crate::domain::{ChangeEvent, SourceSystem};
use crate::store::{LinkKind, LinkSide, RecordRef};
use chrono::NaiveDate;
use serde_json::{Map, Value, json};

pub async fn apply(
    ctx: &SyncContext,
    event: &ChangeEvent,
    in_doubt: bool,
) -> Result<Applied, SyncError> {
    if event.object.eq_ignore_ascii_case("customerpayment") {
        return apply_payment(ctx, event, in_doubt).await;
    }
    apply_invoice(ctx, event, &event.record_id, &event.fields, in_doubt).await
}

/// A payment changes the invoices it applies to: each is read fresh and synced.
async fn apply_payment(
    ctx: &SyncContext,
    event: &ChangeEvent,
    in_doubt: bool,
) -> Result<Applied, SyncError> {
    let invoices: Vec<String> = event
        .fields
        .get("apply")
        .and_then(|apply| apply.get("items").or(Some(apply)))
        .and_then(Value::as_array)
        .map(|lines| {
            lines
                .iter()
                .filter_map(Value::as_object)
                .filter_map(|line| text(line, "doc").or_else(|| text(line, "internalid")))
                .collect()
        })
        .unwrap_or_default();
    if invoices.is_empty() {
        return Ok(Applied::Ignored {
            detail: "the payment applies to no invoice".into(),
        });
    }
    let mut writes = Vec::new();
    let mut details = Vec::new();
    for invoice_id in invoices {
        let invoice = ctx
            .netsuite
            .get("invoice", &RecordId::Internal(invoice_id.clone()), None)
            .await?;
        match apply_invoice(ctx, event, &invoice_id, &invoice, in_doubt).await? {
            Applied::Written {
                writes: w, detail, ..
            } => {
                writes.extend(w);
                details.push(detail);
            }
            other => details.push(format!("invoice {invoice_id}: {other:?}")),
        }
    }
    Ok(Applied::Written {
        writes,
        links: vec![],
        detail: details.join("; "),
    })
}

async fn apply_invoice(
    ctx: &SyncContext,
    event: &ChangeEvent,
    invoice_id: &str,
    invoice: &Map<String, Value>,
    in_doubt: bool,
) -> Result<Applied, SyncError> {
    let Some(opportunity_id) = opportunity_of(ctx, invoice).await? else {
        return Ok(Applied::Ignored {
            detail: format!("invoice {invoice_id} is not from a synced sales order"),
        });
    };
    let mut fields = ctx
        .mapping
        .flow(Flow::InvoiceToOpportunity)
        .map(invoice, Scope::OwnedBy(SourceSystem::Netsuite))?;
    fields.insert(
        "Payment_Status__c".into(),
        json!(payment_status(invoice, chrono::Utc::now().date_naive())),
    );
    let target = RecordRef::new(SourceSystem::Salesforce, "Opportunity", &opportunity_id);
    if unchanged(ctx, &target, &fields).await? {
        return Ok(Applied::Echo {
            detail: format!("opportunity {opportunity_id} already holds these values"),
        });
    }
    let mut body = fields.clone();
    body.insert(SALESFORCE_ORIGIN.into(), json!(event.id));
    if in_doubt && salesforce_stamped(ctx, "Opportunity", &opportunity_id, &event.id).await? {
        tracing::info!(opportunity = %opportunity_id, "the opportunity already holds this event's write; not writing it again");
    } else {
        ctx.salesforce
            .update("Opportunity", &opportunity_id, &body)
            .await?;
    }
    Ok(Applied::Written {
        writes: vec![ledger::entry(target, &fields)],
        links: vec![],
        detail: format!("salesforce opportunity {opportunity_id} from invoice {invoice_id}"),
    })
}

/// The opportunity behind an invoice: through the sales order it was created from.
async fn opportunity_of(
    ctx: &SyncContext,
    invoice: &Map<String, Value>,
) -> Result<Option<String>, SyncError> {
    let Some(order_id) = text(invoice, "createdFrom") else {
        return Ok(None);
    };
    if let Some(id) = ctx
        .store
        .linked(
            LinkKind::OpportunitySalesOrder,
            LinkSide::Netsuite,
            &order_id,
        )
        .await?
    {
        return Ok(Some(id));
    }
    // Orders tandem created carry the opportunity id as their externalId.
    let order = ctx
        .netsuite
        .get(
            "salesOrder",
            &RecordId::Internal(order_id),
            Some(&["externalId"]),
        )
        .await?;
    Ok(text(&order, "externalId").filter(|id| id.starts_with("006")))
}

/// Paid, Partially Paid, Overdue or Open, from what remains to pay and when it was due.
pub fn payment_status(invoice: &Map<String, Value>, today: NaiveDate) -> &'static str {
    let remaining = number(invoice, "amountRemaining").unwrap_or(0.0);
    let total = number(invoice, "total").unwrap_or(remaining);
    let due = text(invoice, "dueDate")
        .and_then(|d| NaiveDate::parse_from_str(&d[..d.len().min(10)], "%Y-%m-%d").ok());
    if remaining <= 0.005 {
        "Paid"
    } else if due.is_some_and(|due| due < today) {
        "Overdue"
    } else if remaining < total - 0.005 {
        "Partially Paid"
    } else {
        "Open"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn invoice(remaining: f64, total: f64, due: &str) -> Map<String, Value> {
        json!({ "amountremaining": remaining, "total": total, "duedate": due })
            .as_object()
            .cloned()
            .unwrap()
    }

    #[test]
    fn payment_status_follows_the_amount_remaining_and_the_due_date() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 27).unwrap();
        assert_eq!(
            payment_status(&invoice(0.0, 1200.0, "2026-12-27"), today),
            "Paid"
        );
        assert_eq!(
            payment_status(&invoice(200.0, 1200.0, "2026-12-27"), today),
            "Partially Paid"
        );
        assert_eq!(
            payment_status(&invoice(1200.0, 1200.0, "2026-12-27"), today),
            "Open"
        );
        assert_eq!(
            payment_status(&invoice(1200.0, 1200.0, "2026-11-01"), today),
            "Overdue"
        );
        assert_eq!(
            payment_status(&invoice(200.0, 1200.0, "2026-11-01"), today),
            "Overdue"
        );
    }
}
