//! Which custom fields the emulated orgs have beyond the defaults: `--without-field` leaves a
//! declared one out (to see what tandem does when an admin forgot to create it), and tests may
//! declare one more. Both name a field as `<system>:<Object>.<field>`.

use std::fmt;
use std::str::FromStr;

/// The emulated system a field belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldSystem {
    Salesforce,
    Netsuite,
}

/// `salesforce:Account.NetSuite_Id__c` or `netsuite:customer.custentity_sf_account_id`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldName {
    pub system: FieldSystem,
    /// The sObject API name or the NetSuite record type (any case).
    pub object: String,
    pub field: String,
}

impl FieldName {
    /// Whether this names `field` of `object` in `system` (names compare case-insensitively).
    pub fn names(&self, system: FieldSystem, object: &str, field: &str) -> bool {
        self.system == system
            && self.object.eq_ignore_ascii_case(object)
            && self.field.eq_ignore_ascii_case(field)
    }
}

/// A field name that is not `<system>:<Object>.<field>`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{0:?} is not <system>:<Object>.<field> (e.g. salesforce:Account.NetSuite_Id__c or netsuite:customer.custentity_sf_account_id)"
)]
pub struct BadFieldName(String);

impl FromStr for FieldName {
    type Err = BadFieldName;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let bad = || BadFieldName(text.to_owned());
        let (system, rest) = text.split_once(':').ok_or_else(bad)?;
        let system = match system.trim().to_ascii_lowercase().as_str() {
            "salesforce" => FieldSystem::Salesforce,
            "netsuite" => FieldSystem::Netsuite,
            _ => return Err(bad()),
        };
        let (object, field) = rest.split_once('.').ok_or_else(bad)?;
        let plain =
            |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !plain(object) || !plain(field) {
            return Err(bad());
        }
        Ok(FieldName {
            system,
            object: object.to_owned(),
            field: field.to_owned(),
        })
    }
}

impl fmt::Display for FieldName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let system = match self.system {
            FieldSystem::Salesforce => "salesforce",
            FieldSystem::Netsuite => "netsuite",
        };
        write!(f, "{system}:{}.{}", self.object, self.field)
    }
}

/// Changes to the declared custom fields for one run of the sandbox.
#[derive(Debug, Clone, Default)]
pub struct FieldChanges {
    /// Declared fields the orgs do not have this run.
    pub without: Vec<FieldName>,
    /// Custom fields the orgs have besides the declared ones: Salesforce text fields marked
    /// External ID and unique, NetSuite free-form text fields.
    pub extra: Vec<FieldName>,
}

impl FieldChanges {
    pub fn is_left_out(&self, system: FieldSystem, object: &str, field: &str) -> bool {
        self.without
            .iter()
            .any(|name| name.names(system, object, field))
    }

    /// The extra fields of `object` in `system`.
    pub fn extra_for<'a>(
        &'a self,
        system: FieldSystem,
        object: &'a str,
    ) -> impl Iterator<Item = &'a str> + 'a {
        self.extra
            .iter()
            .filter(move |name| name.system == system && name.object.eq_ignore_ascii_case(object))
            .map(|name| name.field.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_names_read_system_object_and_field() {
        let name: FieldName = "salesforce:Account.NetSuite_Id__c".parse().unwrap();
        assert_eq!(name.system, FieldSystem::Salesforce);
        assert!(name.names(FieldSystem::Salesforce, "account", "netsuite_id__c"));
        assert!(!name.names(FieldSystem::Netsuite, "Account", "NetSuite_Id__c"));
        let name: FieldName = "NetSuite:customer.custentity_sf_account_id"
            .parse()
            .unwrap();
        assert_eq!(
            name.to_string(),
            "netsuite:customer.custentity_sf_account_id"
        );
        for bad in [
            "Account.NetSuite_Id__c",
            "oracle:customer.x",
            "salesforce:Account",
            "salesforce:.x",
            "salesforce:Account.a b",
        ] {
            assert!(bad.parse::<FieldName>().is_err(), "{bad}");
        }
    }
}
