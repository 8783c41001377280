//! The `eventbus.v1.PubSub` service: `GetTopic`, `GetSchema` and `Subscribe` (pull-based: no
//! more events than the client requested, replay from LATEST, EARLIEST or after a CUSTOM replay
//! id), each call authenticated by its `accesstoken`, `instanceurl` and `tenantid` metadata.
//! Publishing is not emulated: change event channels take no publishers.

use super::super::SalesforceState;
use super::bus::BusEvent;
use super::schema::CAPTURED;
use crate::pubsub::proto::pub_sub_server::PubSub;
use crate::pubsub::proto::{
    ConsumerEvent, FetchRequest, FetchResponse, ManagedFetchRequest, ManagedFetchResponse,
    ProducerEvent, PublishRequest, PublishResponse, ReplayPreset, SchemaInfo, SchemaRequest,
    TopicInfo, TopicRequest,
};
use crate::pubsub::{ALL_CHANGE_EVENTS, change_event_topic, metadata, replay, status};
use std::pin::Pin;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio_stream::Stream;
use tokio_stream::wrappers::ReceiverStream;
use tonic::metadata::MetadataMap;
use tonic::{Code, Request, Response, Status, Streaming};

/// Events in one FetchResponse at most.
const BATCH: usize = 100;
/// An empty FetchResponse keeps an idle subscription alive this often, as the API does.
const KEEPALIVE: Duration = Duration::from_secs(270);

type Responses<T> = Pin<Box<dyn Stream<Item = Result<T, Status>> + Send>>;

pub struct Service {
    state: SalesforceState,
}

impl Service {
    pub fn new(state: SalesforceState) -> Self {
        Self { state }
    }

    /// A live session of this org, presented with the org's instance URL and id.
    fn authenticate(&self, metadata: &MetadataMap, rpc_id: &str) -> Result<(), Status> {
        let value = |key: &str| metadata.get(key).and_then(|v| v.to_str().ok());
        let credentials = self.state.credentials();
        let short = |id: &str| id.get(..15).unwrap_or(id).to_owned();
        let live = value(metadata::ACCESS_TOKEN)
            .is_some_and(|token| self.state.inner.sessions.touch(token));
        let instance = value(metadata::INSTANCE_URL)
            .is_some_and(|url| url.trim_end_matches('/') == self.state.base_url());
        let tenant = value(metadata::TENANT_ID)
            .is_some_and(|org| short(org) == short(&credentials.salesforce_org_id));
        if live && instance && tenant {
            return Ok(());
        }
        self.state.journal().count_auth_failure();
        Err(status::error(
            Code::Unauthenticated,
            status::AUTH_ERROR,
            "An authentication exception occurred. Provide valid authentication via metadata headers.",
            rpc_id,
        ))
    }

    fn topic_not_found(&self, topic: &str, rpc_id: &str) -> Status {
        let org = &self.state.credentials().salesforce_org_id;
        status::error(
            Code::NotFound,
            status::TOPIC_NOT_FOUND,
            &format!(
                "The topic information for org {org} and topic {topic} not found. Ensure the topic name is correct and that the topic exists."
            ),
            rpc_id,
        )
    }
}

/// The objects a channel carries: one, or (`/data/ChangeEvents`) every captured one.
fn channel(topic: &str) -> Option<Option<&'static str>> {
    if topic == ALL_CHANGE_EVENTS {
        return Some(None);
    }
    CAPTURED
        .iter()
        .find(|object| change_event_topic(object.name()) == topic)
        .map(|object| Some(object.name()))
}

fn rpc_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

#[tonic::async_trait]
impl PubSub for Service {
    type SubscribeStream = Responses<FetchResponse>;
    type PublishStreamStream = Responses<PublishResponse>;
    type ManagedSubscribeStream = Responses<ManagedFetchResponse>;

