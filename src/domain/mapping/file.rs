//! The `mapping.toml` file as written, and its checking into a [`Mapping`].

use super::error::{FieldProblem, MappingError};
use super::field::{FieldMapping, FlowMapping, Source};
use super::flow::Flow;
use super::tax::is_tax_field;
use super::transform::{Tables, Transform};
use super::{CurrencyOverride, Mapping, Master, RecordFields};
use serde::Deserialize;
use serde_json::Value;
use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

/// The only file version this build reads.
const VERSION: i64 = 1;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMapping {
    version: i64,
    netsuite: RawNetsuite,
    #[serde(default)]
    currencies: BTreeMap<String, CurrencyOverride>,
    #[serde(default)]
    record_fields: RecordFields,
    groups: BTreeMap<String, Master>,
    #[serde(default)]
    tables: Tables,
    #[serde(default)]
    flows: BTreeMap<String, RawFlow>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawNetsuite {
    default_subsidiary: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFlow {
    #[serde(default)]
    fields: Vec<RawField>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawField {
    source: Option<String>,
    value: Option<Value>,
    target: String,
    group: String,
    #[serde(default)]
    transforms: Vec<String>,
    #[serde(default)]
    required: bool,
    fallback: Option<String>,
}

/// Parses and checks the text of a mapping file.
pub(super) fn parse(text: &str) -> Result<Mapping, MappingError> {
    use figment::Figment;
    use figment::providers::{Format, Toml};
    let raw: RawMapping = Figment::from(Toml::string(text))
        .extract()
        .map_err(|error| {
            // figment names keys from its profile ("default.groups.finance") and the source.
            let message = error.to_string();
            let message = message.replace("key \"default.", "key \"");
            MappingError::Syntax(message.replace(" in TOML source string", ""))
        })?;
    build(raw)
}

fn build(raw: RawMapping) -> Result<Mapping, MappingError> {
    if raw.version != VERSION {
        return Err(MappingError::UnsupportedVersion { found: raw.version });
    }
    let setting = |key: String, reason: &str| MappingError::Setting {
        key,
        reason: reason.to_owned(),
    };
    if raw.netsuite.default_subsidiary.trim().is_empty() {
        return Err(setting(
            "netsuite.default_subsidiary".into(),
            "must not be empty",
        ));
    }
    let mut currencies = BTreeMap::new();
    for (iso, target) in raw.currencies {
        if iso.len() != 3 || !iso.bytes().all(|b| b.is_ascii_uppercase()) {
            return Err(setting(
                format!("currencies.{iso}"),
                "an ISO 4217 code is three capital letters",
            ));
        }
        let given = [target.subsidiary.as_deref(), target.currency.as_deref()];
        if given.iter().all(Option::is_none)
            || given.iter().flatten().any(|id| id.trim().is_empty())
        {
            return Err(setting(
                format!("currencies.{iso}"),
                "give a currency or a subsidiary internal id, not empty",
            ));
        }
        currencies.insert(iso, target);
    }
    for (key, name) in raw.record_fields.named() {
        let valid = !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !valid {
            return Err(setting(
                format!("record_fields.{key}"),
                "a field API name holds only letters, digits and _",
            ));
        }
    }
    let tables = Arc::new(raw.tables);
    let mut flows: [Option<FlowMapping>; Flow::ALL.len()] = Default::default();
    for (name, raw_flow) in raw.flows {
        let flow: Flow = name
            .parse()
            .map_err(|_| MappingError::UnknownFlow { name })?;
        flows[flow.index()] = Some(build_flow(flow, raw_flow, &raw.groups, &tables)?);
    }
    let flows = Flow::ALL.map(|flow| {
        flows[flow.index()].take().unwrap_or_else(|| FlowMapping {
            flow,
            fields: Vec::new(),
            tables: Arc::clone(&tables),
        })
    });
    Ok(Mapping {
        default_subsidiary: raw.netsuite.default_subsidiary,
        currencies,
        record_fields: raw.record_fields,
        groups: raw.groups,
        tables,
        flows,
    })
}

fn build_flow(
    flow: Flow,
    raw: RawFlow,
    groups: &BTreeMap<String, Master>,
    tables: &Arc<Tables>,
) -> Result<FlowMapping, MappingError> {
    let mut targets = HashSet::new();
    let mut fields = Vec::with_capacity(raw.fields.len());
    for raw_field in raw.fields {
        let label = match (&raw_field.source, &raw_field.value) {
            (Some(source), _) => format!("{source} → {}", raw_field.target),
            (None, Some(value)) => format!("value {value} → {}", raw_field.target),
            (None, None) => format!("? → {}", raw_field.target),
        };
        let field =
            build_field(raw_field, groups, tables).map_err(|problem| MappingError::Field {
                flow,
                field: label.clone(),
                problem,
            })?;
        if !targets.insert(field.target.to_ascii_lowercase()) {
            return Err(MappingError::Field {
                flow,
                field: label,
                problem: FieldProblem::DuplicateTarget,
            });
        }
        fields.push(field);
    }
    Ok(FlowMapping {
        flow,
        fields,
        tables: Arc::clone(tables),
    })
}

fn build_field(
    raw: RawField,
    groups: &BTreeMap<String, Master>,
    tables: &Tables,
) -> Result<FieldMapping, FieldProblem> {
    let names = [
        Some(&raw.target),
        raw.source.as_ref(),
        raw.fallback.as_ref(),
    ];
    if names
        .into_iter()
        .flatten()
        .any(|name| name.trim().is_empty())
    {
        return Err(FieldProblem::EmptyName);
    }
    let source = match (raw.source, raw.value, raw.fallback) {
        (Some(_), Some(_), _) => return Err(FieldProblem::SourceAndValue),
        (None, None, _) => return Err(FieldProblem::NoSourceOrValue),
        (None, Some(_), Some(_)) => return Err(FieldProblem::FallbackWithoutSource),
        (Some(path), None, fallback) => Source::Field { path, fallback },
        (None, Some(value), None) => Source::Constant(value),
    };
    if is_tax_field(&raw.target) {
        return Err(FieldProblem::TaxField);
    }
    let master = *groups
        .get(&raw.group)
        .ok_or_else(|| FieldProblem::UnknownGroup(raw.group.clone()))?;
    let transforms = raw
        .transforms
        .iter()
        .map(|spec| Transform::parse(spec, tables))
        .collect::<Result<_, _>>()?;
    Ok(FieldMapping {
        source,
        target: raw.target,
        group: raw.group,
        master,
        transforms,
        required: raw.required,
    })
}
