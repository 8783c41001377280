//! The emulated org's schema: the seven sObjects, their standard fields (type, access,
//! required), relationships, labels and key prefixes, and the rule for custom field names.

/// The sObject types the sandbox org has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SObject {
    Account,
    Contact,
    Opportunity,
    OpportunityLineItem,
    Product2,
    Pricebook2,
    PricebookEntry,
}

/// A field's value type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// The record's own id.
    Id,
    Text,
    /// Double, currency and percent fields (returned as JSON numbers like `1500.0`).
    Number,
    Integer,
    Boolean,
    /// `YYYY-MM-DD`.
    Date,
    /// `2026-11-27T10:15:02.000+0000`.
    DateTime,
    /// A lookup to another sObject, with its SOQL relationship name.
    Reference(SObject, &'static str),
    /// A lookup to a User (not emulated as an sObject).
    User,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    ReadWrite,
    /// Set on create, never changed afterwards (master-detail parents, price book keys).
    CreateOnly,
    /// Maintained by the platform.
    ReadOnly,
}

#[derive(Debug, Clone, Copy)]
pub struct Field {
    pub name: &'static str,
    pub kind: Kind,
    pub access: Access,
    pub required: bool,
}

const fn rw(name: &'static str, kind: Kind) -> Field {
    Field {
        name,
        kind,
        access: Access::ReadWrite,
        required: false,
    }
}
const fn req(name: &'static str, kind: Kind) -> Field {
    Field {
        name,
        kind,
        access: Access::ReadWrite,
        required: true,
    }
}
const fn once(name: &'static str, kind: Kind, required: bool) -> Field {
    Field {
        name,
        kind,
        access: Access::CreateOnly,
        required,
    }
}
const fn ro(name: &'static str, kind: Kind) -> Field {
    Field {
        name,
        kind,
        access: Access::ReadOnly,
        required: false,
    }
}

use Kind::{Boolean, Date, DateTime, Integer, Number, Text, User};

const ACCOUNT_REF: Kind = Kind::Reference(SObject::Account, "Account");

/// Fields every object has, first in every record.
const SYSTEM: [Field; 7] = [
    ro("Id", Kind::Id),
    ro("IsDeleted", Boolean),
    ro("CreatedDate", DateTime),
    ro("CreatedById", User),
    ro("LastModifiedDate", DateTime),
    ro("LastModifiedById", User),
    ro("SystemModstamp", DateTime),
];

const ACCOUNT: &[Field] = &[
    req("Name", Text),
    rw("AccountNumber", Text),
    rw("Type", Text),
    rw("Industry", Text),
    rw("Website", Text),
    rw("Phone", Text),
    rw("Description", Text),
    rw("Rating", Text),
    rw("AnnualRevenue", Number),
    rw("NumberOfEmployees", Integer),
    rw("BillingStreet", Text),
    rw("BillingCity", Text),
    rw("BillingState", Text),
    rw("BillingPostalCode", Text),
    rw("BillingCountry", Text),
    rw("ShippingStreet", Text),
    rw("ShippingCity", Text),
    rw("ShippingState", Text),
    rw("ShippingPostalCode", Text),
    rw("ShippingCountry", Text),
    rw("ParentId", Kind::Reference(SObject::Account, "Parent")),
    rw("OwnerId", User),
    rw("CurrencyIsoCode", Text),
];

const CONTACT: &[Field] = &[
    rw("Salutation", Text),
    rw("FirstName", Text),
    req("LastName", Text),
    ro("Name", Text),
    rw("AccountId", ACCOUNT_REF),
    rw("Email", Text),
    rw("Phone", Text),
    rw("MobilePhone", Text),
    rw("Title", Text),
    rw("Department", Text),
    rw("Description", Text),
    rw("MailingStreet", Text),
    rw("MailingCity", Text),
    rw("MailingState", Text),
    rw("MailingPostalCode", Text),
    rw("MailingCountry", Text),
    rw("OwnerId", User),
    rw("CurrencyIsoCode", Text),
];

