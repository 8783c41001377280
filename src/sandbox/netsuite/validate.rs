//! What NetSuite checks and computes when a record is saved: references must point at existing
//! records, mandatory fields must be set, defaults are derived (names, transaction numbers,
//! subsidiary and currency from the customer), and line amounts, totals and invoice balances
//! are computed. Tax is NetSuite's to compute: whatever tax fields arrive are stored as sent.

use super::error::NsError;
use super::oneworld;
use super::record_type::RecordType;
use super::store::{Records, field, field_mut, set_field};
use serde_json::{Map, Value, json};

const NO_LINES: &str = "You must enter at least one line item for this transaction.";

/// Checks and completes `fields` for a save of record `id` of type `record_type`.
pub fn prepare(
    records: &Records,
    record_type: RecordType,
    id: u64,
    fields: &mut Map<String, Value>,
) -> Result<(), NsError> {
    resolve_references(records, record_type, fields)?;
    derive_defaults(records, record_type, id, fields);
    if record_type == RecordType::Customer {
        oneworld::complete_customer(records, fields);
    }
    check_mandatory(record_type, fields)?;
    oneworld::check_transaction(records, record_type, fields)?;
    if record_type.has_item_lines() {
        compute_lines(records, fields)?;
    }
    match record_type {
        RecordType::Invoice => compute_balance(records, id, fields),
        RecordType::CustomerPayment => derive_payment_amount(fields),
        _ => {}
    }
    Ok(())
}

/// The invoices a payment's `apply` lines point at.
pub fn applied_invoices(fields: &Map<String, Value>) -> Vec<u64> {
    lines(fields, "apply")
        .filter_map(|line| reference_id(field(line, "doc")?))
        .collect()
}

fn resolve_references(
    records: &Records,
    record_type: RecordType,
    fields: &mut Map<String, Value>,
) -> Result<(), NsError> {
    for reference in record_type.references() {
        let Some((key, value)) = entry_mut(fields, reference.field) else {
            continue;
        };
        *value = resolve(records, reference.target, value, &key, &key)?;
    }
    for reference in record_type.line_references() {
        let Some((sublist_key, sublist)) = entry_mut(fields, reference.sublist) else {
            continue;
        };
        let Some(lines) = sublist.get_mut("items").and_then(Value::as_array_mut) else {
            continue;
        };
        for (index, line) in lines.iter_mut().enumerate() {
            let Some((key, value)) = line
                .as_object_mut()
                .and_then(|line| entry_mut(line, reference.field))
            else {
                continue;
            };
            let path = format!("{sublist_key}.items[{index}].{key}");
            *value = resolve(records, reference.target, value, &path, &key)?;
        }
    }
    Ok(())
}

/// `{"id": 107}`, `{"id": "107"}` or `{"externalId": "CID002"}` → `{"id": "107"}`.
fn resolve(
    records: &Records,
    target: RecordType,
    value: &Value,
    path: &str,
    field: &str,
) -> Result<Value, NsError> {
    let invalid = || NsError::invalid_value(path, field, value);
    let Value::Object(object) = value else {
        return Err(invalid());
    };
    let id = match (object.get("id"), object.get("externalId")) {
        (Some(id), _) => {
            let id = reference_id(&json!({ "id": id })).ok_or_else(invalid)?;
            records.referenced(target, id).ok_or_else(invalid)?.id
        }
        (None, Some(Value::String(external))) => records
            .referenced_external(target, external)
            .ok_or_else(invalid)?,
        _ => return Err(invalid()),
    };
    Ok(json!({ "id": id.to_string() }))
}

/// The internal id of a `{"id": …}` reference, given as a string or a number.
pub fn reference_id(value: &Value) -> Option<u64> {
    match value.get("id")? {
        Value::String(text) if text.bytes().all(|b| b.is_ascii_digit()) => text.parse().ok(),
        Value::Number(number) => number.as_u64(),
        _ => None,
    }
}

fn derive_defaults(
    records: &Records,
    record_type: RecordType,
    id: u64,
    fields: &mut Map<String, Value>,
) {
    let text = |fields: &Map<String, Value>, name: &str| {
        field(fields, name)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    if matches!(record_type, RecordType::Customer | RecordType::Contact)
        && is_empty(field(fields, "entityId"))
    {
        let person = format!("{} {}", text(fields, "firstName"), text(fields, "lastName"));
        let name = match text(fields, "companyName") {
            company if !company.is_empty() && record_type == RecordType::Customer => company,
            _ => person.trim().to_owned(),
        };
        if !name.is_empty() {
            fields.insert("entityId".into(), json!(name));
        }
    }
    // Transactions take subsidiary and currency from their customer when not given.
    let owner = match record_type {
        RecordType::SalesOrder | RecordType::Invoice => "entity",
        RecordType::CustomerPayment => "customer",
        RecordType::Contact => "company",
        _ => "",
    };
    let customer = field(fields, owner)
        .and_then(reference_id)
        .and_then(|id| records.get(RecordType::Customer, id));
    if let Some(customer) = customer {
        for inherited in ["subsidiary", "currency"] {
            let wanted = record_type != RecordType::Contact || inherited == "subsidiary";
            if wanted
                && is_empty(field(fields, inherited))
                && let Some(value) = customer.field(inherited)
            {
                fields.insert(inherited.into(), value.clone());
            }
        }
    }
    if let Some(prefix) = record_type.tran_prefix() {
        if is_empty(field(fields, "tranId")) {
            fields.insert("tranId".into(), json!(format!("{prefix}{id}")));
        }
        if is_empty(field(fields, "tranDate")) {
            fields.insert(
                "tranDate".into(),
                json!(chrono::Utc::now().date_naive().to_string()),
            );
        }
    }
}

fn check_mandatory(record_type: RecordType, fields: &Map<String, Value>) -> Result<(), NsError> {
    let is_person = match field(fields, "isPerson") {
        Some(Value::Bool(flag)) => *flag,
        Some(Value::String(flag)) => flag == "T" || flag.eq_ignore_ascii_case("true"),
        _ => false,
    };
    let missing: Vec<&str> = record_type
        .mandatory(is_person)
        .iter()
        .filter(|mandatory| is_empty(field(fields, mandatory.field)))
        .map(|mandatory| mandatory.label)
        .collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(NsError::missing_values(&missing))
    }
}

