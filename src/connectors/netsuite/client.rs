//! `NetsuiteClient`: the REST record service (create, upsert by external id, get, patch),
//! every request admitted by the account's governor, signed, and retried on 429.

use super::account_slots::AccountSlots;
use super::errors;
use super::governor::Governor;
use super::m2m::{TokenSource, token_url};
use super::record::{RecordId, RecordRef, endpoint, id_from_location, record_url};
use super::settings::{NetsuiteCredentials, NetsuiteSettings, config_error};
use super::tba::TbaSigner;
use super::telemetry::Attempt;
use crate::config::{NetsuiteConfig, Secret};
use crate::connectors::error::{ConnectorError, ErrorClass, System};
use crate::ops::metrics::Operation;
use bytes::Bytes;
use rand::Rng;
use reqwest::header::{AUTHORIZATION, HeaderMap, HeaderValue, LOCATION};
use reqwest::{Method, StatusCode};
use serde_json::{Map, Value};
use std::sync::Arc;
use std::time::Duration;
use url::Url;

/// Retries of a request answered 429 before the caller gets a `Retry` error.
pub const MAX_THROTTLE_RETRIES: u32 = 5;
/// A `Retry-After` longer than this is not waited out here: the caller gets the error (with
/// `retry_after`) and reschedules, instead of a worker sitting idle.
const MAX_INLINE_WAIT: Duration = Duration::from_secs(10);
const BACKOFF_FIRST: Duration = Duration::from_millis(100);
const BACKOFF_CAP: Duration = Duration::from_secs(1);

/// Cheap to clone; clones share the HTTP pool, the governor and the token cache.
#[derive(Debug, Clone)]
pub struct NetsuiteClient {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    http: reqwest::Client,
    base_url: Url,
    auth: Auth,
    governor: Governor,
    /// The account's slots shared with other instances, when there are any.
    account_slots: std::sync::OnceLock<Arc<dyn AccountSlots>>,
}

#[derive(Debug)]
enum Auth {
    Tba(TbaSigner),
    M2m(TokenSource),
}

/// A complete answer, body read while the request still held its permit.
pub(super) struct Answer {
    pub(super) status: StatusCode,
    pub(super) headers: HeaderMap,
    pub(super) body: Bytes,
}