const OPPORTUNITY: &[Field] = &[
    req("Name", Text),
    rw("AccountId", ACCOUNT_REF),
    req("StageName", Text),
    req("CloseDate", Date),
    rw("Amount", Number),
    rw("Probability", Number),
    rw("Type", Text),
    rw("LeadSource", Text),
    rw("NextStep", Text),
    rw("Description", Text),
    rw("ForecastCategoryName", Text),
    ro("IsClosed", Boolean),
    ro("IsWon", Boolean),
    rw(
        "Pricebook2Id",
        Kind::Reference(SObject::Pricebook2, "Pricebook2"),
    ),
    rw("OwnerId", User),
    rw("CurrencyIsoCode", Text),
];

const OPPORTUNITY_LINE_ITEM: &[Field] = &[
    once(
        "OpportunityId",
        Kind::Reference(SObject::Opportunity, "Opportunity"),
        true,
    ),
    once(
        "PricebookEntryId",
        Kind::Reference(SObject::PricebookEntry, "PricebookEntry"),
        false,
    ),
    once(
        "Product2Id",
        Kind::Reference(SObject::Product2, "Product2"),
        false,
    ),
    ro("Name", Text),
    ro("ProductCode", Text),
    req("Quantity", Number),
    rw("UnitPrice", Number),
    rw("TotalPrice", Number),
    ro("ListPrice", Number),
    rw("Discount", Number),
    rw("ServiceDate", Date),
    rw("Description", Text),
    rw("SortOrder", Integer),
    ro("CurrencyIsoCode", Text),
];

const PRODUCT2: &[Field] = &[
    req("Name", Text),
    rw("ProductCode", Text),
    rw("Description", Text),
    rw("IsActive", Boolean),
    rw("Family", Text),
    rw("StockKeepingUnit", Text),
    rw("QuantityUnitOfMeasure", Text),
    rw("CurrencyIsoCode", Text),
];

const PRICEBOOK2: &[Field] = &[
    req("Name", Text),
    rw("Description", Text),
    rw("IsActive", Boolean),
    ro("IsStandard", Boolean),
];

const PRICEBOOK_ENTRY: &[Field] = &[
    ro("Name", Text),
    once(
        "Pricebook2Id",
        Kind::Reference(SObject::Pricebook2, "Pricebook2"),
        true,
    ),
    once(
        "Product2Id",
        Kind::Reference(SObject::Product2, "Product2"),
        true,
    ),
    ro("ProductCode", Text),
    req("UnitPrice", Number),
    rw("IsActive", Boolean),
    rw("UseStandardPrice", Boolean),
    once("CurrencyIsoCode", Text, false),
];

impl SObject {
    pub const ALL: [SObject; 7] = [
        SObject::Account,
        SObject::Contact,
        SObject::Opportunity,
        SObject::OpportunityLineItem,
        SObject::Product2,
        SObject::Pricebook2,
        SObject::PricebookEntry,
    ];

    /// The object named `name`; sObject names are case-insensitive in REST paths and SOQL.
    pub fn parse(name: &str) -> Option<SObject> {
        Self::ALL
            .into_iter()
            .find(|o| o.name().eq_ignore_ascii_case(name))
    }

    /// The object whose records carry ids starting with this id's key prefix.
    pub fn of_id(id: &str) -> Option<SObject> {
        Self::ALL
            .into_iter()
            .find(|o| id.starts_with(o.key_prefix()))
    }

