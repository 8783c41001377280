//! Reading how the org is set up, never changing it: the API versions it serves, its daily API
//! allocation (`/limits`), and the describe of one object (its fields and their properties).

use super::client::{Call, SalesforceClient};
use crate::connectors::error::ConnectorError;
use crate::ops::metrics::Operation;
use reqwest::Method;
use serde::Deserialize;

/// One entry of `GET /services/data/`.
#[derive(Debug, Clone, Deserialize)]
pub struct OfferedVersion {
    /// `67.0`.
    pub version: String,
}

/// `DailyApiRequests` from `/limits`.
#[derive(Debug, Clone, Copy, Deserialize)]
pub struct DailyApiRequests {
    #[serde(rename = "Max")]
    pub max: u64,
    #[serde(rename = "Remaining")]
    pub remaining: u64,
}

#[derive(Deserialize)]
struct Limits {
    #[serde(rename = "DailyApiRequests")]
    daily_api_requests: DailyApiRequests,
}

/// The parts of a DescribeSObjectResult tandem looks at.
#[derive(Debug, Clone, Deserialize)]
pub struct ObjectDescribe {
    pub name: String,
    #[serde(default)]
    pub fields: Vec<FieldDescribe>,
}

/// One field of a describe.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FieldDescribe {
    pub name: String,
    #[serde(rename = "type", default)]
    pub kind: String,
    #[serde(default)]
    pub createable: bool,
    #[serde(default)]
    pub updateable: bool,
    #[serde(default)]
    pub external_id: bool,
    #[serde(default)]
    pub unique: bool,
    #[serde(default)]
    pub custom: bool,
}

impl ObjectDescribe {
    /// The field named `name` (API names are case-insensitive).
    pub fn field(&self, name: &str) -> Option<&FieldDescribe> {
        self.fields
            .iter()
            .find(|field| field.name.eq_ignore_ascii_case(name))
    }
}

impl SalesforceClient {
    /// `GET /services/data/`: the API versions the org serves.
    pub async fn offered_versions(&self) -> Result<Vec<OfferedVersion>, ConnectorError> {
        self.send(&Call {
            operation: Operation::Get,
            method: Method::GET,
            path: "/services/data/".to_owned(),
            query: &[],
            body: None,
        })
        .await?
        .json()
    }

    /// `GET …/limits`: the org's daily API allocation and what is left of it.
    pub async fn daily_api_requests(&self) -> Result<DailyApiRequests, ConnectorError> {
        let limits: Limits = self
            .send(&Call {
                operation: Operation::Get,
                method: Method::GET,
                path: self.data_path(&["limits"])?,
                query: &[],
                body: None,
            })
            .await?
            .json()?;
        Ok(limits.daily_api_requests)
    }

    /// `GET …/sobjects/{object}/describe`; an object the org lacks is a 404 `NOT_FOUND` error.
    pub async fn describe(&self, object: &str) -> Result<ObjectDescribe, ConnectorError> {
        self.send(&Call {
            operation: Operation::Get,
            method: Method::GET,
            path: self.data_path(&["sobjects", object, "describe"])?,
            query: &[],
            body: None,
        })
        .await?
        .json()
    }
}