impl NetsuiteClient {
    pub fn new(settings: NetsuiteSettings) -> Result<Self, ConnectorError> {
        let base_url = Url::parse(settings.base_url.trim())
            .ok()
            .filter(|url| matches!(url.scheme(), "http" | "https") && !url.cannot_be_a_base())
            .ok_or_else(|| config_error("netsuite.base_url is not an http(s) URL"))?;
        let http = reqwest::Client::builder()
            .timeout(settings.timeout)
            .user_agent(concat!("tandem/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|error| config_error(format!("cannot build the HTTP client: {error}")))?;
        let auth = match &settings.credentials {
            NetsuiteCredentials::Tba(credentials) => {
                Auth::Tba(TbaSigner::new(settings.realm(), credentials.clone()))
            }
            NetsuiteCredentials::M2m(credentials) => Auth::M2m(TokenSource::new(
                http.clone(),
                token_url(&base_url),
                credentials,
            )?),
        };
        Ok(Self {
            inner: Arc::new(Inner {
                http,
                base_url,
                auth,
                governor: Governor::new(settings.concurrency),
                account_slots: std::sync::OnceLock::new(),
            }),
        })
    }

    /// A client for `[netsuite]`; errors name the config key at fault.
    pub fn from_config(config: &NetsuiteConfig) -> Result<Self, ConnectorError> {
        Self::new(NetsuiteSettings::from_config(config)?).map_err(|mut error| {
            if error.message.starts_with("the M2M private key") {
                error.message = format!("netsuite.private_key_path: {}", error.message);
            }
            error
        })
    }

    /// Makes every request also hold one of `slots` (after the governor admitted it), so that
    /// the instances sharing them stay within the account's limit together. Set once; clones
    /// share it.
    pub fn share_account_slots(&self, slots: Arc<dyn AccountSlots>) {
        if self.inner.account_slots.set(slots).is_err() {
            tracing::warn!("the NetSuite client already shares account slots");
        }
    }

    /// The account's concurrency governor (for metrics and tests).
    pub fn governor(&self) -> &Governor {
        &self.inner.governor
    }

    /// `PUT …/{type}/eid:{external_id}`: creates or updates; 204 either way. The internal id
    /// comes from `Location` when NetSuite sends one.
    #[tracing::instrument(skip_all, fields(record_type = %record_type))]
    pub async fn upsert_by_external_id(
        &self,
        record_type: &str,
        external_id: &str,
        body: &Value,
    ) -> Result<RecordRef, ConnectorError> {
        let id = RecordId::External(external_id.to_owned());
        let url = self.url(record_type, Some(&id))?;
        let answer = self
            .send(Operation::Upsert, Method::PUT, url, Some(body), &[])
            .await?;
        let id = location(&answer.headers).and_then(|location| id_from_location(location).ok());
        Ok(RecordRef { id })
    }

    /// `POST …/{type}`: answers 204 with the new record's internal id only in `Location`.
    #[tracing::instrument(skip_all, fields(record_type = %record_type))]
    pub async fn create(&self, record_type: &str, body: &Value) -> Result<String, ConnectorError> {
        let url = self.url(record_type, None)?;
        let answer = self
            .send(Operation::Create, Method::POST, url, Some(body), &[])
            .await?;
        match location(&answer.headers) {
            Some(location) => id_from_location(location),
            // Created, but under an id we cannot know: retrying would create a duplicate.
            None => Err(ConnectorError::new(
                System::Netsuite,
                ErrorClass::Permanent,
                "the create succeeded without a Location header; the new id is unknown",
            )
            .with_status(answer.status.as_u16())),
        }
    }

    /// `GET …/{type}/{id}[?fields=a,b]`: the record's body fields.
    #[tracing::instrument(skip_all, fields(record_type = %record_type))]
    pub async fn get(
        &self,
        record_type: &str,
        id: &RecordId,
        fields: Option<&[&str]>,
    ) -> Result<Map<String, Value>, ConnectorError> {
        let fields = fields.map(|fields| ("fields", fields.join(",")));
        self.read(record_type, id, fields).await
    }

    /// `GET …/{type}/{id}?expandSubResources=true`: body fields and sublist lines inline.
    #[tracing::instrument(skip_all, fields(record_type = %record_type))]
    pub async fn get_expanded(
        &self,
        record_type: &str,
        id: &RecordId,
    ) -> Result<Map<String, Value>, ConnectorError> {
        let expand = ("expandSubResources", "true".to_owned());
        self.read(record_type, id, Some(expand)).await
    }

    async fn read(
        &self,
        record_type: &str,
        id: &RecordId,
        parameter: Option<(&str, String)>,
    ) -> Result<Map<String, Value>, ConnectorError> {
        let mut url = self.url(record_type, Some(id))?;
        if let Some((name, value)) = parameter {
            url.query_pairs_mut().append_pair(name, &value);
        }
        let answer = self
            .send(Operation::Get, Method::GET, url, None, &[])
            .await?;
        serde_json::from_slice(&answer.body).map_err(|_| {
            ConnectorError::new(
                System::Netsuite,
                ErrorClass::Retry,
                "the record answer is not a JSON object",
            )
            .with_status(answer.status.as_u16())
        })
    }

    /// `PATCH …/{type}/{id}[?replace=item]`: merges, or replaces the named sublists.
    #[tracing::instrument(skip_all, fields(record_type = %record_type))]
    pub async fn patch(
        &self,
        record_type: &str,
        id: &RecordId,
        body: &Value,
        replace: Option<&str>,
    ) -> Result<(), ConnectorError> {
        let mut url = self.url(record_type, Some(id))?;
        if let Some(sublists) = replace {
            url.query_pairs_mut().append_pair("replace", sublists);
        }
        self.send(Operation::Update, Method::PATCH, url, Some(body), &[])
            .await?;
        Ok(())
    }

    /// `…/services/rest/record/v1/metadata-catalog/{record_type}` on this account's host.
    pub(super) fn metadata_url(&self, record_type: &str) -> Url {
        endpoint(
            &self.inner.base_url,
            &[
                "services",
                "rest",
                "record",
                "v1",
                "metadata-catalog",
                record_type,
            ],
        )
    }

    /// `…/services/rest/query/v1/suiteql` on this account's host.
    pub(super) fn suiteql_url(&self) -> Url {
        endpoint(
            &self.inner.base_url,
            &["services", "rest", "query", "v1", "suiteql"],
        )
    }

    pub(super) fn url(
        &self,
        record_type: &str,
        id: Option<&RecordId>,
    ) -> Result<Url, ConnectorError> {
        let valid_type = !record_type.is_empty()
            && record_type
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !valid_type {
            return Err(invalid(format!("{record_type:?} is not a record type")));
        }
        // NetSuite mishandles other characters in URL external ids (`|` among them).
        if let Some(RecordId::External(external_id)) = id {
            let valid_id = !external_id.is_empty()
                && external_id
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
            if !valid_id {
                return Err(invalid(format!(
                    "external id {external_id:?} may hold only letters, digits, _ and -"
                )));
            }
        }
        Ok(record_url(&self.inner.base_url, record_type, id))
    }

    /// One logical request: admitted by the governor, signed afresh for every attempt, and
    /// retried after 429 (up to `MAX_THROTTLE_RETRIES`) and once after an M2M 401.
    pub(super) async fn send(
        &self,
        operation: Operation,
        method: Method,
        url: Url,
        body: Option<&Value>,
        headers: &[(&'static str, &'static str)],
    ) -> Result<Answer, ConnectorError> {
        let mut retries = 0;
        let mut refreshed = false;
        loop {
            let permit = self.inner.governor.acquire().await;
            let slot = match self.inner.account_slots.get() {
                Some(slots) => Some(slots.acquire().await?),
                None => None,
            };
            let (authorization, bearer) = self.authorization(&method, &url).await?;
            crate::connectors::calls::note(System::Netsuite);
            let mut request = self
                .inner
                .http
                .request(method.clone(), url.clone())
                .header(AUTHORIZATION, authorization);
            for (name, value) in headers {
                request = request.header(*name, *value);
            }
            if let Some(body) = body {
                request = request.json(body);
            }
            let attempt = Attempt::start(operation);
            let answer = exchange(request).await.map_err(|error| {
                let error = ConnectorError::transport(System::Netsuite, error);
                attempt.failed(error.class);
                error
            })?;
            if answer.status.is_success() {
                permit.succeeded();
                attempt.succeeded();
                return Ok(answer);
            }
            let mut error = errors::classify(answer.status.as_u16(), &answer.headers, &answer.body);
            if answer.status == StatusCode::TOO_MANY_REQUESTS {
                permit.throttled();
                drop((slot, permit));
                attempt.throttled();
                error.class = ErrorClass::Retry;
                let wait = error.retry_after.unwrap_or_else(|| backoff(retries));
                if retries >= MAX_THROTTLE_RETRIES || wait > MAX_INLINE_WAIT {
                    return Err(error);
                }
                retries += 1;
                tracing::debug!(
                    retries,
                    wait_ms = wait.as_millis() as u64,
                    "netsuite answered 429"
                );
                tokio::time::sleep(wait).await;
                continue;
            }
            attempt.failed(error.class);
            if let (Auth::M2m(tokens), Some(token), StatusCode::UNAUTHORIZED, false) =
                (&self.inner.auth, bearer, answer.status, refreshed)
            {
                drop((slot, permit));
                tokens.invalidate(&token).await;
                refreshed = true;
                continue;
            }
            return Err(error);
        }
    }

    /// The `Authorization` value for one attempt, and the bearer token it carries (M2M).
    async fn authorization(
        &self,
        method: &Method,
        url: &Url,
    ) -> Result<(HeaderValue, Option<Secret>), ConnectorError> {
        let (text, bearer) = match &self.inner.auth {
            Auth::Tba(signer) => (signer.authorization(method.as_str(), url), None),
            Auth::M2m(tokens) => {
                let token = tokens.access_token().await?;
                (format!("Bearer {}", token.expose()), Some(token))
            }
        };
        let mut value = HeaderValue::from_str(&text)
            .map_err(|_| invalid("the credentials are not valid header text"))?;
        value.set_sensitive(true);
        Ok((value, bearer))
    }
}

async fn exchange(request: reqwest::RequestBuilder) -> Result<Answer, reqwest::Error> {
    let response = request.send().await?;
    let status = response.status();
    let headers = response.headers().clone();
    let body = response.bytes().await?;
    Ok(Answer {
        status,
        headers,
        body,
    })
}

fn location(headers: &HeaderMap) -> Option<&str> {
    headers.get(LOCATION)?.to_str().ok()
}

/// Exponential from 100 ms, capped at 1 s, with jitter so that throttled workers spread out.
fn backoff(retry: u32) -> Duration {
    let ceiling = BACKOFF_FIRST
        .saturating_mul(1 << retry.min(4))
        .min(BACKOFF_CAP);
    let millis = u64::try_from(ceiling.as_millis()).unwrap_or(1000);
    Duration::from_millis(rand::rng().random_range(millis / 2..=millis))
}

pub(super) fn invalid(message: impl Into<String>) -> ConnectorError {
    ConnectorError::new(System::Netsuite, ErrorClass::Permanent, message)
}

#[cfg(test)]
mod tests;
