//! Save rules per sObject, run before a record is stored: field access, defaults, required
//! fields, lookups, currencies, and the derived values the platform fills in (contact name,
//! stage probability, line item prices from the price book entry). Failures are DML errors.

use super::decode::Fields;
use super::errors::DmlError;
use super::records::{Org, Record};
use super::schema::{Access, CORPORATE_CURRENCY, CURRENCIES, Kind, SObject, STAGES};
use serde_json::Value;

/// Refuses platform-maintained fields, and create-only ones on update.
pub fn check_access(object: SObject, input: &Fields, creating: bool) -> Result<(), DmlError> {
    let refused: Vec<&str> = input
        .keys()
        .filter_map(|name| object.field(name))
        .filter(|field| match field.access {
            Access::ReadOnly => true,
            Access::CreateOnly => !creating,
            Access::ReadWrite => false,
        })
        .map(|field| field.name)
        .collect();
    if refused.is_empty() {
        return Ok(());
    }
    Err(DmlError::new(
        "INVALID_FIELD_FOR_INSERT_UPDATE",
        format!(
            "Unable to create/update fields: {}. Please check the security settings of this field and verify that it is read/write for your profile or permission set.",
            refused.join(", ")
        ),
        &refused,
    ))
}

/// A new record before its input is applied.
pub fn defaults(object: SObject, user: &str) -> Record {
    let mut record = Record::new();
    for field in object.fields() {
        let value = match (field.name, field.kind) {
            ("OwnerId", _) => Value::from(user),
            ("CurrencyIsoCode", _) => Value::from(CORPORATE_CURRENCY),
            (_, Kind::Boolean) => Value::Bool(false),
            _ => Value::Null,
        };
        record.insert(field.name.into(), value);
    }
    record
}

/// Every check and derived value for `record` (the existing record with `input` applied).
pub fn validate(
    org: &Org,
    object: SObject,
    record: &mut Record,
    input: &Fields,
    creating: bool,
) -> Result<(), DmlError> {
    required(object, record)?;
    lookups(org, object, input)?;
    currency(object, input)?;
    match object {
        SObject::Contact => contact_name(record),
        SObject::Opportunity => stage(record, input, creating),
        SObject::OpportunityLineItem => line_item(org, record, input, creating)?,
        SObject::PricebookEntry if creating => price_book_entry(org, record)?,
        _ => {}
    }
    Ok(())
}

fn required(object: SObject, record: &Record) -> Result<(), DmlError> {
    let missing: Vec<&str> = object
        .fields()
        .filter(|field| field.required)
        .filter(|field| match record.get(field.name) {
            None | Some(Value::Null) => true,
            Some(Value::String(text)) => text.trim().is_empty(),
            Some(_) => false,
        })
        .map(|field| field.name)
        .collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(DmlError::required_missing(&missing))
    }
}

/// Lookups must point at an existing record of the right object.
fn lookups(org: &Org, object: SObject, input: &Fields) -> Result<(), DmlError> {
    for (name, value) in input {
        let (Some(field), Some(id)) = (object.field(name), value.as_str()) else {
            continue;
        };
        let Kind::Reference(target, _) = field.kind else {
            continue;
        };
        if SObject::of_id(id) != Some(target) {
            return Err(DmlError::new(
                "FIELD_INTEGRITY_EXCEPTION",
                format!("{} ID: id value of incorrect type: {id}", target.label()),
                &[field.name],
            ));
        }
        if org.get(target, id).is_none() {
            return Err(DmlError::new(
                "INVALID_CROSS_REFERENCE_KEY",
                "invalid cross reference id",
                &[field.name],
            ));
        }
    }
    Ok(())
}

fn currency(object: SObject, input: &Fields) -> Result<(), DmlError> {
    match input.get("CurrencyIsoCode").and_then(Value::as_str) {
        Some(code) if object.field("CurrencyIsoCode").is_some() && !CURRENCIES.contains(&code) => {
            Err(DmlError::new(
                "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
                format!("Currency ISO Code: invalid currency code: {code}"),
                &["CurrencyIsoCode"],
            ))
        }
        _ => Ok(()),
    }
}

