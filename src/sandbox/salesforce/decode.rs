//! Request bodies to field values: JSON body reading (content type, parser errors), field
//! names resolved against the schema, and each value coerced to its field's type the way
//! Salesforce's JSON deserializer does. Failures here refuse the whole request.

use super::errors::ApiError;
use super::ids;
use super::schema::{self, Field, Kind, SObject};
use axum::http::{HeaderMap, StatusCode, header};
use chrono::{DateTime, NaiveDate, Utc};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// Field values keyed by canonical field name.
pub type Fields = Map<String, Value>;

/// A field of an object: a standard one, or a custom one under its canonical spelling.
#[derive(Debug, Clone)]
pub enum FieldRef {
    Standard(&'static Field),
    Custom(String),
}

impl FieldRef {
    pub fn name(&self) -> &str {
        match self {
            FieldRef::Standard(field) => field.name,
            FieldRef::Custom(name) => name,
        }
    }

    /// The field's type; custom fields take whatever scalar they are given (their declared
    /// type is what describe shows, not a check on values).
    pub fn kind(&self) -> Option<Kind> {
        match self {
            FieldRef::Standard(field) => Some(field.kind),
            FieldRef::Custom(_) => None,
        }
    }
}

/// The body of a PATCH or POST as a JSON value, refused as Salesforce refuses it.
pub fn json_body(headers: &HeaderMap, body: &[u8]) -> Result<Value, ApiError> {
    if let Some(content_type) = headers.get(header::CONTENT_TYPE) {
        let text = content_type.to_str().unwrap_or_default();
        let media = text.split(';').next().unwrap_or_default().trim();
        if !media.eq_ignore_ascii_case("application/json") {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "UNSUPPORTED_MEDIA_TYPE",
                format!("MediaType of '{media}' is not supported by this resource"),
            ));
        }
    }
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::json_parser(
            "The HTTP entity body is required, but this request has no entity body.",
        ));
    }
    serde_json::from_slice(body).map_err(|error| {
        ApiError::json_parser(format!(
            "{} at [line:{}, column:{}]",
            strip_position(&error.to_string()),
            error.line(),
            error.column()
        ))
    })
}

fn strip_position(message: &str) -> &str {
    message.split(" at line ").next().unwrap_or(message)
}

/// `json_body` that must be a JSON object (one record).
pub fn json_object(headers: &HeaderMap, body: &[u8]) -> Result<Map<String, Value>, ApiError> {
    match json_body(headers, body)? {
        Value::Object(map) => Ok(map),
        other => Err(ApiError::json_parser(format!(
            "Cannot deserialize instance of sobject from {} value or request may be missing a required field",
            token(&other)
        ))),
    }
}

/// Resolves `name` on `object`; `custom` maps the lower-case names of the custom fields the
/// object declares to their spelling. A custom name it does not declare resolves to nothing.
pub fn resolve(
    object: SObject,
    name: &str,
    custom: Option<&BTreeMap<String, String>>,
) -> Option<FieldRef> {
    if let Some(field) = object.field(name) {
        return Some(FieldRef::Standard(field));
    }
    let canonical = schema::custom_field_name(name)?;
    custom?
        .get(&canonical.to_ascii_lowercase())
        .cloned()
        .map(FieldRef::Custom)
}

/// A record body (minus `attributes`) as typed field values.
pub fn fields(
    object: SObject,
    body: &Map<String, Value>,
    custom: Option<&BTreeMap<String, String>>,
) -> Result<Fields, ApiError> {
    let mut fields = Fields::new();
    for (name, value) in body {
        if name == "attributes" {
            continue;
        }
        let field =
            resolve(object, name, custom).ok_or_else(|| ApiError::no_such_column(object, name))?;
        let value = coerce(&field, value)?;
        fields.insert(field.name().to_owned(), value);
    }
    Ok(fields)
}

/// One value for one field, normalised (numbers to doubles, ids to 18 characters, datetimes
/// to Salesforce's format).
pub fn coerce(field: &FieldRef, value: &Value) -> Result<Value, ApiError> {
    if value.is_null() {
        return Ok(Value::Null);
    }
    let Some(kind) = field.kind() else {
        return match value {
            Value::Array(_) | Value::Object(_) => Err(cannot_deserialize("string", value)),
            scalar => Ok(scalar.clone()),
        };
    };
    let text = match value {
        Value::String(text) => Some(text.as_str()),
        _ => None,
    };
    match kind {
        Kind::Text => match value {
            Value::String(_) => Ok(value.clone()),
            Value::Number(n) => Ok(Value::String(n.to_string())),
            Value::Bool(b) => Ok(Value::String(b.to_string())),
            _ => Err(cannot_deserialize("string", value)),
        },
        Kind::Number => value
            .as_f64()
            .or_else(|| text.and_then(|t| t.trim().parse::<f64>().ok()))
            .filter(|n| n.is_finite())
            .map(Value::from)
            .ok_or_else(|| cannot_deserialize("double", value)),
        Kind::Integer => value
            .as_i64()
            .or_else(|| {
                value
                    .as_f64()
                    .filter(|n| n.fract() == 0.0)
                    .map(|n| n as i64)
            })
            .or_else(|| text.and_then(|t| t.trim().parse::<i64>().ok()))
            .map(Value::from)
            .ok_or_else(|| cannot_deserialize("int", value)),
        Kind::Boolean => match (value, text.map(str::to_ascii_lowercase).as_deref()) {
            (Value::Bool(b), _) => Ok(Value::Bool(*b)),
            (_, Some("true")) => Ok(Value::Bool(true)),
            (_, Some("false")) => Ok(Value::Bool(false)),
            _ => Err(cannot_deserialize("boolean", value)),
        },
        Kind::Date => text
            .and_then(|t| NaiveDate::parse_from_str(t, "%Y-%m-%d").ok())
            .map(|d| Value::String(d.format("%Y-%m-%d").to_string()))
            .ok_or_else(|| cannot_deserialize("date", value)),
        Kind::DateTime => text
            .and_then(parse_datetime)
            .map(|dt| Value::String(format_datetime(dt)))
            .ok_or_else(|| cannot_deserialize("datetime", value)),
        Kind::Id | Kind::User | Kind::Reference(..) => {
            let normalized = text.and_then(ids::normalize);
            match normalized {
                Some(id) => Ok(Value::String(id)),
                None => {
                    let label = match kind {
                        Kind::Reference(target, _) => target.label(),
                        Kind::User => "User",
                        _ => "Record",
                    };
                    let shown = text.map(str::to_owned).unwrap_or_else(|| value.to_string());
                    Err(ApiError::new(
                        StatusCode::BAD_REQUEST,
                        "MALFORMED_ID",
                        format!("{label} ID: id value of incorrect type: {shown}"),
                    )
                    .with_fields(&[field.name()]))
                }
            }
        }
    }
}

