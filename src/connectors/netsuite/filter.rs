//! The record collections' `q=` filters (`email END_WITH "@acme.com" AND isInactive IS false`)
//! built from typed parts: field names are checked and values quoted here, nowhere else.

/// Conditions joined by `AND`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    conditions: Vec<String>,
    names_ok: bool,
}

impl Filter {
    pub fn new() -> Self {
        Self {
            conditions: Vec::new(),
            names_ok: true,
        }
    }

    fn condition(mut self, field: &str, operator: &str, value: String) -> Self {
        self.names_ok &= is_name(field);
        self.conditions.push(format!("{field} {operator} {value}"));
        self
    }

    /// `field IS "value"` (exact text).
    pub fn is(self, field: &str, value: &str) -> Self {
        self.condition(field, "IS", quote(value))
    }

    /// `field CONTAIN "value"`.
    pub fn contains(self, field: &str, value: &str) -> Self {
        self.condition(field, "CONTAIN", quote(value))
    }

    /// `field END_WITH "value"`.
    pub fn ends_with(self, field: &str, value: &str) -> Self {
        self.condition(field, "END_WITH", quote(value))
    }

    /// `field EQUAL 123` (a number or a record's internal id); `None` when `id` is not a number.
    pub fn equals_id(self, field: &str, id: &str) -> Option<Self> {
        (!id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()))
            .then(|| self.condition(field, "EQUAL", id.to_owned()))
    }

    /// The `q=` text, or `None` when a field is not an API name.
    pub fn text(&self) -> Option<String> {
        (self.names_ok && !self.conditions.is_empty()).then(|| self.conditions.join(" AND "))
    }
}

fn is_name(name: &str) -> bool {
    !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// NetSuite's filter strings are double-quoted and have no escape: a quote inside a value is
/// dropped (it could only end the string early).
fn quote(value: &str) -> String {
    format!("\"{}\"", value.replace('"', ""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_quote_values_and_refuse_odd_names() {
        let filter = Filter::new()
            .contains("url", "acme.com\" OR id ANY_OF [1")
            .ends_with("email", "@acme.com");
        assert_eq!(
            filter.text().as_deref(),
            Some("url CONTAIN \"acme.com OR id ANY_OF [1\" AND email END_WITH \"@acme.com\"")
        );
        assert_eq!(Filter::new().is("a b", "x").text(), None);
        assert_eq!(Filter::new().equals_id("entity", "13 OR 1"), None);
        assert_eq!(
            Filter::new()
                .equals_id("entity", "13")
                .and_then(|f| f.text()),
            Some("entity EQUAL 13".to_owned())
        );
    }
}
