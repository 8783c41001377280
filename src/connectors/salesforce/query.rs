//! SOQL queries, following `nextRecordsUrl` until Salesforce says `done`.

use super::client::{Call, SalesforceClient};
use super::soql::Select;
use crate::connectors::error::{ConnectorError, ErrorClass, System};
use crate::ops::metrics::Operation;
use reqwest::Method;
use serde::Deserialize;
use serde_json::{Map, Value};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Page {
    done: bool,
    #[serde(default)]
    records: Vec<Map<String, Value>>,
    next_records_url: Option<String>,
}

impl SalesforceClient {
    /// Runs a typed query: every record it matches, on every page.
    pub async fn select(&self, query: &Select) -> Result<Vec<Map<String, Value>>, ConnectorError> {
        self.query(&query.soql()?).await
    }

    /// `GET …/query?q={soql}` and every further page. Records keep their `attributes`.
    #[tracing::instrument(skip_all)]
    pub async fn query(&self, soql: &str) -> Result<Vec<Map<String, Value>>, ConnectorError> {
        let query = [("q", soql)];
        let mut page: Page = self
            .send(&Call {
                operation: Operation::Query,
                method: Method::GET,
                path: self.data_path(&["query"])?,
                query: &query,
                body: None,
            })
            .await?
            .json()?;
        let mut records = std::mem::take(&mut page.records);
        while !page.done {
            let next = next_page_path(page.next_records_url.as_deref())?;
            page = self
                .send(&Call {
                    operation: Operation::QueryMore,
                    method: Method::GET,
                    path: next,
                    query: &[],
                    body: None,
                })
                .await?
                .json()?;
            records.append(&mut page.records);
        }
        Ok(records)
    }
}

/// `nextRecordsUrl` is a path on the same instance (`/services/data/v67.0/query/01g…-2000`);
/// anything else is not followed.
fn next_page_path(next: Option<&str>) -> Result<String, ConnectorError> {
    match next {
        Some(path) if path.starts_with("/services/") => Ok(path.to_owned()),
        _ => Err(ConnectorError::new(
            System::Salesforce,
            ErrorClass::Retry,
            "a query page said it was not done but gave no usable nextRecordsUrl",
        )),
    }
}
