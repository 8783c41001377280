//! The subscriber: one task per configured topic, subscribed from the replay id stored after
//! the last queued event (or LATEST the first time). Each batch of events is decoded, turned
//! into change events, queued with `salesforce:change:<transaction key>:<sequence number>` as
//! the delivery key (so redeliveries, and a change that two subscribed channels both carry, are
//! dropped like repeated webhooks), and only then checkpointed; only then
//! are as many more events requested. A broken stream resubscribes from the checkpoint with
//! backoff; a refused session is renewed first. A checkpoint the API no longer holds (outside
//! its retention window: `replayid.corrupted`) resubscribes from EARLIEST, so nothing retained
//! is missed; events queued before are dropped by their delivery keys.

use super::client::PubSubChannel;
use super::proto::{ConsumerEvent, FetchRequest, FetchResponse, ReplayPreset};
use super::{replay, status};
use crate::config::Config;
use crate::connectors::SalesforceClient;
use crate::connectors::salesforce::Session;
use crate::domain::{ChangeEvent, System};
use crate::ingress::change_data_capture::{CdcEvent, EventSchema};
use crate::ops::metrics::{OTHER, PUBSUB_EVENTS, PUBSUB_LAG, PUBSUB_RESUBSCRIBES, object_label};
use crate::queue::{Delivery, Queue};
use crate::store::Store;
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use tokio::sync::{Mutex, mpsc};
use tokio_stream::wrappers::ReceiverStream;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tonic::{Code, Status};

const FIRST_BACKOFF: Duration = Duration::from_millis(500);
const MAX_BACKOFF: Duration = Duration::from_secs(60);

/// Starts one subscriber per topic when `[salesforce.pubsub]` is enabled.
pub fn spawn(
    config: &Config,
    queue: Arc<dyn Queue>,
    store: Arc<dyn Store>,
    stop: CancellationToken,
    tracker: &TaskTracker,
) -> anyhow::Result<()> {
    let settings = &config.salesforce.pubsub;
    if !settings.enabled {
        return Ok(());
    }
    let salesforce =
        SalesforceClient::from_config(&config.salesforce).map_err(|e| anyhow::anyhow!("{e}"))?;
    let tenant = config
        .salesforce
        .organization_id
        .clone()
        .unwrap_or_default();
    let channel = PubSubChannel::new(&settings.endpoint, &tenant)
        .map_err(|e| anyhow::anyhow!("salesforce.pubsub.endpoint: {e}"))?;
    let schemas = Arc::new(Mutex::new(HashMap::new()));
    for topic in &settings.topics {
        let subscriber = Subscriber {
            topic: topic.clone(),
            batch: i32::from(settings.batch_size),
            channel: channel.clone(),
            salesforce: salesforce.clone(),
            queue: queue.clone(),
            store: store.clone(),
            schemas: schemas.clone(),
            replay_lost: AtomicBool::new(false),
        };
        tracker.spawn(subscriber.run(stop.clone()));
    }
    tracing::info!(topics = ?settings.topics, endpoint = %settings.endpoint, "Pub/Sub subscribers started");
    Ok(())
}

struct Subscriber {
    topic: String,
    batch: i32,
    channel: PubSubChannel,
    salesforce: SalesforceClient,
    queue: Arc<dyn Queue>,
    store: Arc<dyn Store>,
    /// Decoders by schema id, shared by the topics' subscribers.
    schemas: Arc<Mutex<HashMap<String, Arc<EventSchema>>>>,
    /// The API refused the stored replay id: subscribe from EARLIEST until a new checkpoint
    /// is saved. The refused one stays stored meanwhile, so a restart in between comes back
    /// here rather than starting at LATEST and missing what was retained.
    replay_lost: AtomicBool,
}

/// Why a subscription ended.
enum Ended {
    Stopped,
    Closed,
    Failed(anyhow::Error),
    Refused(Session),
    /// The stored replay id is not (or no longer) one the API holds.
    ReplayLost(Status),
}

impl Subscriber {
    async fn run(self, stop: CancellationToken) {
        let mut backoff = FIRST_BACKOFF;
        loop {
            let ended = tokio::select! {
                () = stop.cancelled() => Ended::Stopped,
                ended = self.subscribe() => ended,
            };
            let reason = match ended {
                Ended::Stopped => return,
                Ended::Closed => {
                    backoff = FIRST_BACKOFF;
                    "ended"
                }
                Ended::Refused(session) => {
                    tracing::info!(topic = %self.topic, "the Pub/Sub API refused the session; renewing it");
                    self.salesforce.refuse_session(&session).await;
                    "auth"
                }
                Ended::ReplayLost(status) => {
                    tracing::warn!(topic = %self.topic, error = %status.message(), "the Pub/Sub API no longer holds the stored replay id; resubscribing from the earliest retained event");
                    self.replay_lost.store(true, Ordering::SeqCst);
                    "replay_id"
                }
                Ended::Failed(error) => {
                    tracing::warn!(topic = %self.topic, error = %format!("{error:#}"), retry_in = ?backoff, "Pub/Sub subscription failed");
                    "stream_error"
                }
            };
            metrics::counter!(PUBSUB_RESUBSCRIBES, "reason" => reason).increment(1);
            tokio::select! {
                () = stop.cancelled() => return,
                () = tokio::time::sleep(jittered(backoff)) => {}
            }
            backoff = (backoff * 2).min(MAX_BACKOFF);
        }
    }

