//! NetSuite invoice and payment status → the opportunity it was ordered from: invoice number,
//! due date, amount remaining, and a payment status of Paid, Partially Paid, Open or Overdue.

use crate::connectors::netsuite::RecordId;
use crate::domain::mapping::Flow;
use crate::domain::{ChangeEvent, System};
use crate::store::{Link, LinkKind, LinkSide};
use crate::sync::context::SyncContext;
use crate::sync::fields::{number, sublist, text};
use crate::sync::outcome::{Applied, SyncError};
use crate::sync::pair::{Pair, Target, link};
use chrono::NaiveDate;
use serde_json::{Map, Value, json};

pub async fn apply(
    ctx: &SyncContext,
    event: &ChangeEvent,
    in_doubt: bool,
) -> Result<Applied, SyncError> {
    if event.is_delete() {
        return Ok(Applied::Ignored {
            detail: "a deleted invoice or payment leaves the opportunity as it is".into(),
        });
    }
    if !event.object.eq_ignore_ascii_case("customerpayment") {
        return apply_invoice(ctx, event, in_doubt).await;
    }
    // A payment changes the invoices it applies to: each is read fresh and synced.
    let invoices: Vec<String> = sublist(&event.fields, "apply")
        .into_iter()
        .filter_map(|line| text(line, "doc").or_else(|| text(line, "internalid")))
        .collect();
    if invoices.is_empty() {
        return Ok(Applied::Ignored {
            detail: "the payment applies to no invoice".into(),
        });
    }
    let mut writes = Vec::new();
    let mut details = Vec::new();
    for invoice_id in invoices {
        let id = RecordId::Internal(invoice_id.clone());
        let invoice = ChangeEvent {
            object: "invoice".into(),
            record_id: invoice_id.clone(),
            fields: ctx.netsuite.get("invoice", &id, None).await?,
            ..event.clone()
        };
        match apply_invoice(ctx, &invoice, in_doubt).await? {
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
    invoice: &ChangeEvent,
    in_doubt: bool,
) -> Result<Applied, SyncError> {
    let Some((opportunity_id, found)) = opportunity_of(ctx, &invoice.fields).await? else {
        return Ok(Applied::Ignored {
            detail: format!(
                "invoice {} is not from a synced sales order",
                invoice.record_id
            ),
        });
    };
    let names = ctx.mapping.record_fields();
    let mut pair = Pair::new(
        Flow::InvoiceToOpportunity,
        None,
        Target::Salesforce {
            object: "Opportunity",
            external_id: names.opportunity_order_id.clone(),
        },
    );
    pair.target_id = Some(opportunity_id);
    let status = payment_status(&invoice.fields, chrono::Utc::now().date_naive());
    pair.computed
        .insert(names.opportunity_payment_status.clone(), json!(status));
    match pair.apply(ctx, invoice, in_doubt).await? {
        // The order's link, learnt from NetSuite, is kept: the next invoice needs no read.
        Applied::Written {
            writes,
            mut links,
            detail,
        } => {
            links.extend(found);
            Ok(Applied::Written {
                writes,
                links,
                detail,
            })
        }
        other => Ok(other),
    }
}

/// The opportunity behind an invoice, through the sales order it was created from; with the
/// order's link when it was read from NetSuite rather than the store.
async fn opportunity_of(
    ctx: &SyncContext,
    invoice: &Map<String, Value>,
) -> Result<Option<(String, Option<Link>)>, SyncError> {
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
        return Ok(Some((id, None)));
    }
    // Orders tandem created carry the opportunity id as their externalId.
    let order = ctx
        .netsuite
        .get(
            "salesOrder",
            &RecordId::Internal(order_id.clone()),
            Some(&["externalId"]),
        )
        .await?;
    let opportunity = text(&order, "externalId").filter(|id| id.starts_with("006"));
    Ok(opportunity.map(|id| {
        let link = link(
            LinkKind::OpportunitySalesOrder,
            System::Salesforce,
            &id,
            &order_id,
        );
        (id, Some(link))
    }))
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
