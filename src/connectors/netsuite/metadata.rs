//! Reading how the account is set up, never changing it: a record type's fields from the
//! metadata catalog (`GET /record/v1/metadata-catalog/{type}` as JSON Schema).

use super::client::{NetsuiteClient, invalid};
use crate::connectors::error::{ConnectorError, ErrorClass, System};
use crate::ops::metrics::Operation;
use reqwest::Method;
use serde::Deserialize;
use std::collections::BTreeMap;

/// One property of a record type's JSON Schema.
#[derive(Debug, Clone, Deserialize)]
pub struct RecordField {
    #[serde(default)]
    pub title: Option<String>,
    /// `"x-ns-custom-field": true` marks the account's custom fields.
    #[serde(default, rename = "x-ns-custom-field")]
    pub custom: bool,
}

/// A record type as the metadata catalog describes it.
#[derive(Debug, Clone, Deserialize)]
pub struct RecordSchema {
    #[serde(default)]
    pub properties: BTreeMap<String, RecordField>,
}

impl RecordSchema {
    /// The field with this id (field ids are case-insensitive in the REST record service).
    pub fn field(&self, id: &str) -> Option<&RecordField> {
        self.properties
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(id))
            .map(|(_, field)| field)
    }
}

impl NetsuiteClient {
    /// The fields of `record_type` (its REST name, e.g. `salesOrder`) from the metadata catalog.
    #[tracing::instrument(skip_all, fields(record_type = %record_type))]
    pub async fn record_schema(&self, record_type: &str) -> Result<RecordSchema, ConnectorError> {
        let plain =
            !record_type.is_empty() && record_type.chars().all(|c| c.is_ascii_alphanumeric());
        if !plain {
            return Err(invalid(format!("{record_type:?} is not a record type")));
        }
        let url = self.metadata_url(&record_type.to_ascii_lowercase());
        let answer = self
            .send(
                Operation::Get,
                Method::GET,
                url,
                None,
                &[("accept", "application/schema+json")],
            )
            .await?;
        serde_json::from_slice(&answer.body).map_err(|_| {
            ConnectorError::new(
                System::Netsuite,
                ErrorClass::Retry,
                "the metadata catalog answer is not a JSON Schema",
            )
            .with_status(answer.status.as_u16())
        })
    }
}