/// Line amounts (`quantity × rate`, the rate defaulting to the item's base price), subtotal
/// and total (subtotal plus whatever `taxTotal` was sent).
fn compute_lines(records: &Records, fields: &mut Map<String, Value>) -> Result<(), NsError> {
    let Some(lines) = field_mut(fields, "item")
        .and_then(|sublist| sublist.get_mut("items"))
        .and_then(Value::as_array_mut)
        .filter(|lines| !lines.is_empty())
    else {
        return Err(NsError::user_error(NO_LINES));
    };
    let mut subtotal = 0.0;
    for (index, line) in lines.iter_mut().enumerate() {
        let Some(line) = line.as_object_mut() else {
            return Err(NsError::malformed_body("a sublist line must be an object")
                .at(format!("item.items[{index}]")));
        };
        let Some(item) = field(line, "item").and_then(reference_id) else {
            return Err(NsError::missing_values(&["Item"]).at(format!("item.items[{index}].item")));
        };
        let quantity = number(field(line, "quantity")).unwrap_or(1.0);
        let amount = match number(field(line, "amount")) {
            Some(amount) => amount,
            None => {
                let base_price = records
                    .referenced(RecordType::InventoryItem, item)
                    .and_then(|item| number(item.field("basePrice")));
                let Some(rate) = number(field(line, "rate")).or(base_price) else {
                    return Err(NsError::missing_values(&["Amount"])
                        .at(format!("item.items[{index}].amount")));
                };
                if is_empty(field(line, "rate")) {
                    line.insert("rate".into(), json!(rate));
                }
                round(quantity * rate)
            }
        };
        set_field(line, "amount", json!(amount));
        subtotal += amount;
    }
    let tax = number(field(fields, "taxTotal")).unwrap_or(0.0);
    set_field(fields, "subtotal", json!(round(subtotal)));
    set_field(fields, "total", json!(round(subtotal + tax)));
    Ok(())
}

/// An invoice's paid and remaining amounts come from the payments applied to it.
fn compute_balance(records: &Records, invoice: u64, fields: &mut Map<String, Value>) {
    let paid: f64 = records
        .all(RecordType::CustomerPayment)
        .flat_map(|payment| lines(&payment.fields, "apply").collect::<Vec<_>>())
        .filter(|line| field(line, "doc").and_then(reference_id) == Some(invoice))
        .filter(|line| field(line, "apply") != Some(&Value::Bool(false)))
        .filter_map(|line| number(field(line, "amount")))
        .sum();
    let total = number(field(fields, "total")).unwrap_or(0.0);
    let remaining = round(total - paid);
    let status = if total > 0.0 && remaining <= 0.0 {
        "Paid In Full"
    } else {
        "Open"
    };
    set_field(fields, "amountPaid", json!(round(paid)));
    set_field(fields, "amountRemaining", json!(remaining));
    set_field(fields, "status", json!(status));
}

fn derive_payment_amount(fields: &mut Map<String, Value>) {
    if !is_empty(field(fields, "payment")) {
        return;
    }
    let applied: f64 = lines(fields, "apply")
        .filter(|line| field(line, "apply") != Some(&Value::Bool(false)))
        .filter_map(|line| number(field(line, "amount")))
        .sum();
    fields.insert("payment".into(), json!(round(applied)));
}

fn lines<'a>(
    fields: &'a Map<String, Value>,
    sublist: &str,
) -> impl Iterator<Item = &'a Map<String, Value>> {
    field(fields, sublist)
        .and_then(|sublist| sublist.get("items"))
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_object)
}

fn entry_mut<'a>(
    fields: &'a mut Map<String, Value>,
    name: &str,
) -> Option<(String, &'a mut Value)> {
    fields
        .iter_mut()
        .find(|(key, value)| key.eq_ignore_ascii_case(name) && !value.is_null())
        .map(|(key, value)| (key.clone(), value))
}

fn is_empty(value: Option<&Value>) -> bool {
    match value {
        None | Some(Value::Null) => true,
        Some(Value::String(text)) => text.trim().is_empty(),
        Some(_) => false,
    }
}

pub fn number(value: Option<&Value>) -> Option<f64> {
    match value? {
        Value::Number(number) => number.as_f64(),
        Value::String(text) => text.trim().parse().ok(),
        _ => None,
    }
}

fn round(amount: f64) -> f64 {
    (amount * 100.0).round() / 100.0
}
