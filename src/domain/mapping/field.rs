//! A flow's field entries and the mapping of one record through them, within a write scope.

use super::Master;
use super::error::{FieldProblem, MappingError};
use super::flow::Flow;
use super::transform::{Tables, Transform};
use serde_json::{Map, Value};
use std::sync::Arc;

/// Which field groups a write may touch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Only the fields whose group this system masters: the normal update, with the source
    /// system's own groups, so a write never touches a field the target system owns.
    OwnedBy(Master),
    /// Every field of the flow: creating a record ("an Account is Salesforce's until it becomes
    /// a NetSuite customer"), when the target has no values of its own yet.
    All,
}

impl Scope {
    fn includes(self, master: Master) -> bool {
        match self {
            Scope::OwnedBy(owner) => owner == master,
            Scope::All => true,
        }
    }
}

/// Where a field's value comes from.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Source {
    /// A source field (dotted paths read nested objects), with another to use when it is blank.
    Field {
        path: String,
        fallback: Option<String>,
    },
    /// A constant written on every mapped record.
    Constant(Value),
}

/// One `[[flows.<flow>.fields]]` entry, checked.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldMapping {
    pub(crate) source: Source,
    pub(crate) target: String,
    pub(crate) group: String,
    pub(crate) master: Master,
    pub(crate) transforms: Vec<Transform>,
    pub(crate) required: bool,
}

impl FieldMapping {
    /// The source field name or dotted path; `None` for a constant.
    pub fn source(&self) -> Option<&str> {
        match &self.source {
            Source::Field { path, .. } => Some(path),
            Source::Constant(_) => None,
        }
    }

    /// The source field read when `source` is missing or blank.
    pub fn fallback(&self) -> Option<&str> {
        match &self.source {
            Source::Field { fallback, .. } => fallback.as_deref(),
            Source::Constant(_) => None,
        }
    }

    /// The constant this entry writes, when it has `value` instead of `source`.
    pub fn constant(&self) -> Option<&Value> {
        match &self.source {
            Source::Constant(value) => Some(value),
            Source::Field { .. } => None,
        }
    }

    /// The target system's field name.
    pub fn target(&self) -> &str {
        &self.target
    }

    /// The ownership group the field belongs to.
    pub fn group(&self) -> &str {
        &self.group
    }

    /// The system that masters the field's group.
    pub fn master(&self) -> Master {
        self.master
    }

    /// Whether the target record cannot do without the field: a blank value (null or empty,
    /// after the transforms) is always an error, and so is a missing one when creating
    /// ([`Scope::All`]); an update ([`Scope::OwnedBy`]) may leave the field out.
    pub fn is_required(&self) -> bool {
        self.required
    }

    /// `source → target` (or `value <json> → target`), as errors name the field.
    pub fn label(&self) -> String {
        match &self.source {
            Source::Field { path, .. } => format!("{path} → {}", self.target),
            Source::Constant(value) => format!("value {value} → {}", self.target),
        }
    }

    /// The field's target value, `None` to leave the target field out of the write.
    fn map(
        &self,
        record: &Map<String, Value>,
        scope: Scope,
        tables: &Tables,
    ) -> Result<Option<Value>, FieldProblem> {
        let value = match &self.source {
            Source::Constant(value) => Some(value),
            Source::Field { path, fallback } => {
                let primary = lookup(record, path);
                match fallback {
                    Some(other) if primary.is_none_or(is_blank) => {
                        lookup(record, other).filter(|v| !is_blank(v)).or(primary)
                    }
                    _ => primary,
                }
            }
        };
        let Some(value) = value else {
            // An update may leave a required field out; a new record cannot do without it.
            return if self.required && scope == Scope::All {
                Err(FieldProblem::Missing)
            } else {
                Ok(None)
            };
        };
        let value = self
            .transforms
            .iter()
            .try_fold(value.clone(), |value, transform| {
                transform.apply(value, tables)
            })?;
        if self.required && is_blank(&value) {
            return Err(FieldProblem::Blank);
        }
        Ok(Some(value))
    }
}

/// The checked field entries of one flow.
#[derive(Debug, Clone)]
pub struct FlowMapping {
    pub(crate) flow: Flow,
    pub(crate) fields: Vec<FieldMapping>,
    pub(crate) tables: Arc<Tables>,
}

impl FlowMapping {
    /// The flow these fields belong to.
    pub fn flow(&self) -> Flow {
        self.flow
    }

    /// The field entries, in file order.
    pub fn fields(&self) -> &[FieldMapping] {
        &self.fields
    }

    /// Maps one source record to the target fields a write under `scope` sets.
    ///
    /// Fields outside the scope are skipped. A source field absent from the record is left out
    /// of the result, so partial updates stay partial (a `required` one is an error under
    /// [`Scope::All`], which creates the record); one present as JSON null maps to null,
    /// clearing the target (an error when `required`). The first failing field is the error.
    pub fn map(
        &self,
        record: &Map<String, Value>,
        scope: Scope,
    ) -> Result<Map<String, Value>, MappingError> {
        let mut mapped = Map::new();
        for field in self.in_scope(scope) {
            let value = field
                .map(record, scope, &self.tables)
                .map_err(|problem| self.error(field, problem))?;
            if let Some(value) = value {
                mapped.insert(field.target.clone(), value);
            }
        }
        Ok(mapped)
    }

    /// The target fields a write under `scope` can touch, in file order: the names to hash for
    /// the echo ledger and the only names a write may carry.
    pub fn target_fields(&self, scope: Scope) -> Vec<&str> {
        self.in_scope(scope)
            .map(|field| field.target.as_str())
            .collect()
    }

    fn error(&self, field: &FieldMapping, problem: FieldProblem) -> MappingError {
        MappingError::Field {
            flow: self.flow,
            field: field.label(),
            problem,
        }
    }

    fn in_scope(&self, scope: Scope) -> impl Iterator<Item = &FieldMapping> {
        self.fields
            .iter()
            .filter(move |field| scope.includes(field.master))
    }
}

/// Null, or a string of only whitespace.
fn is_blank(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::String(s) => s.trim().is_empty(),
        _ => false,
    }
}

/// Reads `path` from the record: the key as written first, else a dotted path through nested
/// objects; names compare case-insensitively when no exact match exists, as both systems'
/// field names are case-insensitive. A null on the way reads as null (the reference was cleared).
fn lookup<'a>(record: &'a Map<String, Value>, path: &str) -> Option<&'a Value> {
    static NULL: Value = Value::Null;
    if let Some(value) = get(record, path) {
        return Some(value);
    }
    let mut parts = path.split('.');
    let mut current = get(record, parts.next()?)?;
    for part in parts {
        current = match current {
            Value::Object(object) => get(object, part)?,
            Value::Null => return Some(&NULL),
            _ => return None,
        };
    }
    Some(current)
}

fn get<'a>(object: &'a Map<String, Value>, key: &str) -> Option<&'a Value> {
    object.get(key).or_else(|| {
        object
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(key))
            .map(|(_, value)| value)
    })
}
