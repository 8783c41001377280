//! The mapped flows: which record of which system becomes which record of the other.

use crate::domain::System;
use std::fmt;
use std::str::FromStr;

/// One direction of one record pair; named in `mapping.toml` as `[flows.<snake_case name>]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Flow {
    /// Salesforce Account → NetSuite customer.
    AccountToCustomer,
    /// NetSuite customer → Salesforce Account.
    CustomerToAccount,
    /// Salesforce Contact → NetSuite contact.
    ContactToContact,
    /// Salesforce Opportunity (Closed Won) → NetSuite sales order header.
    OpportunityToSalesOrder,
    /// Salesforce OpportunityLineItem → NetSuite sales order line.
    OpportunityLineToSalesOrderLine,
    /// NetSuite invoice (and its payments) → Salesforce Opportunity billing fields.
    InvoiceToOpportunity,
    /// NetSuite inventory item → Salesforce Product2.
    ItemToProduct,
    /// NetSuite quantity available → Salesforce Product2.
    InventoryToProduct,
}

impl Flow {
    /// Every flow, in the order the shipped mapping lists them.
    pub const ALL: [Flow; 8] = [
        Flow::AccountToCustomer,
        Flow::CustomerToAccount,
        Flow::ContactToContact,
        Flow::OpportunityToSalesOrder,
        Flow::OpportunityLineToSalesOrderLine,
        Flow::InvoiceToOpportunity,
        Flow::ItemToProduct,
        Flow::InventoryToProduct,
    ];

    /// The name used in `mapping.toml`, in errors and in metric labels.
    pub fn as_str(self) -> &'static str {
        match self {
            Flow::AccountToCustomer => "account_to_customer",
            Flow::CustomerToAccount => "customer_to_account",
            Flow::ContactToContact => "contact_to_contact",
            Flow::OpportunityToSalesOrder => "opportunity_to_sales_order",
            Flow::OpportunityLineToSalesOrderLine => "opportunity_line_to_sales_order_line",
            Flow::InvoiceToOpportunity => "invoice_to_opportunity",
            Flow::ItemToProduct => "item_to_product",
            Flow::InventoryToProduct => "inventory_to_product",
        }
    }

    /// The system whose record is read.
    pub fn source_system(self) -> System {
        match self {
            Flow::AccountToCustomer
            | Flow::ContactToContact
            | Flow::OpportunityToSalesOrder
            | Flow::OpportunityLineToSalesOrderLine => System::Salesforce,
            Flow::CustomerToAccount
            | Flow::InvoiceToOpportunity
            | Flow::ItemToProduct
            | Flow::InventoryToProduct => System::Netsuite,
        }
    }

    /// The system whose record is written.
    pub fn target_system(self) -> System {
        match self.source_system() {
            System::Salesforce => System::Netsuite,
            System::Netsuite => System::Salesforce,
        }
    }

    /// All names, comma-separated, for error messages.
    pub(crate) fn names() -> String {
        Flow::ALL.map(Flow::as_str).join(", ")
    }

    pub(crate) fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for Flow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The name is not one of [`Flow::ALL`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown flow {0:?}")]
pub struct UnknownFlow(pub String);

impl FromStr for Flow {
    type Err = UnknownFlow;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        Flow::ALL
            .into_iter()
            .find(|flow| flow.as_str() == name)
            .ok_or_else(|| UnknownFlow(name.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_flow_name_parses_back_to_its_flow() {
        for flow in Flow::ALL {
            assert_eq!(flow.as_str().parse::<Flow>(), Ok(flow));
            assert_eq!(Flow::ALL[flow.index()], flow);
        }
        assert!("account_to_contact".parse::<Flow>().is_err());
    }

    #[test]
    fn a_flow_writes_to_the_system_it_does_not_read() {
        for flow in Flow::ALL {
            assert_ne!(flow.source_system(), flow.target_system());
        }
        assert_eq!(
            Flow::InvoiceToOpportunity.target_system(),
            System::Salesforce
        );
    }
}