    async fn get_topic(
        &self,
        request: Request<TopicRequest>,
    ) -> Result<Response<TopicInfo>, Status> {
        let rpc_id = rpc_id();
        self.authenticate(request.metadata(), &rpc_id)?;
        let topic = request.into_inner().topic_name;
        let carried = channel(&topic).ok_or_else(|| self.topic_not_found(&topic, &rpc_id))?;
        let pubsub = &self.state.inner.pubsub;
        let schema_id = carried
            .and_then(super::SObject::parse)
            .and_then(|object| pubsub.schema_of(object))
            .map(|(schema, _)| schema.id.clone())
            .unwrap_or_default();
        Ok(Response::new(TopicInfo {
            topic_name: topic,
            tenant_guid: self.state.credentials().salesforce_org_id.clone(),
            can_publish: false,
            can_subscribe: true,
            schema_id,
            rpc_id,
        }))
    }

    async fn get_schema(
        &self,
        request: Request<SchemaRequest>,
    ) -> Result<Response<SchemaInfo>, Status> {
        let rpc_id = rpc_id();
        self.authenticate(request.metadata(), &rpc_id)?;
        let schema_id = request.into_inner().schema_id;
        let schema = self
            .state
            .inner
            .pubsub
            .schema_by_id(&schema_id)
            .ok_or_else(|| {
                status::error(
                    Code::NotFound,
                    status::SCHEMA_NOT_FOUND,
                    &format!("No schema with the ID {schema_id} exists."),
                    &rpc_id,
                )
            })?;
        Ok(Response::new(SchemaInfo {
            schema_json: schema.json.clone(),
            schema_id,
            rpc_id,
        }))
    }

    async fn subscribe(
        &self,
        request: Request<Streaming<FetchRequest>>,
    ) -> Result<Response<Self::SubscribeStream>, Status> {
        let rpc_id = rpc_id();
        self.authenticate(request.metadata(), &rpc_id)?;
        let requests = request.into_inner();
        let (responses, stream) = mpsc::channel(4);
        let subscription = Subscription {
            service: Service::new(self.state.clone()),
            rpc_id,
            responses,
        };
        tokio::spawn(subscription.run(requests));
        Ok(Response::new(Box::pin(ReceiverStream::new(stream))))
    }

    async fn publish(
        &self,
        request: Request<PublishRequest>,
    ) -> Result<Response<PublishResponse>, Status> {
        let rpc_id = rpc_id();
        self.authenticate(request.metadata(), &rpc_id)?;
        Err(not_emulated(&rpc_id))
    }

    async fn publish_stream(
        &self,
        request: Request<Streaming<PublishRequest>>,
    ) -> Result<Response<Self::PublishStreamStream>, Status> {
        let rpc_id = rpc_id();
        self.authenticate(request.metadata(), &rpc_id)?;
        Err(not_emulated(&rpc_id))
    }

    async fn managed_subscribe(
        &self,
        request: Request<Streaming<ManagedFetchRequest>>,
    ) -> Result<Response<Self::ManagedSubscribeStream>, Status> {
        let rpc_id = rpc_id();
        self.authenticate(request.metadata(), &rpc_id)?;
        Err(not_emulated(&rpc_id))
    }
}

fn not_emulated(rpc_id: &str) -> Status {
    Status::unimplemented(format!(
        "the sandbox serves GetTopic, GetSchema and Subscribe only rpcId: {rpc_id}"
    ))
}

/// One Subscribe call: its client's requests in, events out as far as they were requested.
struct Subscription {
    service: Service,
    rpc_id: String,
    responses: mpsc::Sender<Result<FetchResponse, Status>>,
}

impl Subscription {
    async fn run(self, mut requests: Streaming<FetchRequest>) {
        if let Err(status) = self.serve(&mut requests).await {
            let _ = self.responses.send(Err(status)).await;
        }
    }