    pub fn name(self) -> &'static str {
        match self {
            SObject::Account => "Account",
            SObject::Contact => "Contact",
            SObject::Opportunity => "Opportunity",
            SObject::OpportunityLineItem => "OpportunityLineItem",
            SObject::Product2 => "Product2",
            SObject::Pricebook2 => "Pricebook2",
            SObject::PricebookEntry => "PricebookEntry",
        }
    }

    /// The label Salesforce uses in messages ("Opportunity Product ID: id value of incorrect type").
    pub fn label(self) -> &'static str {
        match self {
            SObject::OpportunityLineItem => "Opportunity Product",
            SObject::Product2 => "Product",
            SObject::Pricebook2 => "Price Book",
            SObject::PricebookEntry => "Price Book Entry",
            other => other.name(),
        }
    }

    pub fn key_prefix(self) -> &'static str {
        match self {
            SObject::Account => "001",
            SObject::Contact => "003",
            SObject::Opportunity => "006",
            SObject::OpportunityLineItem => "00k",
            SObject::Product2 => "01t",
            SObject::Pricebook2 => "01s",
            SObject::PricebookEntry => "01u",
        }
    }

    /// The object's own standard fields (not the system fields), in declaration order.
    pub fn own_fields(self) -> &'static [Field] {
        match self {
            SObject::Account => ACCOUNT,
            SObject::Contact => CONTACT,
            SObject::Opportunity => OPPORTUNITY,
            SObject::OpportunityLineItem => OPPORTUNITY_LINE_ITEM,
            SObject::Product2 => PRODUCT2,
            SObject::Pricebook2 => PRICEBOOK2,
            SObject::PricebookEntry => PRICEBOOK_ENTRY,
        }
    }

    /// The fields every object has (`Id`, the audit fields), as they come first in records.
    pub fn system_fields() -> &'static [Field] {
        &SYSTEM
    }

    /// Every standard field, system fields first, in the order records are shown.
    pub fn fields(self) -> impl Iterator<Item = &'static Field> {
        SYSTEM.iter().chain(self.own_fields())
    }

    /// The standard field named `name` (case-insensitive).
    pub fn field(self, name: &str) -> Option<&'static Field> {
        self.fields().find(|f| f.name.eq_ignore_ascii_case(name))
    }

    /// The lookup field behind a SOQL relationship name (`Product2` → `Product2Id`).
    pub fn relationship(self, name: &str) -> Option<(&'static Field, SObject)> {
        self.fields().find_map(|f| match f.kind {
            Kind::Reference(target, relationship) if relationship.eq_ignore_ascii_case(name) => {
                Some((f, target))
            }
            _ => None,
        })
    }
}

/// The canonical spelling of a custom field name (`…__c`, case-insensitive suffix), or `None`
/// when `name` is not a valid custom field API name: a letter first, then letters, digits and
/// single underscores, not ending in an underscore before the suffix.
pub fn custom_field_name(name: &str) -> Option<String> {
    let lower = name.to_ascii_lowercase();
    let stem = &name[..lower.strip_suffix("__c")?.len()];
    let valid = stem.starts_with(|c: char| c.is_ascii_alphabetic())
        && stem.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !stem.contains("__")
        && !stem.ends_with('_');
    valid.then(|| format!("{stem}__c"))
}

/// Active currencies of the emulated multi-currency org; USD is the corporate currency.
pub const CURRENCIES: &[&str] = &[
    "USD", "EUR", "GBP", "CAD", "AUD", "JPY", "CHF", "SEK", "DKK", "NOK",
];
pub const CORPORATE_CURRENCY: &str = "USD";

/// Opportunity stages with their default probability and forecast category.
pub const STAGES: &[(&str, f64, &str)] = &[
    ("Prospecting", 10.0, "Pipeline"),
    ("Qualification", 10.0, "Pipeline"),
    ("Needs Analysis", 20.0, "Pipeline"),
    ("Value Proposition", 50.0, "Pipeline"),
    ("Id. Decision Makers", 60.0, "Pipeline"),
    ("Perception Analysis", 70.0, "Pipeline"),
    ("Proposal/Price Quote", 75.0, "Pipeline"),
    ("Negotiation/Review", 90.0, "Commit"),
    ("Closed Won", 100.0, "Closed"),
    ("Closed Lost", 0.0, "Omitted"),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn custom_field_names_follow_salesforce_rules() {
        assert_eq!(
            custom_field_name("NetSuite_Id__c").as_deref(),
            Some("NetSuite_Id__c")
        );
        assert_eq!(
            custom_field_name("netsuite_id__C").as_deref(),
            Some("netsuite_id__c")
        );
        assert_eq!(custom_field_name("Bad__Name__c"), None);
        assert_eq!(custom_field_name("_Leading__c"), None);
        assert_eq!(custom_field_name("Trailing___c"), None);
        assert_eq!(custom_field_name("NoSuffix"), None);
        assert_eq!(custom_field_name("Spaced Name__c"), None);
    }

    #[test]
    fn relationship_names_lead_to_their_lookup_fields() {
        let (field, target) = SObject::OpportunityLineItem
            .relationship("product2")
            .unwrap();
        assert_eq!((field.name, target), ("Product2Id", SObject::Product2));
        assert!(SObject::Contact.relationship("Owner").is_none());
    }
}
