//! SuiteQL (`POST /services/rest/query/v1/suiteql`, `Prefer: transient`): queries built from
//! typed parts, values quoted here, every page followed.

use crate::connectors::error::{ConnectorError, ErrorClass, System};
use chrono::{DateTime, Utc};

/// `TO_TIMESTAMP('2026-12-01 10:00:00', 'YYYY-MM-DD HH24:MI:SS')`.
fn timestamp(time: DateTime<Utc>) -> String {
    format!(
        "TO_TIMESTAMP('{}', 'YYYY-MM-DD HH24:MI:SS')",
        time.format("%Y-%m-%d %H:%M:%S")
    )
}

/// `SELECT columns FROM table [WHERE a AND b …]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SuiteQl {
    columns: Vec<String>,
    table: String,
    conditions: Vec<String>,
    names_ok: bool,
}

impl SuiteQl {
    pub fn select(table: &str, columns: &[&str]) -> Self {
        Self {
            columns: columns.iter().map(|c| (*c).to_owned()).collect(),
            table: table.to_owned(),
            conditions: Vec::new(),
            names_ok: is_name(table) && columns.iter().all(|c| is_name(c)),
        }
    }

    fn condition(mut self, column: &str, rest: String) -> Self {
        self.names_ok &= is_name(column);
        self.conditions.push(format!("{column} {rest}"));
        self
    }

    /// `column = 'text'`.
    pub fn eq(self, column: &str, value: &str) -> Self {
        self.condition(column, format!("= {}", quote(value)))
    }

    /// `column = 123`: an internal id; a value that is not a number makes the query invalid.
    pub fn eq_id(mut self, column: &str, id: &str) -> Self {
        self.names_ok &= !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit());
        self.condition(column, format!("= {id}"))
    }

    /// `column IN (1, 2, …)`: internal ids; nothing matches an empty list.
    pub fn any_id(mut self, column: &str, ids: &[String]) -> Self {
        self.names_ok &= ids
            .iter()
            .all(|id| !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()));
        let list = if ids.is_empty() {
            "NULL".to_owned()
        } else {
            ids.join(", ")
        };
        self.condition(column, format!("IN ({list})"))
    }

    /// `column >= TO_TIMESTAMP(…)`: a date-time column at or after `from` (read in the
    /// session's time zone, as [`SuiteQl::between`] says).
    pub fn at_or_after(self, column: &str, from: DateTime<Utc>) -> Self {
        self.condition(column, format!(">= {}", timestamp(from)))
    }

    /// `column >= TO_TIMESTAMP(…)` and `column < TO_TIMESTAMP(…)`: a date-time column within
    /// `[from, until)`. NetSuite reads the time in the session's time zone (the integration
    /// user's preference); callers widen windows to cover the offset.
    pub fn between(self, column: &str, from: DateTime<Utc>, until: DateTime<Utc>) -> Self {
        self.at_or_after(column, from)
            .condition(column, format!("< {}", timestamp(until)))
    }

    /// The query text.
    pub fn text(&self) -> Result<String, ConnectorError> {
        if !self.names_ok || self.columns.is_empty() {
            return Err(ConnectorError::new(
                System::Netsuite,
                ErrorClass::Permanent,
                format!(
                    "not a SuiteQL query over column names and ids: {} of {}",
                    self.columns.join(", "),
                    self.table
                ),
            ));
        }
        let mut text = format!("SELECT {} FROM {}", self.columns.join(", "), self.table);
        if !self.conditions.is_empty() {
            text.push_str(" WHERE ");
            text.push_str(&self.conditions.join(" AND "));
        }
        Ok(text)
    }
}

fn is_name(name: &str) -> bool {
    !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// A SuiteQL string literal: single quotes, a quote inside doubled.
fn quote(value: &str) -> String {
    format!("'{}'", value.replace('\'', "''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_quoted_and_ids_must_be_numbers() {
        let query = SuiteQl::select("item", &["id", "itemtype"]).eq("itemid", "O'Brien");
        assert_eq!(
            query.text().unwrap(),
            "SELECT id, itemtype FROM item WHERE itemid = 'O''Brien'"
        );
        let relation = SuiteQl::select("customersubsidiaryrelationship", &["subsidiary"])
            .eq_id("entity", "42");
        assert_eq!(
            relation.text().unwrap(),
            "SELECT subsidiary FROM customersubsidiaryrelationship WHERE entity = 42"
        );
        assert!(
            SuiteQl::select("item", &["id"])
                .eq_id("entity", "1 OR 1=1")
                .text()
                .is_err()
        );
        assert!(SuiteQl::select("item", &["id, (SELECT"]).text().is_err());
    }

    #[test]
    fn a_time_window_is_two_timestamp_bounds() {
        let from = "2026-12-01T10:00:00Z".parse().unwrap();
        let until = "2026-12-01T10:15:30Z".parse().unwrap();
        assert_eq!(
            SuiteQl::select("customer", &["id"])
                .between("lastmodifieddate", from, until)
                .text()
                .unwrap(),
            "SELECT id FROM customer WHERE lastmodifieddate >= TO_TIMESTAMP('2026-12-01 10:00:00', 'YYYY-MM-DD HH24:MI:SS') AND lastmodifieddate < TO_TIMESTAMP('2026-12-01 10:15:30', 'YYYY-MM-DD HH24:MI:SS')"
        );
    }
}
