//! Tests of the mapping as a whole: the shipped file, transforms, scopes, checks and the hash.

mod hash;
mod scopes;
mod shipped;
mod transforms;
mod validation;

use super::*;
use serde_json::{Map, Value};

/// A valid file head (groups, a table) followed by `flows`.
fn file_with(flows: &str) -> String {
    format!(
        r#"
version = 1
[netsuite]
default_subsidiary = "1"
[currencies]
USD = {{ subsidiary = "1", currency = "1" }}
[groups]
identity = "salesforce"
finance = "netsuite"
[tables.invoice_status]
open = "Open"
paidInFull = "Paid"
{flows}
"#
    )
}

/// A mapping whose `account_to_customer` flow has the one field entry `field` (TOML body).
fn one_field(field: &str) -> Result<Mapping, MappingError> {
    Mapping::parse(&file_with(&format!(
        "[[flows.account_to_customer.fields]]\n{field}"
    )))
}

/// The value `transforms` make of `value` (a one-field mapping from `In` to `out`).
fn transformed(transforms: &str, value: Value) -> Result<Value, MappingError> {
    let mapping = one_field(&format!(
        "source = \"In\"\ntarget = \"out\"\ngroup = \"identity\"\ntransforms = {transforms}"
    ))
    .expect("the test mapping checks");
    let mapped = mapping.map(
        Flow::AccountToCustomer,
        &record(serde_json::json!({ "In": value })),
        Scope::All,
    )?;
    Ok(mapped.get("out").cloned().unwrap_or(Value::Null))
}

fn record(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        other => panic!("a record is a JSON object, not {other}"),
    }
}
