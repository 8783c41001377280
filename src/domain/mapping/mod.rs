//! The field mapping: which field of one system becomes which field of the other, through which
//! transforms, and which system masters each field group. Pure data and pure functions; the only
//! I/O is [`Mapping::load`] reading the file.
//!
//! `mapping.toml` (shipped at the repository root, documented there key by key) parses into a
//! checked [`Mapping`]: every problem a file can have (unknown flow, group, transform or table, a
//! field with both or neither `source` and `value`, a target mapped twice, a tax field) is found
//! at load, naming the flow and field. A worker then maps a record with
//! [`FlowMapping::map`] under a [`Scope`], and the echo ledger hashes fields with
//! [`fields_hash`].

mod date;
mod decimal;
mod error;
mod field;
mod file;
mod flow;
mod hash;
mod record_fields;
mod tax;
mod transform;

#[cfg(test)]
mod tests;

pub use error::{FieldProblem, MappingError};
pub use field::{FieldMapping, FlowMapping, Scope};
pub use flow::{Flow, UnknownFlow};
pub use hash::fields_hash;
pub use record_fields::RecordFields;
pub use tax::is_tax_field;

use serde::Deserialize;
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use transform::Tables;

/// The system that masters a field group: its values win, and the other system's writes never
/// touch the group's fields.
pub type Master = crate::domain::System;

/// An override for one Salesforce currency: `[currencies] EUR = { currency = "4", subsidiary = "3" }`.
/// Without one, tandem finds the currency by its ISO code among NetSuite's currency records and
/// takes the customer's own subsidiary.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CurrencyOverride {
    /// NetSuite currency internal id, instead of the one found by symbol.
    pub currency: Option<String>,
    /// The subsidiary preferred for this currency, when it is one of the customer's own
    /// subsidiaries (NetSuite refuses any other) and for new customers.
    pub subsidiary: Option<String>,
}

/// A checked mapping file.
#[derive(Debug, Clone)]
pub struct Mapping {
    default_subsidiary: String,
    currencies: BTreeMap<String, CurrencyOverride>,
    record_fields: RecordFields,
    groups: BTreeMap<String, Master>,
    tables: Arc<Tables>,
    flows: [FlowMapping; Flow::ALL.len()],
}

impl Mapping {
    /// Parses and checks the text of a mapping file.
    pub fn parse(text: &str) -> Result<Mapping, MappingError> {
        file::parse(text)
    }

    /// Reads, parses and checks the mapping file at `path`.
    pub fn load(path: impl AsRef<Path>) -> Result<Mapping, MappingError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|source| MappingError::Read {
            path: path.to_owned(),
            source,
        })?;
        Mapping::parse(&text)
    }

    /// The mapping shipped with tandem (the repository's `mapping.toml`, compiled in).
    ///
    /// # Panics
    /// When the shipped file does not check, which a unit test rules out.
    pub fn shipped() -> Mapping {
        const SHIPPED: &str = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/mapping.toml"));
        Mapping::parse(SHIPPED)
            .unwrap_or_else(|error| panic!("the shipped mapping.toml is broken: {error}"))
    }

    /// The fields of one flow; a flow the file does not list has none (it maps nothing).
    pub fn flow(&self, flow: Flow) -> &FlowMapping {
        &self.flows[flow.index()]
    }

    /// Maps one record of `flow`'s source system: shorthand for `self.flow(flow).map(…)`.
    pub fn map(
        &self,
        flow: Flow,
        record: &Map<String, Value>,
        scope: Scope,
    ) -> Result<Map<String, Value>, MappingError> {
        self.flow(flow).map(record, scope)
    }

    /// The `[currencies]` override for a Salesforce `CurrencyIsoCode` (any case), if any.
    pub fn currency(&self, iso_code: &str) -> Option<&CurrencyOverride> {
        self.currencies
            .get(iso_code.trim().to_ascii_uppercase().as_str())
    }

    /// Every `[currencies]` override: ISO code and what it sets.
    pub fn currencies(&self) -> impl Iterator<Item = (&str, &CurrencyOverride)> {
        self.currencies
            .iter()
            .map(|(iso, target)| (iso.as_str(), target))
    }

    /// The names of the fields tandem keeps on records (`[record_fields]`).
    pub fn record_fields(&self) -> &RecordFields {
        &self.record_fields
    }

    /// The subsidiary of new customers (unless their currency's override names one).
    pub fn default_subsidiary(&self) -> &str {
        &self.default_subsidiary
    }

    /// The system that masters `group`; `None` for a group the file does not define.
    pub fn master_of(&self, group: &str) -> Option<Master> {
        self.groups.get(group).copied()
    }

    /// The field groups and their masters.
    pub fn groups(&self) -> &BTreeMap<String, Master> {
        &self.groups
    }

    /// The value table `name` of `[tables]`.
    pub fn table(&self, name: &str) -> Option<&BTreeMap<String, Value>> {
        self.tables.get(name)
    }
}
