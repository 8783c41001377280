//! SOQL built from typed parts: field and object names are checked, values are quoted here and
//! nowhere else, so no caller formats a query string.

use crate::connectors::error::{ConnectorError, ErrorClass, System};

/// `SELECT fields FROM object [WHERE a AND b …]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Select {
    fields: Vec<String>,
    object: String,
    conditions: Vec<String>,
    names_ok: bool,
}

impl Select {
    pub fn new(object: &str, fields: &[&str]) -> Self {
        let names_ok = is_name(object) && fields.iter().all(|field| is_name(field));
        Self {
            fields: fields.iter().map(|field| (*field).to_owned()).collect(),
            object: object.to_owned(),
            conditions: Vec::new(),
            names_ok,
        }
    }

    fn condition(mut self, field: &str, operator: &str, literal: String) -> Self {
        self.names_ok &= is_name(field);
        self.conditions
            .push(format!("{field} {operator} {literal}"));
        self
    }

    /// `field = 'value'`.
    pub fn eq(self, field: &str, value: &str) -> Self {
        self.condition(field, "=", quote(value))
    }

    /// `field = true|false`.
    pub fn is(self, field: &str, value: bool) -> Self {
        self.condition(field, "=", value.to_string())
    }

    /// `field >= 2026-01-01T00:00:00Z` (a datetime field, e.g. `SystemModstamp`).
    pub fn at_or_after(self, field: &str, time: chrono::DateTime<chrono::Utc>) -> Self {
        let literal = time.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        self.condition(field, ">=", literal)
    }

    /// `field LIKE '%value%'`, the value's own `%` and `_` matched literally.
    pub fn contains(self, field: &str, value: &str) -> Self {
        let escaped = value
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_");
        self.condition(field, "LIKE", quote_escaped(&format!("%{escaped}%")))
    }

    /// `field IN ('a', 'b')`; nothing matches an empty list.
    pub fn any_of(self, field: &str, values: &[String]) -> Self {
        let list = if values.is_empty() {
            "(null)".to_owned()
        } else {
            let quoted: Vec<String> = values.iter().map(|v| quote(v)).collect();
            format!("({})", quoted.join(", "))
        };
        self.condition(field, "IN", list)
    }

    /// The query text; an error when a field or object name is not an API name.
    pub fn soql(&self) -> Result<String, ConnectorError> {
        if !self.names_ok || self.fields.is_empty() {
            return Err(ConnectorError::new(
                System::Salesforce,
                ErrorClass::Permanent,
                format!(
                    "not a SOQL query over API names: {} of {}",
                    self.fields.join(", "),
                    self.object
                ),
            ));
        }
        let mut text = format!("SELECT {} FROM {}", self.fields.join(", "), self.object);
        if !self.conditions.is_empty() {
            text.push_str(" WHERE ");
            text.push_str(&self.conditions.join(" AND "));
        }
        Ok(text)
    }
}

/// An API name or a relationship path (`Product2.ProductCode`).
fn is_name(name: &str) -> bool {
    !name.is_empty()
        && name.split('.').all(|part| {
            !part.is_empty() && part.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        })
}

/// A SOQL string literal: backslash and quote escaped.
fn quote(value: &str) -> String {
    quote_escaped(&value.replace('\\', "\\\\"))
}

/// A literal whose backslashes are already escapes (LIKE patterns).
fn quote_escaped(value: &str) -> String {
    format!("'{}'", value.replace('\'', "\\'"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_quoted_and_names_are_checked() {
        let query = Select::new("Account", &["Id", "Name"])
            .eq("NetSuite_Id__c", "1'0\\1")
            .contains("Website", "a_b%")
            .is("IsStandard", true)
            .any_of("Id", &["001A".into(), "001B".into()]);
        assert_eq!(
            query.soql().unwrap(),
            "SELECT Id, Name FROM Account WHERE NetSuite_Id__c = '1\\'0\\\\1' AND Website LIKE '%a\\_b\\%%' AND IsStandard = true AND Id IN ('001A', '001B')"
        );
        assert!(
            Select::new("Account", &["Id"])
                .eq("Name = 'x' OR Id", "1")
                .soql()
                .is_err()
        );
        assert!(Select::new("Account;", &["Id"]).soql().is_err());
        assert_eq!(
            Select::new("OpportunityLineItem", &["Product2.ProductCode"])
                .soql()
                .unwrap(),
            "SELECT Product2.ProductCode FROM OpportunityLineItem"
        );
    }

    #[test]
    fn a_time_bound_is_an_unquoted_utc_datetime_literal() {
        let since = chrono::DateTime::parse_from_rfc3339("2026-03-01T08:30:00+02:00")
            .unwrap()
            .with_timezone(&chrono::Utc);
        assert_eq!(
            Select::new("Account", &["Id"])
                .at_or_after("SystemModstamp", since)
                .soql()
                .unwrap(),
            "SELECT Id FROM Account WHERE SystemModstamp >= 2026-03-01T06:30:00Z"
        );
    }
}
