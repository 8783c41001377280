//! The record types the emulator serves and what it knows of each: URL and SuiteScript names,
//! the tandem origin field, which fields reference other records, and the mandatory fields.

/// A record type of the REST record service.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RecordType {
    Customer,
    Contact,
    SalesOrder,
    Invoice,
    InventoryItem,
    NonInventorySaleItem,
    ServiceSaleItem,
    KitItem,
    CustomerPayment,
    Subsidiary,
    Currency,
    CustomerSubsidiaryRelationship,
}

/// A body field holding `{"id": …}` (or `{"externalId": …}`) of another record.
#[derive(Debug, Clone, Copy)]
pub struct Reference {
    pub field: &'static str,
    pub target: RecordType,
}

/// A sublist column holding a reference, e.g. `item.items[n].item`.
#[derive(Debug, Clone, Copy)]
pub struct LineReference {
    pub sublist: &'static str,
    pub field: &'static str,
    pub target: RecordType,
}

/// A mandatory body field and the label NetSuite names it by in "Please enter value(s) for".
#[derive(Debug, Clone, Copy)]
pub struct Mandatory {
    pub field: &'static str,
    pub label: &'static str,
}

// Struct literals (unlike `const fn` calls) are promoted to `'static` in the tables below.
macro_rules! reference {
    ($field:literal, $target:ident) => {
        Reference {
            field: $field,
            target: $target,
        }
    };
}

macro_rules! mandatory {
    ($field:literal, $label:literal) => {
        Mandatory {
            field: $field,
            label: $label,
        }
    };
}

impl RecordType {
    pub const ALL: [RecordType; 12] = [
        RecordType::Customer,
        RecordType::Contact,
        RecordType::SalesOrder,
        RecordType::Invoice,
        RecordType::InventoryItem,
        RecordType::NonInventorySaleItem,
        RecordType::ServiceSaleItem,
        RecordType::KitItem,
        RecordType::CustomerPayment,
        RecordType::Subsidiary,
        RecordType::Currency,
        RecordType::CustomerSubsidiaryRelationship,
    ];

    /// The item record types: one family sharing one internal id space, so a transaction line's
    /// `item` may name any of them.
    pub const ITEMS: [RecordType; 4] = [
        RecordType::InventoryItem,
        RecordType::NonInventorySaleItem,
        RecordType::ServiceSaleItem,
        RecordType::KitItem,
    ];

    pub fn is_item(self) -> bool {
        Self::ITEMS.contains(&self)
    }

    /// Whether a reference declared to `target` may point at a record of this type.
    pub fn satisfies(self, target: RecordType) -> bool {
        self == target || (self.is_item() && target.is_item())
    }

