//! The ids that tie the two seeds together: every seeded record that names a record on the other
//! side names one of these, and the other side's seed creates that record.

/// Salesforce Account ids (18-character, checksum included).
pub const ACME_ACCOUNT_ID: &str = "0015e0000000001AAA";
pub const GLOBEX_ACCOUNT_ID: &str = "0015e0000000002AAA";
pub const INITECH_ACCOUNT_ID: &str = "0015e0000000003AAA";
/// The Closed Won opportunity NetSuite sales order [`ACME_SALES_ORDER`] was made from.
pub const ACME_WON_OPPORTUNITY_ID: &str = "0065e0000000001AAA";
/// The open opportunity a demo moves to Closed Won.
pub const ACME_OPEN_OPPORTUNITY_ID: &str = "0065e0000000002AAA";

/// NetSuite customers linked to Salesforce accounts.
pub const ACME_CUSTOMER: u64 = 101;
pub const INITECH_CUSTOMER: u64 = 104;
pub const ACME_SALES_ORDER: u64 = 301;

/// A product on both sides: Salesforce Product2 id, ProductCode = NetSuite `itemId`, NetSuite
/// item internal id.
pub struct LinkedProduct {
    pub product_id: &'static str,
    pub code: &'static str,
    pub item_id: u64,
}

pub const PRODUCTS: [LinkedProduct; 6] = [
    LinkedProduct {
        product_id: "01t5e0000000001AAA",
        code: "SKU-100",
        item_id: 201,
    },
    LinkedProduct {
        product_id: "01t5e0000000002AAA",
        code: "SKU-101",
        item_id: 202,
    },
    LinkedProduct {
        product_id: "01t5e0000000003AAA",
        code: "SKU-102",
        item_id: 203,
    },
    LinkedProduct {
        product_id: "01t5e0000000004AAA",
        code: "SKU-103",
        item_id: 204,
    },
    LinkedProduct {
        product_id: "01t5e0000000005AAA",
        code: "SKU-104",
        item_id: 205,
    },
    LinkedProduct {
        product_id: "01t5e0000000006AAA",
        code: "SKU-105",
        item_id: 206,
    },
];

/// The linked product with this code (a start-up constant: a missing one is a bug).
pub fn product(code: &str) -> &'static LinkedProduct {
    PRODUCTS
        .iter()
        .find(|product| product.code == code)
        .unwrap_or_else(|| panic!("no linked product {code}"))
}
