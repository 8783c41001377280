//! tandem's Pub/Sub API client: one HTTP/2 channel to the endpoint (TLS for `https://`), every
//! call carrying the session's `accesstoken`, `instanceurl` and `tenantid` metadata.

use super::metadata;
use super::proto::pub_sub_client::PubSubClient;
use super::proto::{FetchRequest, FetchResponse, SchemaRequest};
use crate::connectors::salesforce::Session;
use tonic::metadata::MetadataValue;
use tonic::transport::{Channel, ClientTlsConfig, Endpoint};
use tonic::{Request, Status, Streaming};

/// A channel to the Pub/Sub API; cheap to clone.
#[derive(Clone, Debug)]
pub struct PubSubChannel {
    channel: Channel,
    tenant_id: String,
}

impl PubSubChannel {
    /// A lazily connecting channel: nothing is sent until the first call.
    pub fn new(endpoint: &str, tenant_id: &str) -> anyhow::Result<Self> {
        let mut endpoint = Endpoint::from_shared(endpoint.to_owned())?
            .connect_timeout(std::time::Duration::from_secs(10))
            .http2_keep_alive_interval(std::time::Duration::from_secs(60))
            .keep_alive_while_idle(true);
        if endpoint.uri().scheme_str() == Some("https") {
            endpoint = endpoint.tls_config(ClientTlsConfig::new().with_webpki_roots())?;
        }
        Ok(Self {
            channel: endpoint.connect_lazy(),
            tenant_id: tenant_id.to_owned(),
        })
    }

    fn request<T>(&self, message: T, session: &Session) -> Result<Request<T>, Status> {
        let mut request = Request::new(message);
        let value = |text: &str| {
            text.parse::<MetadataValue<_>>()
                .map_err(|_| Status::invalid_argument("a session value is not valid metadata"))
        };
        let headers = request.metadata_mut();
        headers.insert(metadata::ACCESS_TOKEN, value(session.access_token())?);
        headers.insert(metadata::INSTANCE_URL, value(session.instance_url())?);
        headers.insert(metadata::TENANT_ID, value(&self.tenant_id)?);
        Ok(request)
    }

    /// The Avro schema (JSON) with this id.
    pub async fn schema(&self, session: &Session, schema_id: &str) -> Result<String, Status> {
        let request = self.request(
            SchemaRequest {
                schema_id: schema_id.to_owned(),
            },
            session,
        )?;
        let info = PubSubClient::new(self.channel.clone())
            .get_schema(request)
            .await?
            .into_inner();
        Ok(info.schema_json)
    }

    /// Opens a subscription; `requests` carries the first FetchRequest and every later one.
    pub async fn subscribe(
        &self,
        session: &Session,
        requests: impl tokio_stream::Stream<Item = FetchRequest> + Send + 'static,
    ) -> Result<Streaming<FetchResponse>, Status> {
        let request = self.request(requests, session)?;
        Ok(PubSubClient::new(self.channel.clone())
            .subscribe(request)
            .await?
            .into_inner())
    }
}