    async fn serve(&self, requests: &mut Streaming<FetchRequest>) -> Result<(), Status> {
        let Some(first) = requests.message().await? else {
            return Ok(());
        };
        let topic = first.topic_name.clone();
        let carried =
            channel(&topic).ok_or_else(|| self.service.topic_not_found(&topic, &self.rpc_id))?;
        let wanted = |event: &BusEvent| carried.is_none_or(|object| event.object == object);
        let bus = &self.service.state.inner.pubsub.bus;
        let mut cursor = self.start(&first, bus.newest())?;
        let mut pending = self.requested(&first)?;
        let mut published = bus.watch();
        let _open = super::Open::new(&self.service.state.inner.pubsub.subscriptions);
        // The first empty response comes at once rather than after the keepalive interval
        // (the API promises one "within 270 seconds"): it tells the client where it starts.
        let mut first_pass = true;
        loop {
            published.borrow_and_update();
            let mut delivered = false;
            while pending > 0 {
                let batch = bus.after(cursor, pending.min(BATCH), wanted);
                let Some(last) = batch.last() else {
                    break;
                };
                cursor = last.position;
                pending -= batch.len();
                delivered = true;
                let events = batch.iter().map(|event| consumer_event(event)).collect();
                if !self.send(events, cursor, pending).await {
                    return Ok(());
                }
            }
            if std::mem::take(&mut first_pass)
                && !delivered
                && !self.send(Vec::new(), cursor, pending).await
            {
                return Ok(());
            }
            tokio::select! {
                request = requests.message() => {
                    let Some(request) = request? else {
                        return Ok(());
                    };
                    if !request.topic_name.is_empty() && request.topic_name != topic {
                        return Err(self.invalid("The topic can't change within a subscription."));
                    }
                    pending += self.requested(&request)?;
                }
                changed = published.changed() => {
                    if changed.is_err() {
                        return Ok(());
                    }
                }
                () = tokio::time::sleep(KEEPALIVE) => {
                    if !self.send(Vec::new(), cursor, pending).await {
                        return Ok(());
                    }
                }
                () = self.responses.closed() => return Ok(()),
            }
        }
    }

    /// The position after which the subscription starts.
    fn start(&self, first: &FetchRequest, newest: u64) -> Result<u64, Status> {
        match ReplayPreset::try_from(first.replay_preset) {
            Ok(ReplayPreset::Latest) => Ok(newest),
            Ok(ReplayPreset::Earliest) => Ok(0),
            Ok(ReplayPreset::Custom) if first.replay_id.is_empty() => Err(status::error(
                Code::InvalidArgument,
                status::REPLAY_ID_VALIDATION_FAILED,
                "The Replay ID validation failed. Provide a replay ID for a CUSTOM replay preset.",
                &self.rpc_id,
            )),
            Ok(ReplayPreset::Custom) => replay::decode(&first.replay_id)
                .filter(|position| *position <= newest)
                .ok_or_else(|| {
                    status::error(
                        Code::InvalidArgument,
                        status::REPLAY_ID_CORRUPTED,
                        "The replay ID is invalid or outside the retention window. Ensure that the replay_id field value in FetchRequest is valid and refers to an event that is within the retention window.",
                        &self.rpc_id,
                    )
                }),
            Err(_) => Err(self.invalid("Unknown replay preset.")),
        }
    }

    fn requested(&self, request: &FetchRequest) -> Result<usize, Status> {
        usize::try_from(request.num_requested)
            .map_err(|_| self.invalid("num_requested can't be negative."))
    }

    fn invalid(&self, message: &str) -> Status {
        status::error(
            Code::InvalidArgument,
            status::INVALID_REQUEST,
            message,
            &self.rpc_id,
        )
    }

    /// `false` when the client has gone.
    async fn send(&self, events: Vec<ConsumerEvent>, cursor: u64, pending: usize) -> bool {
        let response = FetchResponse {
            events,
            latest_replay_id: replay::encode(cursor),
            rpc_id: self.rpc_id.clone(),
            pending_num_requested: i32::try_from(pending).unwrap_or(i32::MAX),
        };
        self.responses.send(Ok(response)).await.is_ok()
    }
}

fn consumer_event(event: &BusEvent) -> ConsumerEvent {
    ConsumerEvent {
        event: Some(ProducerEvent {
            id: event.event_id.clone(),
            schema_id: event.schema_id.clone(),
            payload: event.payload.clone(),
            headers: Vec::new(),
        }),
        replay_id: replay::encode(event.position),
    }
}