    /// One subscription, until its stream ends.
    async fn subscribe(&self) -> Ended {
        let session = match self.salesforce.session().await {
            Ok(session) => session,
            Err(error) => return Ended::Failed(anyhow::anyhow!("signing in: {error}")),
        };
        match self.stream(&session).await {
            Ok(()) => Ended::Closed,
            Err(error) => match error.downcast_ref::<Status>() {
                Some(status) if status.code() == Code::Unauthenticated => Ended::Refused(session),
                Some(status) if status::error_code(status) == Some(status::REPLAY_ID_CORRUPTED) => {
                    Ended::ReplayLost(status.clone())
                }
                _ => Ended::Failed(error),
            },
        }
    }

    async fn stream(&self, session: &Session) -> anyhow::Result<()> {
        let checkpoint = self.checkpoint().await?;
        let (preset, replay_id) = match checkpoint {
            _ if self.replay_lost.load(Ordering::SeqCst) => (ReplayPreset::Earliest, Vec::new()),
            Some(replay_id) => (ReplayPreset::Custom, replay_id),
            None => (ReplayPreset::Latest, Vec::new()),
        };
        tracing::info!(topic = %self.topic, from = %replay::display(&replay_id), preset = preset.as_str_name(), "subscribing to the Pub/Sub API");
        let (requests, outgoing) = mpsc::channel(4);
        requests
            .send(FetchRequest {
                topic_name: self.topic.clone(),
                replay_preset: preset as i32,
                replay_id,
                num_requested: self.batch,
                auth_refresh: String::new(),
            })
            .await?;
        let mut responses = self
            .channel
            .subscribe(session, ReceiverStream::new(outgoing))
            .await
            .map_err(|status| anyhow::Error::new(status).context("subscribing"))?;
        while let Some(response) = responses.message().await.map_err(described)? {
            let queued = self.take(session, response).await?;
            if queued > 0 {
                // As many more as were just made durable: never more in flight than the batch.
                requests
                    .send(FetchRequest {
                        topic_name: self.topic.clone(),
                        num_requested: i32::try_from(queued).unwrap_or(self.batch),
                        ..FetchRequest::default()
                    })
                    .await?;
            }
        }
        Ok(())
    }

    /// The replay id of the last event whose change events are queued, if any.
    async fn checkpoint(&self) -> anyhow::Result<Option<Vec<u8>>> {
        let name = replay::checkpoint_name(&self.topic);
        let Some(hex) = self.store.checkpoint(&name).await? else {
            return Ok(None);
        };
        match replay::from_hex(&hex) {
            Some(replay_id) => Ok(Some(replay_id)),
            None => anyhow::bail!("checkpoint {name} holds {hex:?}, not a replay id in hex"),
        }
    }

    /// Keeps `replay_id` as the topic's checkpoint; call only once its events are queued.
    async fn save_checkpoint(&self, replay_id: &[u8]) -> anyhow::Result<()> {
        let name = replay::checkpoint_name(&self.topic);
        let now_ms = chrono::Utc::now().timestamp_millis();
        self.store
            .save_checkpoint(&name, &replay::to_hex(replay_id), now_ms)
            .await?;
        self.replay_lost.store(false, Ordering::SeqCst);
        Ok(())
    }