fn text<'a>(record: &'a Record, field: &str) -> Option<&'a str> {
    record.get(field).and_then(Value::as_str)
}

fn contact_name(record: &mut Record) {
    let name = [text(record, "FirstName"), text(record, "LastName")]
        .into_iter()
        .flatten()
        .filter(|part| !part.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    record.insert("Name".into(), Value::from(name));
}

/// The stage sets IsClosed/IsWon, and the default probability and forecast category.
fn stage(record: &mut Record, input: &Fields, creating: bool) {
    let Some(stage) = text(record, "StageName").map(str::to_owned) else {
        return;
    };
    let known = STAGES.iter().find(|(name, _, _)| *name == stage);
    record.insert("IsClosed".into(), Value::Bool(stage.starts_with("Closed")));
    record.insert("IsWon".into(), Value::Bool(stage == "Closed Won"));
    let stage_changed = creating || input.contains_key("StageName");
    if let Some((_, probability, category)) = known
        && stage_changed
    {
        if !input.contains_key("Probability") {
            record.insert("Probability".into(), Value::from(*probability));
        }
        if !input.contains_key("ForecastCategoryName") {
            record.insert("ForecastCategoryName".into(), Value::from(*category));
        }
    }
}

fn integrity(message: &str, fields: &[&str]) -> DmlError {
    DmlError::new(
        "FIELD_INTEGRITY_EXCEPTION",
        format!("field integrity exception: {message}"),
        fields,
    )
}

/// A line item's price book entry (given, or found from its product), product fields, and
/// prices: TotalPrice = Quantity × UnitPrice, less any discount.
fn line_item(
    org: &Org,
    record: &mut Record,
    input: &Fields,
    creating: bool,
) -> Result<(), DmlError> {
    if creating {
        let opportunity = text(record, "OpportunityId")
            .and_then(|id| org.get(SObject::Opportunity, id))
            .cloned()
            .unwrap_or_default();
        let currency = text(&opportunity, "CurrencyIsoCode")
            .unwrap_or(CORPORATE_CURRENCY)
            .to_owned();
        let opp_book = text(&opportunity, "Pricebook2Id").map(str::to_owned);
        let entry = match (text(record, "PricebookEntryId"), text(record, "Product2Id")) {
            (Some(id), _) => org.get(SObject::PricebookEntry, id).cloned(),
            (None, Some(product)) => org
                .records(SObject::PricebookEntry)
                .find(|entry| {
                    text(entry, "Product2Id") == Some(product)
                        && text(entry, "CurrencyIsoCode") == Some(currency.as_str())
                        && match &opp_book {
                            Some(book) => text(entry, "Pricebook2Id") == Some(book.as_str()),
                            None => is_standard_book(org, text(entry, "Pricebook2Id")),
                        }
                })
                .cloned(),
            (None, None) => None,
        };
        let Some(entry) = entry else {
            return Err(integrity(
                "PricebookEntryId, unknown (versions 3.0 and higher must specify pricebook entry id, others must specify product id)",
                &["PricebookEntryId"],
            ));
        };
        if text(&entry, "CurrencyIsoCode") != Some(currency.as_str()) {
            return Err(integrity(
                "PricebookEntryId (pricebook entry currency code does not match opportunity currency code)",
                &["PricebookEntryId"],
            ));
        }
        if opp_book.is_some() && text(&entry, "Pricebook2Id") != opp_book.as_deref() {
            return Err(integrity(
                "PricebookEntryId (pricebook entry is in a different pricebook than the one assigned to the opportunity)",
                &["PricebookEntryId"],
            ));
        }
        if entry.get("IsActive") != Some(&Value::Bool(true)) {
            return Err(integrity(
                "PricebookEntryId (pricebook entry is inactive)",
                &["PricebookEntryId"],
            ));
        }
        let product = text(&entry, "Product2Id").and_then(|id| org.get(SObject::Product2, id));
        let product_name = product.and_then(|p| text(p, "Name")).unwrap_or_default();
        let name = format!(
            "{} {product_name}",
            text(&opportunity, "Name").unwrap_or_default()
        );
        for (field, value) in [
            ("PricebookEntryId", entry.get("Id").cloned()),
            ("Product2Id", entry.get("Product2Id").cloned()),
            (
                "ProductCode",
                product.and_then(|p| p.get("ProductCode").cloned()),
            ),
            ("ListPrice", entry.get("UnitPrice").cloned()),
            ("CurrencyIsoCode", Some(Value::from(currency))),
            ("Name", Some(Value::from(name.trim()))),
        ] {
            record.insert(field.into(), value.unwrap_or(Value::Null));
        }
    }
    let given_unit = input.get("UnitPrice").is_some_and(|v| !v.is_null());
    let given_total = input.get("TotalPrice").is_some_and(|v| !v.is_null());
    if given_unit && given_total {
        return Err(integrity(
            "TotalPrice (cannot specify both unit price and total price)",
            &["TotalPrice"],
        ));
    }
    let quantity = record
        .get("Quantity")
        .and_then(Value::as_f64)
        .unwrap_or(0.0);
    let discount = record
        .get("Discount")
        .and_then(Value::as_f64)
        .unwrap_or(0.0);
    let factor = quantity * (1.0 - discount / 100.0);
    if given_total {
        let total = input
            .get("TotalPrice")
            .and_then(Value::as_f64)
            .unwrap_or(0.0);
        let unit = if factor == 0.0 { 0.0 } else { total / factor };
        record.insert("UnitPrice".into(), Value::from(round2(unit)));
    } else if creating && !given_unit {
        return Err(integrity(
            "unknown (must specify either TotalPrice or UnitPrice)",
            &[],
        ));
    }
    let unit = record
        .get("UnitPrice")
        .and_then(Value::as_f64)
        .unwrap_or(0.0);
    record.insert("TotalPrice".into(), Value::from(round2(unit * factor)));
    Ok(())
}

fn is_standard_book(org: &Org, id: Option<&str>) -> bool {
    id.and_then(|id| org.get(SObject::Pricebook2, id))
        .is_some_and(|book| book.get("IsStandard") == Some(&Value::Bool(true)))
}

/// One entry per product, price book and currency; a custom price needs a standard one first.
fn price_book_entry(org: &Org, record: &mut Record) -> Result<(), DmlError> {
    let product = text(record, "Product2Id").unwrap_or_default().to_owned();
    let book = text(record, "Pricebook2Id").unwrap_or_default().to_owned();
    let currency = text(record, "CurrencyIsoCode")
        .unwrap_or(CORPORATE_CURRENCY)
        .to_owned();
    let same = |entry: &&Record, book_matches: &dyn Fn(Option<&str>) -> bool| {
        text(entry, "Product2Id") == Some(product.as_str())
            && text(entry, "CurrencyIsoCode") == Some(currency.as_str())
            && book_matches(text(entry, "Pricebook2Id"))
    };
    if org
        .records(SObject::PricebookEntry)
        .any(|e| same(&e, &|b| b == Some(book.as_str())))
    {
        return Err(DmlError::new(
            "DUPLICATE_VALUE",
            "This price definition already exists in this price book",
            &[],
        ));
    }
    if !is_standard_book(org, Some(&book))
        && !org
            .records(SObject::PricebookEntry)
            .any(|e| same(&e, &|b| is_standard_book(org, b)))
    {
        return Err(integrity(
            "unknown (must have a standard price defined before you can define a custom price)",
            &[],
        ));
    }
    if let Some(product) = org.get(SObject::Product2, &product) {
        record.insert(
            "Name".into(),
            product.get("Name").cloned().unwrap_or(Value::Null),
        );
        record.insert(
            "ProductCode".into(),
            product.get("ProductCode").cloned().unwrap_or(Value::Null),
        );
    }
    Ok(())
}

fn round2(value: f64) -> f64 {
    (value * 100.0).round() / 100.0
}
