//! Single-record operations: upsert by external id, create, read by id, update by id.

use super::client::{Call, SalesforceClient};
use crate::connectors::error::ConnectorError;
use crate::ops::metrics::Operation;
use reqwest::Method;
use serde::Deserialize;
use serde_json::{Map, Value};

/// What an upsert did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpsertOutcome {
    /// The record's Salesforce id; `None` when the org answered 204 (API v45.0 and earlier).
    pub id: Option<String>,
    /// `true` when no record had the external id and one was created.
    pub created: bool,
}

#[derive(Deserialize)]
struct SaveResult {
    id: Option<String>,
    created: Option<bool>,
}

impl SalesforceClient {
    /// `PATCH …/sobjects/{object}/{ext_field}/{ext_value}`: 201 created, 200 (`created:false`)
    /// or 204 updated. Several matching records (300) is a `Conflict` listing their URLs;
    /// nothing was written.
    #[tracing::instrument(skip_all, fields(object = %object))]
    pub async fn upsert(
        &self,
        object: &str,
        ext_field: &str,
        ext_value: &str,
        fields: &Map<String, Value>,
    ) -> Result<UpsertOutcome, ConnectorError> {
        let body = Value::Object(fields.clone());
        let answer = self
            .send(&Call {
                operation: Operation::Upsert,
                method: Method::PATCH,
                path: self.data_path(&["sobjects", object, ext_field, ext_value])?,
                query: &[],
                body: Some(&body),
            })
            .await?;
        if answer.status == 204 || answer.body.is_empty() {
            return Ok(UpsertOutcome {
                id: None,
                created: answer.status == 201,
            });
        }
        let result: SaveResult = answer.json()?;
        Ok(UpsertOutcome {
            id: result.id,
            created: result.created.unwrap_or(answer.status == 201),
        })
    }

    /// `GET …/sobjects/{object}/{id}?fields=…`; every field when `fields` is empty.
    #[tracing::instrument(skip_all, fields(object = %object))]
    pub async fn get(
        &self,
        object: &str,
        id: &str,
        fields: &[&str],
    ) -> Result<Map<String, Value>, ConnectorError> {
        let list = fields.join(",");
        let query = [("fields", list.as_str())];
        self.send(&Call {
            operation: Operation::Get,
            method: Method::GET,
            path: self.data_path(&["sobjects", object, id])?,
            query: if fields.is_empty() { &[] } else { &query },
            body: None,
        })
        .await?
        .json()
    }

    /// `PATCH …/sobjects/{object}/{id}`; Salesforce answers 204.
    #[tracing::instrument(skip_all, fields(object = %object))]
    pub async fn update(
        &self,
        object: &str,
        id: &str,
        fields: &Map<String, Value>,
    ) -> Result<(), ConnectorError> {
        let body = Value::Object(fields.clone());
        self.send(&Call {
            operation: Operation::Update,
            method: Method::PATCH,
            path: self.data_path(&["sobjects", object, id])?,
            query: &[],
            body: Some(&body),
        })
        .await?;
        Ok(())
    }

    /// `POST …/sobjects/{object}`: 201 with the new record's id.
    #[tracing::instrument(skip_all, fields(object = %object))]
    pub async fn create(
        &self,
        object: &str,
        fields: &Map<String, Value>,
    ) -> Result<String, ConnectorError> {
        let body = Value::Object(fields.clone());
        let result: SaveResult = self
            .send(&Call {
                operation: Operation::Create,
                method: Method::POST,
                path: self.data_path(&["sobjects", object])?,
                query: &[],
                body: Some(&body),
            })
            .await?
            .json()?;
        result.id.ok_or_else(|| {
            ConnectorError::new(
                crate::connectors::error::System::Salesforce,
                crate::connectors::error::ErrorClass::Retry,
                "the create answer carries no id",
            )
        })
    }
}
