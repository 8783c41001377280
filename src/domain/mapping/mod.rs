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
mod tax;
mod transform;

#[cfg(test)]
mod tests;

pub use error::{FieldProblem, MappingError};
pub use field::{FieldMapping, FlowMapping, Scope};
pub use flow::{Flow, UnknownFlow};
pub use hash::fields_hash;
pub use tax::is_tax_field;

use serde::Deserialize;
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use transform::Tables;

/// The system that masters a field group: its values win, and the other system's writes never
/// touch the group's fields.
pub type Master = crate::domain::SourceSystem;

/// Where new NetSuite records in one currency go: `[currencies] EUR = { subsidiary, currency }`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CurrencyTarget {
    /// NetSuite subsidiary internal id.
    pub subsidiary: String,
    /// NetSuite currency internal id.
    pub currency: String,
}

/// A checked mapping file.
#[derive(Debug, Clone)]
pub struct Mapping {
    default_subsidiary: String,
    currencies: BTreeMap<String, CurrencyTarget>,
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

    /// The NetSuite subsidiary and currency for a Salesforce `CurrencyIsoCode` (any case).
    pub fn currency(&self, iso_code: &str) -> Option<&CurrencyTarget> {
        self.currencies
            .get(iso_code.trim().to_ascii_uppercase().as_str())
    }

    /// Every `[currencies]` entry: ISO code and its NetSuite subsidiary and currency.
    pub fn currencies(&self) -> impl Iterator<Item = (&str, &CurrencyTarget)> {
        self.currencies
            .iter()
            .map(|(iso, target)| (iso.as_str(), target))
    }

    /// The subsidiary of new customers whose currency has no `[currencies]` entry.
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
