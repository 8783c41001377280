//! The standard body fields and sublists of each record type, as the metadata catalog lists
//! them (REST field ids, titles, JSON types). Writes are not checked against this list: the
//! emulator stores whatever standard field a client sends, as it always has.

use super::record_type::RecordType;

/// A standard field's JSON shape in the catalog.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    Text,
    Number,
    Integer,
    Boolean,
    Date,
    DateTime,
    /// A reference `{"id", "refName"}` to a record of this type.
    Reference(RecordType),
    /// A sublist `{"items": […]}`.
    Sublist,
}

use Shape::{Boolean, Date, DateTime, Integer, Number, Sublist, Text};

const COMMON: &[(&str, &str, Shape)] = &[
    ("id", "Internal ID", Text),
    ("externalId", "External ID", Text),
    ("lastModifiedDate", "Date Last Modified", DateTime),
];

const CUSTOMER: &[(&str, &str, Shape)] = &[
    ("entityId", "Customer ID", Text),
    ("companyName", "Company Name", Text),
    ("isPerson", "Individual", Boolean),
    ("firstName", "First Name", Text),
    ("lastName", "Last Name", Text),
    ("email", "Email", Text),
    ("phone", "Phone", Text),
    ("url", "Web Address", Text),
    (
        "subsidiary",
        "Primary Subsidiary",
        Shape::Reference(RecordType::Subsidiary),
    ),
    (
        "currency",
        "Primary Currency",
        Shape::Reference(RecordType::Currency),
    ),
    ("terms", "Terms", Text),
    ("creditLimit", "Credit Limit", Number),
    ("balance", "Balance", Number),
    ("isInactive", "Inactive", Boolean),
    ("addressBook", "Address Book", Sublist),
    ("currencyList", "Currencies", Sublist),
];

const CONTACT: &[(&str, &str, Shape)] = &[
    ("entityId", "Contact", Text),
    ("firstName", "First Name", Text),
    ("lastName", "Last Name", Text),
    ("email", "Email", Text),
    ("phone", "Main Phone", Text),
    ("mobilePhone", "Mobile Phone", Text),
    ("title", "Job Title", Text),
    ("company", "Company", Shape::Reference(RecordType::Customer)),
    (
        "subsidiary",
        "Subsidiary",
        Shape::Reference(RecordType::Subsidiary),
    ),
    ("isInactive", "Inactive", Boolean),
];

const SALES_ORDER: &[(&str, &str, Shape)] = &[
    ("tranId", "Order #", Text),
    ("tranDate", "Date", Date),
    ("entity", "Customer", Shape::Reference(RecordType::Customer)),
    (
        "subsidiary",
        "Subsidiary",
        Shape::Reference(RecordType::Subsidiary),
    ),
    (
        "currency",
        "Currency",
        Shape::Reference(RecordType::Currency),
    ),
    ("memo", "Memo", Text),
    ("otherRefNum", "PO #", Text),
    ("status", "Status", Text),
    ("subtotal", "Subtotal", Number),
    ("taxTotal", "Tax", Number),
    ("total", "Total", Number),
    ("item", "Items", Sublist),
];

const INVOICE: &[(&str, &str, Shape)] = &[
    ("tranId", "Invoice #", Text),
    ("tranDate", "Date", Date),
    ("dueDate", "Due Date", Date),
    ("entity", "Customer", Shape::Reference(RecordType::Customer)),
    (
        "subsidiary",
        "Subsidiary",
        Shape::Reference(RecordType::Subsidiary),
    ),
    (
        "currency",
        "Currency",
        Shape::Reference(RecordType::Currency),
    ),
    (
        "createdFrom",
        "Created From",
        Shape::Reference(RecordType::SalesOrder),
    ),
    ("status", "Status", Text),
    ("subtotal", "Subtotal", Number),
    ("total", "Total", Number),
    ("amountPaid", "Amount Paid", Number),
    ("amountRemaining", "Amount Remaining", Number),
    ("item", "Items", Sublist),
];

const ITEM: &[(&str, &str, Shape)] = &[
    ("itemId", "Item Name/Number", Text),
    ("displayName", "Display Name/Code", Text),
    ("salesDescription", "Sales Description", Text),
    ("basePrice", "Base Price", Number),
    ("isInactive", "Inactive", Boolean),
    ("price", "Pricing", Sublist),
];

const INVENTORY_ITEM: &[(&str, &str, Shape)] = &[("quantityAvailable", "Available", Number)];

const KIT_ITEM: &[(&str, &str, Shape)] = &[("member", "Members", Sublist)];

const CUSTOMER_PAYMENT: &[(&str, &str, Shape)] = &[
    ("tranId", "Payment #", Text),
    ("tranDate", "Date", Date),
    (
        "customer",
        "Customer",
        Shape::Reference(RecordType::Customer),
    ),
    (
        "subsidiary",
        "Subsidiary",
        Shape::Reference(RecordType::Subsidiary),
    ),
    (
        "currency",
        "Currency",
        Shape::Reference(RecordType::Currency),
    ),
    ("payment", "Payment Amount", Number),
    ("apply", "Apply", Sublist),
];

const SUBSIDIARY: &[(&str, &str, Shape)] = &[
    ("name", "Name", Text),
    (
        "currency",
        "Currency",
        Shape::Reference(RecordType::Currency),
    ),
    ("isInactive", "Inactive", Boolean),
];

const CURRENCY: &[(&str, &str, Shape)] = &[
    ("name", "Name", Text),
    ("symbol", "ISO Code", Text),
    ("exchangeRate", "Default Exchange Rate", Number),
    ("isBaseCurrency", "Base Currency", Boolean),
    ("isInactive", "Inactive", Boolean),
    ("currencyPrecision", "Currency Precision", Integer),
];

const RELATIONSHIP: &[(&str, &str, Shape)] = &[
    ("entity", "Customer", Shape::Reference(RecordType::Customer)),
    (
        "subsidiary",
        "Subsidiary",
        Shape::Reference(RecordType::Subsidiary),
    ),
    ("isPrimarySub", "Primary Subsidiary", Boolean),
];

/// Every standard field of `record_type`: (field id, title, shape).
pub fn of(
    record_type: RecordType,
) -> impl Iterator<Item = &'static (&'static str, &'static str, Shape)> {
    let own: &[&[(&str, &str, Shape)]] = match record_type {
        RecordType::Customer => &[CUSTOMER],
        RecordType::Contact => &[CONTACT],
        RecordType::SalesOrder => &[SALES_ORDER],
        RecordType::Invoice => &[INVOICE],
        RecordType::InventoryItem => &[ITEM, INVENTORY_ITEM],
        RecordType::NonInventorySaleItem | RecordType::ServiceSaleItem => &[ITEM],
        RecordType::KitItem => &[ITEM, KIT_ITEM],
        RecordType::CustomerPayment => &[CUSTOMER_PAYMENT],
        RecordType::Subsidiary => &[SUBSIDIARY],
        RecordType::Currency => &[CURRENCY],
        RecordType::CustomerSubsidiaryRelationship => &[RELATIONSHIP],
    };
    COMMON
        .iter()
        .chain(own.iter().flat_map(|fields| fields.iter()))
}
