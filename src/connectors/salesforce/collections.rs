//! sObject Collections: many records of one object updated by id, or upserted by external id,
//! 200 to a request.

use super::client::{Call, SalesforceClient};
use super::errors::SalesforceErrorItem;
use crate::connectors::error::{ConnectorError, ErrorClass, System};
use crate::ops::metrics::Operation;
use reqwest::Method;
use serde::Deserialize;
use serde_json::{Map, Value, json};

/// Salesforce accepts at most this many records in one sObject Collections request.
pub const COLLECTION_LIMIT: usize = 200;

/// One record's result, in the order the records were given.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct RecordResult {
    #[serde(default)]
    pub id: Option<String>,
    pub success: bool,
    #[serde(default)]
    pub created: bool,
    #[serde(default)]
    pub errors: Vec<SalesforceErrorItem>,
}

impl RecordResult {
    /// This record's failure, classified by its first error code; `None` when it succeeded.
    pub fn error(&self) -> Option<ConnectorError> {
        if self.success {
            return None;
        }
        Some(match self.errors.first() {
            Some(item) => item.to_error(),
            None => ConnectorError::new(
                System::Salesforce,
                ErrorClass::Permanent,
                "the record failed without an error",
            ),
        })
    }
}

impl SalesforceClient {
    /// `PATCH …/composite/sobjects/{object}/{ext_field}` with `allOrNone:false`, in chunks of
    /// [`COLLECTION_LIMIT`]. Each record must carry its `ext_field` value. Per-record failures are
    /// in the results; an `Err` means a whole request failed, and since upserts are idempotent
    /// the caller may send every record again.
    #[tracing::instrument(skip_all, fields(object = %object, records = records.len()))]
    pub async fn upsert_collection(
        &self,
        object: &str,
        ext_field: &str,
        records: Vec<Map<String, Value>>,
    ) -> Result<Vec<RecordResult>, ConnectorError> {
        let path = self.data_path(&["composite", "sobjects", object, ext_field])?;
        self.send_collection(path, object, records).await
    }

    /// `PATCH …/composite/sobjects` with `allOrNone:false`: updates existing records, each
    /// carrying its `Id`; never creates one. Chunked like [`Self::upsert_collection`].
    #[tracing::instrument(skip_all, fields(object = %object, records = records.len()))]
    pub async fn update_collection(
        &self,
        object: &str,
        records: Vec<Map<String, Value>>,
    ) -> Result<Vec<RecordResult>, ConnectorError> {
        let path = self.data_path(&["composite", "sobjects"])?;
        self.send_collection(path, object, records).await
    }

    async fn send_collection(
        &self,
        path: String,
        object: &str,
        records: Vec<Map<String, Value>>,
    ) -> Result<Vec<RecordResult>, ConnectorError> {
        let mut results = Vec::with_capacity(records.len());
        let mut records = records.into_iter().peekable();
        while records.peek().is_some() {
            let chunk: Vec<Value> = records
                .by_ref()
                .take(COLLECTION_LIMIT)
                .map(|mut record| {
                    record.insert("attributes".into(), json!({ "type": object }));
                    Value::Object(record)
                })
                .collect();
            let sent = chunk.len();
            let body = json!({ "allOrNone": false, "records": chunk });
            let chunk_results: Vec<RecordResult> = self
                .send(&Call {
                    operation: Operation::Collection,
                    method: Method::PATCH,
                    path: path.clone(),
                    query: &[],
                    body: Some(&body),
                })
                .await?
                .json()?;
            if chunk_results.len() != sent {
                return Err(ConnectorError::new(
                    System::Salesforce,
                    ErrorClass::Retry,
                    format!(
                        "sent {sent} records but got {} results",
                        chunk_results.len()
                    ),
                ));
            }
            results.extend(chunk_results);
        }
        Ok(results)
    }
}