    /// The `itemtype` SuiteQL shows for an item record type.
    pub fn suiteql_item_type(self) -> Option<&'static str> {
        match self {
            RecordType::InventoryItem => Some("InvtPart"),
            RecordType::NonInventorySaleItem => Some("NonInvtPart"),
            RecordType::ServiceSaleItem => Some("Service"),
            RecordType::KitItem => Some("Kit"),
            _ => None,
        }
    }

    /// From the URL segment, spelled exactly as NetSuite's record ids are (`salesOrder`).
    pub fn from_url(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|ty| ty.url_name() == name)
    }

    /// From the URL or the SuiteScript name in any case (the `/_sandbox` routes are lenient).
    pub fn from_any(name: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|ty| ty.url_name().eq_ignore_ascii_case(name))
    }

    pub fn url_name(self) -> &'static str {
        match self {
            RecordType::Customer => "customer",
            RecordType::Contact => "contact",
            RecordType::SalesOrder => "salesOrder",
            RecordType::Invoice => "invoice",
            RecordType::InventoryItem => "inventoryItem",
            RecordType::NonInventorySaleItem => "nonInventorySaleItem",
            RecordType::ServiceSaleItem => "serviceSaleItem",
            RecordType::KitItem => "kitItem",
            RecordType::CustomerSubsidiaryRelationship => "customerSubsidiaryRelationship",
            RecordType::CustomerPayment => "customerPayment",
            RecordType::Subsidiary => "subsidiary",
            RecordType::Currency => "currency",
        }
    }

    /// The SuiteScript record type (`record.Type.SALES_ORDER` is `salesorder`), as echoes name it.
    /// Sale, purchase and resale variants of an item share one SuiteScript type.
    pub fn script_id(self) -> String {
        match self {
            RecordType::NonInventorySaleItem => "noninventoryitem".into(),
            RecordType::ServiceSaleItem => "serviceitem".into(),
            _ => self.url_name().to_ascii_lowercase(),
        }
    }

    /// The custom field tandem stamps its writes with, by NetSuite's custom field families.
    pub fn origin_field(self) -> Option<&'static str> {
        match self {
            RecordType::Customer | RecordType::Contact => Some("custentity_tandem_origin"),
            RecordType::SalesOrder | RecordType::Invoice | RecordType::CustomerPayment => {
                Some("custbody_tandem_origin")
            }
            RecordType::InventoryItem
            | RecordType::NonInventorySaleItem
            | RecordType::ServiceSaleItem
            | RecordType::KitItem => Some("custitem_tandem_origin"),
            RecordType::Subsidiary
            | RecordType::Currency
            | RecordType::CustomerSubsidiaryRelationship => None,
        }
    }

    /// Transactions carry an item sublist whose totals NetSuite computes.
    pub fn has_item_lines(self) -> bool {
        matches!(self, RecordType::SalesOrder | RecordType::Invoice)
    }

    /// The prefix of generated transaction numbers (`tranId`), for transactions.
    pub fn tran_prefix(self) -> Option<&'static str> {
        match self {
            RecordType::SalesOrder => Some("SO"),
            RecordType::Invoice => Some("INV"),
            RecordType::CustomerPayment => Some("PYMT"),
            _ => None,
        }
    }

    pub fn references(self) -> &'static [Reference] {
        use RecordType::*;
        match self {
            Customer => &[
                reference!("subsidiary", Subsidiary),
                reference!("currency", Currency),
            ],
            Contact => &[
                reference!("company", Customer),
                reference!("subsidiary", Subsidiary),
            ],
            SalesOrder => &[
                reference!("entity", Customer),
                reference!("subsidiary", Subsidiary),
                reference!("currency", Currency),
            ],
            Invoice => &[
                reference!("entity", Customer),
                reference!("subsidiary", Subsidiary),
                reference!("currency", Currency),
                reference!("createdFrom", SalesOrder),
            ],
            CustomerPayment => &[
                reference!("customer", Customer),
                reference!("subsidiary", Subsidiary),
                reference!("currency", Currency),
            ],
            Subsidiary => &[reference!("currency", Currency)],
            CustomerSubsidiaryRelationship => &[
                reference!("entity", Customer),
                reference!("subsidiary", Subsidiary),
            ],
            InventoryItem | NonInventorySaleItem | ServiceSaleItem | KitItem | Currency => &[],
        }
    }

    pub fn line_references(self) -> &'static [LineReference] {
        use RecordType::*;
        const ITEM: LineReference = LineReference {
            sublist: "item",
            field: "item",
            target: InventoryItem,
        };
        match self {
            SalesOrder | Invoice => &[ITEM],
            CustomerPayment => &[LineReference {
                sublist: "apply",
                field: "doc",
                target: Invoice,
            }],
            InventoryItem | NonInventorySaleItem | ServiceSaleItem => &[LineReference {
                sublist: "price",
                field: "currency",
                target: Currency,
            }],
            KitItem => &[
                LineReference {
                    sublist: "price",
                    field: "currency",
                    target: Currency,
                },
                LineReference {
                    sublist: "member",
                    field: "item",
                    target: InventoryItem,
                },
            ],
            Customer => &[LineReference {
                sublist: "currencyList",
                field: "currency",
                target: Currency,
            }],
            Contact | Subsidiary | Currency | CustomerSubsidiaryRelationship => &[],
        }
    }

    /// Fields every saved record of this type must have (customers have a person variant).
    pub fn mandatory(self, is_person: bool) -> &'static [Mandatory] {
        use RecordType::*;
        match self {
            Customer if is_person => &[
                mandatory!("firstName", "First Name"),
                mandatory!("lastName", "Last Name"),
                mandatory!("subsidiary", "Subsidiary"),
            ],
            Customer => &[
                mandatory!("companyName", "Company Name"),
                mandatory!("subsidiary", "Subsidiary"),
            ],
            SalesOrder | Invoice => &[mandatory!("entity", "Customer")],
            CustomerPayment => &[mandatory!("customer", "Customer")],
            InventoryItem | NonInventorySaleItem | ServiceSaleItem | KitItem => {
                &[mandatory!("itemId", "Item Name/Number")]
            }
            Subsidiary | Currency => &[mandatory!("name", "Name")],
            CustomerSubsidiaryRelationship => &[
                mandatory!("entity", "Customer"),
                mandatory!("subsidiary", "Subsidiary"),
            ],
            Contact => &[],
        }
    }

    /// Fields NetSuite computes: whatever a client sends for them is ignored.
    pub fn computed(self) -> &'static [&'static str] {
        match self {
            RecordType::SalesOrder => &["subtotal", "total"],
            RecordType::Invoice => &[
                "subtotal",
                "total",
                "amountPaid",
                "amountRemaining",
                "status",
            ],
            _ => &[],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_names_are_exact_but_sandbox_names_ignore_case() {
        assert_eq!(
            RecordType::from_url("salesOrder"),
            Some(RecordType::SalesOrder)
        );
        assert_eq!(RecordType::from_url("salesorder"), None);
        assert_eq!(
            RecordType::from_any("salesorder"),
            Some(RecordType::SalesOrder)
        );
        assert_eq!(RecordType::InventoryItem.script_id(), "inventoryitem");
        assert_eq!(RecordType::ServiceSaleItem.script_id(), "serviceitem");
        assert_eq!(
            RecordType::from_url("nonInventorySaleItem"),
            Some(RecordType::NonInventorySaleItem)
        );
        assert!(RecordType::KitItem.satisfies(RecordType::InventoryItem));
        assert!(!RecordType::Customer.satisfies(RecordType::InventoryItem));
    }
}
