//! Why a mapping file was refused, or why one record could not be mapped.

use super::flow::Flow;
use serde_json::Value;
use std::path::PathBuf;

/// A mapping file that cannot be used, or a record that cannot be mapped.
///
/// Every problem tied to one field names the flow and the field as `source → target`, so the
/// line in `mapping.toml` (or the value in the record) can be found from the message alone:
/// `mapping: flow opportunity_to_sales_order, field CloseDate → trandate: "31/31/2026" is not a date`.
#[derive(Debug, thiserror::Error)]
pub enum MappingError {
    /// The file could not be read.
    #[error("mapping: cannot read {path}: {source}", path = path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The file is not TOML, or a key has the wrong type or an unknown name.
    #[error("mapping: {0}")]
    Syntax(String),
    /// `version` is not one this build reads.
    #[error("mapping: version {found} is not supported (this tandem reads version 1)")]
    UnsupportedVersion { found: i64 },
    /// A `[flows.<name>]` section whose name is not a flow.
    #[error("mapping: unknown flow {name:?} (flows are {known})", known = Flow::names())]
    UnknownFlow { name: String },
    /// A setting outside the flows is unusable (`[netsuite]`, `[currencies]`, `[groups]`).
    #[error("mapping: {key}: {reason}")]
    Setting { key: String, reason: String },
    /// One field of one flow is unusable, or could not map one record's value.
    #[error("mapping: flow {flow}, field {field}: {problem}")]
    Field {
        flow: Flow,
        /// `source → target`, or `value <json> → target` for a constant.
        field: String,
        problem: FieldProblem,
    },
}

impl MappingError {
    /// The field problem, when the error is about one field.
    pub fn field_problem(&self) -> Option<&FieldProblem> {
        match self {
            MappingError::Field { problem, .. } => Some(problem),
            _ => None,
        }
    }
}

/// What is wrong with one field: found at load time (the first group) or while mapping a record.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum FieldProblem {
    /// `group` names no entry of `[groups]`.
    #[error("group {0:?} is not in [groups]")]
    UnknownGroup(String),
    /// A `transforms` entry names no transform.
    #[error("unknown transform {0:?}")]
    UnknownTransform(String),
    /// A transform's argument is missing, unexpected or malformed.
    #[error("transform {transform:?}: {reason}")]
    BadArgument { transform: String, reason: String },
    /// `table:<name>` names no entry of `[tables]`.
    #[error("table {0:?} is not in [tables]")]
    UnknownTable(String),
    /// Both `source` and `value` are set.
    #[error("has both source and value; give one")]
    SourceAndValue,
    /// Neither `source` nor `value` is set.
    #[error("has neither source nor value")]
    NoSourceOrValue,
    /// `fallback` without `source` (a constant needs no fallback).
    #[error("fallback needs a source field")]
    FallbackWithoutSource,
    /// An empty `source`, `target` or `fallback` name.
    #[error("field names must not be empty")]
    EmptyName,
    /// Two fields of one flow write the same target (names compare case-insensitively).
    #[error("target is mapped twice in this flow")]
    DuplicateTarget,
    /// The target is a tax field.
    #[error("tax fields are never synced (NetSuite computes tax)")]
    TaxField,

    /// A required field is absent from the record.
    #[error("is required but missing")]
    Missing,
    /// A required field is null or blank after its transforms.
    #[error("is required but blank")]
    Blank,
    /// `date:` met a value it cannot read as a date.
    #[error("{0} is not a date")]
    NotADate(Value),
    /// `number:` met a value it cannot read as a number.
    #[error("{0} is not a number")]
    NotANumber(Value),
    /// `bool`/`not` met a value it cannot read as a boolean.
    #[error("{0} is not a boolean")]
    NotABoolean(Value),
    /// `ref_name` met an object without `refName`, or `ref` a value that cannot be an id.
    #[error("{0} is not a NetSuite reference")]
    NotAReference(Value),
    /// `table:` met a value the table has no entry for.
    #[error("{value} is not in table {table}")]
    NotInTable { table: String, value: Value },
}
