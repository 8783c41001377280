//! The subsidiary and currency of a sales order for one customer. NetSuite accepts an order
//! only in one of its customer's subsidiaries and in a currency on the customer's currency list;
//! anything else is refused, so both are taken from the customer before anything is written.

use super::context::SyncContext;
use super::fields::{sublist, text};
use super::outcome::SyncError;
use crate::connectors::netsuite::{RecordId, SuiteQl};

/// What a customer may transact in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomerTerms {
    /// The primary subsidiary first, then any other subsidiary of a multi-subsidiary customer.
    pub subsidiaries: Vec<String>,
    /// Currency internal ids on the customer's currency list (the primary one first).
    pub currencies: Vec<String>,
}

/// Reads the customer's subsidiaries and currencies.
pub async fn customer_terms(
    ctx: &SyncContext,
    customer_id: &str,
) -> Result<CustomerTerms, SyncError> {
    let id = RecordId::Internal(customer_id.to_owned());
    let customer = ctx.netsuite.get_expanded("customer", &id).await?;
    let mut subsidiaries: Vec<String> = text(&customer, "subsidiary").into_iter().collect();
    let relations = SuiteQl::select("customersubsidiaryrelationship", &["subsidiary"])
        .eq_id("entity", customer_id);
    for row in ctx.netsuite.suiteql(&relations).await? {
        if let Some(subsidiary) = text(&row, "subsidiary")
            && !subsidiaries.contains(&subsidiary)
        {
            subsidiaries.push(subsidiary);
        }
    }
    let mut currencies: Vec<String> = text(&customer, "currency").into_iter().collect();
    for line in sublist(&customer, "currencyList") {
        if let Some(currency) = text(line, "currency")
            && !currencies.contains(&currency)
        {
            currencies.push(currency);
        }
    }
    Ok(CustomerTerms {
        subsidiaries,
        currencies,
    })
}

/// The order's subsidiary and currency id for a deal in `iso`.
pub async fn order_terms(
    ctx: &SyncContext,
    customer_id: &str,
    iso: &str,
) -> Result<(String, String), SyncError> {
    let currency = ctx
        .currencies
        .id_of(ctx, iso)
        .await?
        .ok_or_else(|| SyncError::Refused {
            code: "CURRENCY_UNKNOWN",
            message: format!("NetSuite has no currency with the ISO code {iso}"),
        })?;
    let terms = customer_terms(ctx, customer_id).await?;
    if !terms.currencies.contains(&currency) {
        return Err(SyncError::Refused {
            code: "CURRENCY_NOT_ACCEPTED",
            message: format!(
                "customer {customer_id} does not accept {iso} (currency {currency}); add it to the customer's currencies in NetSuite"
            ),
        });
    }
    let preferred = ctx.mapping.currency(iso).and_then(|o| o.subsidiary.clone());
    let subsidiary = preferred
        .filter(|wanted| terms.subsidiaries.contains(wanted))
        .or_else(|| terms.subsidiaries.first().cloned())
        .ok_or_else(|| SyncError::Refused {
            code: "NO_SUBSIDIARY",
            message: format!("customer {customer_id} has no subsidiary"),
        })?;
    Ok((subsidiary, currency))
}
