//! `SalesforceClient`: one authenticated, tagged, timed HTTP exchange with the REST API, shared
//! by the record, query and collection operations.

use super::auth::{AccessToken, TokenSource};
use super::errors::error_from_response;
use super::settings::{SalesforceSettings, join};
use super::{limits, meter};
use crate::config::SalesforceConfig;
use crate::connectors::error::{ConnectorError, ErrorClass, System};
use crate::ops::metrics::Operation;
use bytes::Bytes;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use reqwest::Method;
use reqwest::header::ACCEPT;
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::sync::{Arc, Mutex};
use std::time::Instant;
use url::Url;

/// Tags every call so Change Data Capture shows `client=tandem` and echoes can be recognised.
const CALL_OPTIONS: (&str, &str) = ("sforce-call-options", "client=tandem");

/// What stays literal in a path segment: RFC 3986 unreserved characters. Everything else,
/// `/` included, is escaped so an external id value cannot leave its segment.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// The Salesforce REST client. Cheap to clone; clones share the token and the usage reading.
#[derive(Clone)]
pub struct SalesforceClient {
    pub(super) inner: Arc<Inner>,
}

pub(super) struct Inner {
    http: reqwest::Client,
    pub(super) instance_url: Url,
    api_version: String,
    pub(super) tokens: TokenSource,
    /// The latest `Sforce-Limit-Info` api-usage reading.
    usage: Mutex<Option<(u64, u64)>>,
}

impl std::fmt::Debug for SalesforceClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SalesforceClient")
            .field("instance_url", &self.inner.instance_url.as_str())
            .field("api_version", &self.inner.api_version)
            .finish_non_exhaustive()
    }
}

/// One request, kept so that it can be sent again after a token refresh.
pub(super) struct Call<'a> {
    pub operation: Operation,
    pub method: Method,
    /// Path from the instance root, starting with `/services/`.
    pub path: String,
    pub query: &'a [(&'a str, &'a str)],
    pub body: Option<&'a Value>,
}

/// A 2xx answer.
pub(super) struct Answer {
    pub status: u16,
    pub body: Bytes,
}

impl Answer {
    /// The body as JSON. An unreadable success body is treated like a broken connection.
    pub(super) fn json<T: DeserializeOwned>(&self) -> Result<T, ConnectorError> {
        serde_json::from_slice(&self.body).map_err(|error| {
            ConnectorError::new(
                System::Salesforce,
                ErrorClass::Retry,
                format!("unreadable response body: {error}"),
            )
            .with_status(self.status)
        })
    }
}

impl SalesforceClient {
    pub fn new(settings: SalesforceSettings) -> Result<Self, ConnectorError> {
        let http = reqwest::Client::builder()
            .timeout(settings.timeout)
            // The API never redirects; following one could carry the bearer token elsewhere.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|error| {
                ConnectorError::new(
                    System::Salesforce,
                    ErrorClass::Permanent,
                    format!("could not build the HTTP client: {error}"),
                )
            })?;
        let tokens = TokenSource::new(http.clone(), &settings)?;
        Ok(Self {
            inner: Arc::new(Inner {
                http,
                instance_url: settings.instance_url,
                api_version: settings.api_version,
                tokens,
                usage: Mutex::new(None),
            }),
        })
    }

    /// A client for `[salesforce]`; see [`SalesforceSettings::from_config`].
    pub fn from_config(config: &SalesforceConfig) -> Result<Self, ConnectorError> {
        Self::new(SalesforceSettings::from_config(config)?)
    }

    /// `(used, limit)` of the org's daily API calls, from the latest response that said.
    pub fn api_usage(&self) -> Option<(u64, u64)> {
        *self
            .inner
            .usage
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The API version calls are made under, e.g. `67.0`.
    pub fn api_version(&self) -> &str {
        &self.inner.api_version
    }

    /// Gets an access token with the configured credentials (or reuses the current one):
    /// whether the org accepts them, without any other call.
    pub async fn sign_in(&self) -> Result<(), ConnectorError> {
        self.inner.tokens.current().await.map(drop)
    }

    /// `/services/data/v{version}` followed by `segments`, each percent-encoded.
    pub(super) fn data_path(&self, segments: &[&str]) -> Result<String, ConnectorError> {
        let mut path = format!("/services/data/v{}", self.inner.api_version);
        for segment in segments {
            if segment.is_empty() || *segment == "." || *segment == ".." {
                return Err(ConnectorError::new(
                    System::Salesforce,
                    ErrorClass::Permanent,
                    format!("{segment:?} cannot be used in a request path"),
                ));
            }
            path.push('/');
            path.extend(utf8_percent_encode(segment, SEGMENT));
        }
        Ok(path)
    }

    /// Sends `call`; on a rejected token, refreshes it once and sends again. A second
    /// rejection is returned as `RefreshAuth`.
    pub(super) async fn send(&self, call: &Call<'_>) -> Result<Answer, ConnectorError> {
        let mut refreshed = false;
        loop {
            let token = self.inner.tokens.current().await?;
            crate::connectors::calls::note(System::Salesforce);
            let started = Instant::now();
            let result = self.attempt(call, &token).await;
            meter::record_call(call.operation, &result, started.elapsed());
            match result {
                Err(error) if error.class == ErrorClass::RefreshAuth && !refreshed => {
                    tracing::info!(
                        operation = call.operation.as_str(),
                        "Salesforce refused the access token; refreshing it"
                    );
                    self.inner.tokens.invalidate(&token).await;
                    refreshed = true;
                }
                other => return other,
            }
        }
    }

    async fn attempt(
        &self,
        call: &Call<'_>,
        token: &AccessToken,
    ) -> Result<Answer, ConnectorError> {
        let base = token
            .instance_url
            .as_ref()
            .unwrap_or(&self.inner.instance_url);
        let mut request = self
            .inner
            .http
            .request(call.method.clone(), join(base, &call.path)?)
            .bearer_auth(token.secret())
            .header(CALL_OPTIONS.0, CALL_OPTIONS.1)
            .header(ACCEPT, "application/json");
        if !call.query.is_empty() {
            request = request.query(call.query);
        }
        if let Some(body) = call.body {
            request = request.json(body);
        }
        let transport = |error| ConnectorError::transport(System::Salesforce, error);
        let response = request.send().await.map_err(transport)?;
        let status = response.status().as_u16();
        if let Some(usage) = limits::api_usage(response.headers()) {
            self.record_usage(usage);
        }
        let headers = response.headers().clone();
        let body = response.bytes().await.map_err(transport)?;
        tracing::debug!(
            operation = call.operation.as_str(),
            status,
            "Salesforce answered"
        );
        if (200..300).contains(&status) {
            Ok(Answer { status, body })
        } else {
            Err(error_from_response(status, &headers, &body))
        }
    }

    fn record_usage(&self, usage: (u64, u64)) {
        *self
            .inner
            .usage
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(usage);
        meter::record_usage(usage);
    }
}
