//! Describe: `GET /sobjects` (the global describe, every object the org has) and
//! `GET /sobjects/{Object}/describe` (one object's standard and custom fields with type, access,
//! External ID and uniqueness), shaped like Salesforce's DescribeGlobalResult and
//! DescribeSObjectResult. An unknown object is 404 `NOT_FOUND`.

use super::SalesforceState;
use super::custom_fields::{CustomField, CustomType};
use super::errors::{ApiError, json_response};
use super::schema::{Access, Field, Kind, SObject};
use super::sobjects::parse_object;
use super::version::ApiVersion;
use axum::Extension;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Value, json};

/// `GET /services/data/vNN.N/sobjects`.
pub async fn global(
    State(state): State<SalesforceState>,
    Extension(version): Extension<ApiVersion>,
) -> Result<Response, ApiError> {
    if let Some(kind) = state.begin("describe").await {
        return Err(ApiError::fault(kind, ""));
    }
    let sobjects: Vec<Value> = SObject::ALL
        .into_iter()
        .map(|object| object_summary(object, &version))
        .collect();
    let body = json!({ "encoding": "UTF-8", "maxBatchSize": 200, "sobjects": sobjects });
    Ok(json_response(StatusCode::OK, &body))
}

/// `GET /services/data/vNN.N/sobjects/{Object}/describe`.
pub async fn object(
    State(state): State<SalesforceState>,
    Extension(version): Extension<ApiVersion>,
    Path((_, object)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let fault = state.begin("describe").await;
    let object = parse_object(&object)?;
    if let Some(kind) = fault {
        return Err(ApiError::fault(kind, ""));
    }
    let mut fields: Vec<Value> = object
        .fields()
        .map(|field| standard_field(object, field))
        .collect();
    state.with_org(|org| {
        fields.extend(org.declared_fields().of(object).map(custom_field));
    });
    let mut body = object_summary(object, &version);
    body["fields"] = Value::Array(fields);
    Ok(json_response(StatusCode::OK, &body))
}

/// What the global describe lists for an object, and the head of its own describe.
fn object_summary(object: SObject, version: &ApiVersion) -> Value {
    let url = format!(
        "/services/data/{}/sobjects/{}",
        version.label(),
        object.name()
    );
    json!({
        "name": object.name(),
        "label": object.label(),
        "labelPlural": plural(object.label()),
        "keyPrefix": object.key_prefix(),
        "custom": false,
        "createable": true,
        "updateable": true,
        "deletable": true,
        "queryable": true,
        "retrieveable": true,
        "searchable": true,
        "urls": {
            "sobject": url,
            "describe": format!("{url}/describe"),
            "rowTemplate": format!("{url}/{{ID}}"),
        },
    })
}

fn plural(label: &str) -> String {
    match label.strip_suffix('y') {
        Some(stem) => format!("{stem}ies"),
        None => format!("{label}s"),
    }
}

fn standard_field(object: SObject, field: &Field) -> Value {
    let (kind, soap_type, length) = match field.kind {
        Kind::Id => ("id", "tns:ID", 18),
        Kind::Text => ("string", "xsd:string", 255),
        Kind::Number => ("double", "xsd:double", 0),
        Kind::Integer => ("int", "xsd:int", 0),
        Kind::Boolean => ("boolean", "xsd:boolean", 0),
        Kind::Date => ("date", "xsd:date", 0),
        Kind::DateTime => ("datetime", "xsd:dateTime", 0),
        Kind::Reference(..) | Kind::User => ("reference", "tns:ID", 18),
    };
    let (reference_to, relationship) = match field.kind {
        Kind::Reference(target, relationship) => (vec![target.name()], Some(relationship)),
        Kind::User => (vec!["User"], field.name.strip_suffix("Id")),
        _ => (Vec::new(), None),
    };
    let createable = field.access != Access::ReadOnly;
    let is_id = field.kind == Kind::Id;
    json!({
        "name": field.name,
        "label": label_of(object, field.name),
        "type": kind,
        "soapType": soap_type,
        "length": length,
        "createable": createable,
        "updateable": field.access == Access::ReadWrite,
        // Booleans are never null; required and platform-kept fields cannot be emptied.
        "nillable": !field.required && field.kind != Kind::Boolean && createable,
        "custom": false,
        "externalId": false,
        "idLookup": is_id,
        "unique": is_id,
        "calculated": false,
        "defaultedOnCreate": !createable || field.kind == Kind::Boolean,
        "filterable": true,
        "referenceTo": reference_to,
        "relationshipName": relationship,
        "picklistValues": [],
    })
}

/// `BillingCity` → `Billing City`; an id field's label is its object's (`Account ID`).
fn label_of(object: SObject, name: &str) -> String {
    if name == "Id" {
        return format!("{} ID", object.label());
    }
    let mut label = String::new();
    for (index, c) in name.char_indices() {
        let previous = name[..index].chars().last();
        if index > 0 && c.is_ascii_uppercase() && previous.is_some_and(|p| p.is_ascii_lowercase()) {
            label.push(' ');
        }
        label.push(c);
    }
    label
}

fn custom_field(field: &CustomField) -> Value {
    let (kind, soap_type, length, precision, scale) = match field.kind {
        CustomType::Text(length) => ("string", "xsd:string", length, 0, 0),
        CustomType::Currency => ("currency", "xsd:double", 0, 18, 2),
        CustomType::Number => ("double", "xsd:double", 0, 18, 2),
        CustomType::Date => ("date", "xsd:date", 0, 0, 0),
        CustomType::Checkbox => ("boolean", "xsd:boolean", 0, 0, 0),
        CustomType::Picklist(_) => ("picklist", "xsd:string", 255, 0, 0),
    };
    let picklist: Vec<Value> = match field.kind {
        CustomType::Picklist(values) => values
            .iter()
            .map(|value| json!({ "active": true, "defaultValue": false, "label": value, "value": value }))
            .collect(),
        _ => Vec::new(),
    };
    json!({
        "name": field.name,
        "label": field.label,
        "type": kind,
        "soapType": soap_type,
        "length": length,
        "precision": precision,
        "scale": scale,
        "createable": true,
        "updateable": true,
        "nillable": field.kind != CustomType::Checkbox,
        "custom": true,
        "externalId": field.external_id,
        // External ID fields are indexed, so a record can be looked up by them.
        "idLookup": field.external_id,
        "unique": field.unique,
        "calculated": false,
        "defaultedOnCreate": field.kind == CustomType::Checkbox,
        "filterable": true,
        "referenceTo": [],
        "relationshipName": null,
        "picklistValues": picklist,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_read_like_salesforce_labels() {
        assert_eq!(label_of(SObject::Account, "BillingCity"), "Billing City");
        assert_eq!(label_of(SObject::Account, "Id"), "Account ID");
        assert_eq!(plural("Opportunity"), "Opportunities");
        assert_eq!(plural("Price Book"), "Price Books");
    }
}
