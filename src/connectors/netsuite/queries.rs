//! Reading many records: record collections filtered with `q=`, and SuiteQL queries, every
//! page followed.

use super::client::{NetsuiteClient, invalid};
use super::filter::Filter;
use super::suiteql::SuiteQl;
use crate::connectors::error::{ConnectorError, ErrorClass, System};
use crate::ops::metrics::Operation;
use reqwest::Method;
use serde_json::{Map, Value};

/// One page of a record collection (`GET …/{type}?q=`).
#[derive(serde::Deserialize)]
struct CollectionPage {
    #[serde(default)]
    items: Vec<CollectionItem>,
    #[serde(default, rename = "hasMore")]
    has_more: bool,
}

#[derive(serde::Deserialize)]
struct CollectionItem {
    id: String,
}

/// One page of a SuiteQL answer: rows of lower-case column names.
#[derive(serde::Deserialize)]
struct QueryPage {
    #[serde(default)]
    items: Vec<Map<String, Value>>,
    #[serde(default, rename = "hasMore")]
    has_more: bool,
}

/// Rows (SuiteQL) and records (collections) per page.
const PAGE: usize = 1000;

impl NetsuiteClient {
    /// `GET …/{type}?q=<filter>`: the internal ids of every record the collection filter
    /// matches (e.g. `email END_WITH "@acme.com"`), following `hasMore` pages.
    #[tracing::instrument(skip_all, fields(record_type = %record_type))]
    pub async fn search(
        &self,
        record_type: &str,
        filter: &Filter,
    ) -> Result<Vec<String>, ConnectorError> {
        let filter = filter
            .text()
            .ok_or_else(|| invalid(format!("not a {record_type} filter over field names")))?;
        let mut ids = Vec::new();
        loop {
            let mut url = self.url(record_type, None)?;
            url.query_pairs_mut()
                .append_pair("q", &filter)
                .append_pair("limit", &PAGE.to_string())
                .append_pair("offset", &ids.len().to_string());
            let answer = self
                .send(Operation::Search, Method::GET, url, None, &[])
                .await?;
            let page: CollectionPage = serde_json::from_slice(&answer.body).map_err(|_| {
                ConnectorError::new(
                    System::Netsuite,
                    ErrorClass::Retry,
                    "the collection answer is not a record list",
                )
                .with_status(answer.status.as_u16())
            })?;
            let count = page.items.len();
            ids.extend(page.items.into_iter().map(|item| item.id));
            if !page.has_more || count == 0 {
                return Ok(ids);
            }
        }
    }

    /// `POST …/query/v1/suiteql` with `Prefer: transient`: every row, following `hasMore`
    /// pages. Values come as NetSuite sends them (text).
    #[tracing::instrument(skip_all)]
    pub async fn suiteql(
        &self,
        query: &SuiteQl,
    ) -> Result<Vec<Map<String, Value>>, ConnectorError> {
        let body = serde_json::json!({ "q": query.text()? });
        let mut rows = Vec::new();
        loop {
            let mut url = self.suiteql_url();
            url.query_pairs_mut()
                .append_pair("limit", &PAGE.to_string())
                .append_pair("offset", &rows.len().to_string());
            let answer = self
                .send(
                    Operation::Query,
                    Method::POST,
                    url,
                    Some(&body),
                    &[("prefer", "transient")],
                )
                .await?;
            let page: QueryPage = serde_json::from_slice(&answer.body).map_err(|_| {
                ConnectorError::new(
                    System::Netsuite,
                    ErrorClass::Retry,
                    "the SuiteQL answer is not a row list",
                )
                .with_status(answer.status.as_u16())
            })?;
            let count = page.items.len();
            rows.extend(page.items.into_iter().map(|mut row| {
                row.remove("links");
                row
            }));
            if !page.has_more || count == 0 {
                return Ok(rows);
            }
        }
    }
}