fn cannot_deserialize(type_name: &str, value: &Value) -> ApiError {
    let shown = match value {
        Value::String(text) => text.clone(),
        Value::Array(_) => "[".into(),
        Value::Object(_) => "{".into(),
        other => other.to_string(),
    };
    ApiError::json_parser(format!(
        "Cannot deserialize instance of {type_name} from {} value {shown} or request may be missing a required field",
        token(value)
    ))
}

fn token(value: &Value) -> &'static str {
    match value {
        Value::Null => "VALUE_NULL",
        Value::Bool(true) => "VALUE_TRUE",
        Value::Bool(false) => "VALUE_FALSE",
        Value::Number(n) if n.is_f64() => "VALUE_NUMBER_FLOAT",
        Value::Number(_) => "VALUE_NUMBER_INT",
        Value::String(_) => "VALUE_STRING",
        Value::Array(_) => "START_ARRAY",
        Value::Object(_) => "START_OBJECT",
    }
}

/// Salesforce's datetime format: `2026-11-27T10:15:02.000+0000` (whole seconds: the platform
/// keeps no milliseconds on audit fields).
pub fn format_datetime(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%dT%H:%M:%S.000+0000").to_string()
}

/// The same instant as an Outbound Message (`xsd:dateTime`) shows it.
pub fn soap_datetime(text: &str) -> Option<String> {
    parse_datetime(text).map(|at| at.format("%Y-%m-%dT%H:%M:%S.000Z").to_string())
}

/// Accepts RFC 3339 and Salesforce's `+0000` form.
pub fn parse_datetime(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text)
        .or_else(|_| DateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f%z"))
        .ok()
        .map(|at| at.with_timezone(&Utc))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn standard(object: SObject, name: &str) -> FieldRef {
        FieldRef::Standard(object.field(name).unwrap())
    }

    #[test]
    fn values_are_coerced_to_their_field_types() {
        let quantity = standard(SObject::OpportunityLineItem, "Quantity");
        assert_eq!(coerce(&quantity, &json!(5)).unwrap().to_string(), "5.0");
        assert_eq!(coerce(&quantity, &json!("2.5")).unwrap(), json!(2.5));
        let close = standard(SObject::Opportunity, "CloseDate");
        assert!(coerce(&close, &json!("2026-13-01")).is_err());
        let modified = standard(SObject::Account, "LastModifiedDate");
        assert_eq!(
            coerce(&modified, &json!("2026-11-27T11:15:02+01:00")).unwrap(),
            json!("2026-11-27T10:15:02.000+0000")
        );
    }

    #[test]
    fn a_malformed_lookup_id_names_the_field() {
        let account = standard(SObject::Contact, "AccountId");
        let error = coerce(&account, &json!("nope")).unwrap_err();
        assert_eq!(error.items[0].error_code, "MALFORMED_ID");
        assert_eq!(
            error.items[0].message,
            "Account ID: id value of incorrect type: nope"
        );
        assert_eq!(error.items[0].fields, Some(vec!["AccountId".to_owned()]));
    }

    #[test]
    fn unknown_standard_fields_and_undeclared_custom_ones_are_refused() {
        let declared = super::super::custom_fields::CustomFields::default();
        let custom = declared.names(SObject::Account);
        let body = json!({"attributes": {"type": "Account"}, "Name": "Acme", "netsuite_id__C": 7});
        let fields = fields(SObject::Account, body.as_object().unwrap(), custom).unwrap();
        assert_eq!(fields["NetSuite_Id__c"], json!(7));
        let body = json!({"Nmae": "Acme"});
        let error = super::fields(SObject::Account, body.as_object().unwrap(), custom).unwrap_err();
        assert_eq!(
            error.items[0].message,
            "No such column 'Nmae' on sobject of type Account"
        );
        let body = json!({"Name": "Acme", "Legacy_Key__c": "L-1"});
        let error = super::fields(SObject::Account, body.as_object().unwrap(), custom).unwrap_err();
        assert_eq!(error.status, StatusCode::BAD_REQUEST);
        assert_eq!(error.items[0].error_code, "INVALID_FIELD");
        assert_eq!(
            error.items[0].message,
            "No such column 'Legacy_Key__c' on sobject of type Account"
        );
    }
}
