//! The fields tandem itself keeps on records, named in `mapping.toml`'s `[record_fields]`: where
//! each system stores the other's id (the links), the origin stamps, and what tandem writes back.

use serde::Deserialize;

/// Field names tandem reads and writes beside the mapped fields. Every key has the default
/// documented in the shipped `mapping.toml`; an org that named its fields differently renames
/// them here.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RecordFields {
    /// Salesforce: the origin stamp on every object tandem writes.
    pub salesforce_origin: String,
    /// NetSuite: the origin stamp on entities (customer, contact).
    pub netsuite_entity_origin: String,
    /// NetSuite: the origin stamp on transactions (sales order).
    pub netsuite_transaction_origin: String,
    /// NetSuite: the origin stamp on items.
    pub netsuite_item_origin: String,
    /// Salesforce Account: the linked customer's internal id.
    pub account_netsuite_id: String,
    /// Salesforce Contact: the linked contact's internal id.
    pub contact_netsuite_id: String,
    /// NetSuite customer: the linked Account's id (besides `externalId`).
    pub customer_salesforce_id: String,
    /// Salesforce Opportunity: the sales order's internal id and its number.
    pub opportunity_order_id: String,
    pub opportunity_order_number: String,
    /// Salesforce Opportunity: the payment status tandem computes from the invoice.
    pub opportunity_payment_status: String,
    /// Salesforce Product2: the linked item's internal id.
    pub product_item_id: String,
}

impl Default for RecordFields {
    fn default() -> Self {
        let name = |text: &str| text.to_owned();
        Self {
            salesforce_origin: name("Tandem_Sync_Origin__c"),
            netsuite_entity_origin: name("custentity_tandem_origin"),
            netsuite_transaction_origin: name("custbody_tandem_origin"),
            netsuite_item_origin: name("custitem_tandem_origin"),
            account_netsuite_id: name("NetSuite_Id__c"),
            contact_netsuite_id: name("NetSuite_Id__c"),
            customer_salesforce_id: name("custentity_sf_account_id"),
            opportunity_order_id: name("NetSuite_Sales_Order_Id__c"),
            opportunity_order_number: name("NetSuite_Sales_Order_Number__c"),
            opportunity_payment_status: name("Payment_Status__c"),
            product_item_id: name("NetSuite_Item_Id__c"),
        }
    }
}

impl RecordFields {
    /// Every name with its key, for checking.
    pub(super) fn named(&self) -> [(&'static str, &str); 11] {
        [
            ("salesforce_origin", &self.salesforce_origin),
            ("netsuite_entity_origin", &self.netsuite_entity_origin),
            (
                "netsuite_transaction_origin",
                &self.netsuite_transaction_origin,
            ),
            ("netsuite_item_origin", &self.netsuite_item_origin),
            ("account_netsuite_id", &self.account_netsuite_id),
            ("contact_netsuite_id", &self.contact_netsuite_id),
            ("customer_salesforce_id", &self.customer_salesforce_id),
            ("opportunity_order_id", &self.opportunity_order_id),
            ("opportunity_order_number", &self.opportunity_order_number),
            (
                "opportunity_payment_status",
                &self.opportunity_payment_status,
            ),
            ("product_item_id", &self.product_item_id),
        ]
    }
}