    /// Queues a response's events and checkpoints the last; returns how many events it held.
    async fn take(&self, session: &Session, response: FetchResponse) -> anyhow::Result<usize> {
        let Some(last) = response.events.last() else {
            // A keepalive. While events are requested, it names the position the subscription
            // has reached with nothing left to deliver: keeping it means a quiet topic resumes
            // from there (not from the tip) after a restart, and stays inside the retention.
            if response.pending_num_requested > 0 && !response.latest_replay_id.is_empty() {
                self.save_checkpoint(&response.latest_replay_id).await?;
            }
            return Ok(0);
        };
        let last_replay_id = last.replay_id.clone();
        let received_at = chrono::Utc::now();
        // By object (in the order they came), so that each is counted under its own label on
        // a channel carrying several (`/data/ChangeEvents`); one record's events stay in order.
        let mut by_object: Vec<(&'static str, Vec<Delivery>)> = Vec::new();
        for event in &response.events {
            match self.decode(session, event).await? {
                Some(decoded) => {
                    let key = decoded.delivery_key(|| {
                        format!(
                            "salesforce:pubsub:{}:{}",
                            self.topic,
                            replay::display(&event.replay_id)
                        )
                    });
                    let lag = received_at.timestamp_millis() - decoded.header.commit_timestamp;
                    metrics::histogram!(PUBSUB_LAG).record(lag.max(0) as f64 / 1000.0);
                    let object = object_label(System::Salesforce, &decoded.header.entity_name);
                    let events = self
                        .complete(decoded.change_events(&key, received_at), &decoded)
                        .await?;
                    let delivery = Delivery {
                        dedupe_key: key,
                        events,
                    };
                    match by_object.iter_mut().find(|(label, _)| *label == object) {
                        Some((_, deliveries)) => deliveries.push(delivery),
                        None => by_object.push((object, vec![delivery])),
                    }
                }
                None => {
                    metrics::counter!(PUBSUB_EVENTS, "object" => OTHER, "outcome" => "undecodable")
                        .increment(1);
                }
            }
        }
        let count = response.events.len();
        let mut accepted = 0;
        for (object, deliveries) in by_object {
            let outcome = self.queue.enqueue(deliveries).await?;
            accepted += outcome.accepted;
            metrics::counter!(PUBSUB_EVENTS, "object" => object, "outcome" => "queued")
                .increment(outcome.accepted as u64);
            metrics::counter!(PUBSUB_EVENTS, "object" => object, "outcome" => "duplicate")
                .increment(outcome.duplicates as u64);
        }
        // Only now that the events are durable: a crash before this line redelivers them, and
        // the delivery keys drop what was queued already.
        self.save_checkpoint(&last_replay_id).await?;
        tracing::debug!(topic = %self.topic, events = count, accepted, replay_id = %replay::display(&last_replay_id), "Pub/Sub events queued");
        Ok(count)
    }

    /// The decoded event, or `None` (logged) when its payload cannot be read.
    async fn decode(
        &self,
        session: &Session,
        event: &ConsumerEvent,
    ) -> anyhow::Result<Option<CdcEvent>> {
        let replay_id = replay::display(&event.replay_id);
        let Some(producer) = &event.event else {
            tracing::error!(topic = %self.topic, %replay_id, "Pub/Sub event without a payload; skipped");
            return Ok(None);
        };
        let schema = self.schema(session, &producer.schema_id).await?;
        match schema.decode(&producer.payload) {
            Ok(decoded) => Ok(Some(decoded)),
            Err(error) => {
                tracing::error!(topic = %self.topic, %replay_id, %error, "undecodable Pub/Sub event; skipped");
                Ok(None)
            }
        }
    }

    async fn schema(&self, session: &Session, schema_id: &str) -> anyhow::Result<Arc<EventSchema>> {
        let mut schemas = self.schemas.lock().await;
        if let Some(schema) = schemas.get(schema_id) {
            return Ok(schema.clone());
        }
        let json = self
            .channel
            .schema(session, schema_id)
            .await
            .map_err(|status| anyhow::Error::new(status).context("fetching a schema"))?;
        let schema = Arc::new(EventSchema::parse(&json).map_err(anyhow::Error::msg)?);
        schemas.insert(schema_id.to_owned(), schema.clone());
        Ok(schema)
    }

    /// A change event carries only what changed, while the flows read the whole record (as an
    /// Outbound Message carries it): a change someone else made is completed with the record
    /// as it is now. tandem's own writes (echoes, dropped by the worker) and deletes are not.
    async fn complete(
        &self,
        mut events: Vec<ChangeEvent>,
        decoded: &CdcEvent,
    ) -> anyhow::Result<Vec<ChangeEvent>> {
        if decoded.made_through_tandem() {
            return Ok(events);
        }
        for event in &mut events {
            if event.is_delete() {
                continue;
            }
            match self
                .salesforce
                .get(&event.object, &event.record_id, &[])
                .await
            {
                Ok(mut record) => {
                    record.remove("attributes");
                    event.fields = record;
                }
                // Deleted since: its delete event follows; this one keeps what it carried.
                Err(error) if error.status == Some(404) => {}
                Err(error) => {
                    return Err(anyhow::anyhow!(
                        "reading {} {}: {error}",
                        event.object,
                        event.record_id
                    ));
                }
            }
        }
        Ok(events)
    }
}

/// A status with its Pub/Sub API error code, for logs.
fn described(status: Status) -> anyhow::Error {
    let code = status::error_code(&status).unwrap_or("none").to_owned();
    anyhow::Error::new(status).context(format!("subscription stream (error code {code})"))
}

fn jittered(delay: Duration) -> Duration {
    use rand::Rng;
    let spread = u64::try_from(delay.as_millis() / 4).unwrap_or(0);
    delay + Duration::from_millis(rand::rng().random_range(0..=spread))
}
