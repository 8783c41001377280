//! Alerts: a background loop samples tandem's state every few seconds, turns it into
//! conditions (new dead letters, outages, stalls, API usage, throttling, recoveries) and sends
//! each configured channel at most one digest per `alerts.digest_interval`. A channel sends in
//! its own task with a timeout, so a slow or failing channel never holds up syncing; what it
//! failed to take is carried over into its next digest.

pub mod channels;
pub mod conditions;
pub mod digest;
pub mod rate;
pub mod stall;
pub mod watch;

use crate::config::AlertsConfig;
use crate::ops::metrics::{ALERTS_FAILED, ALERTS_SENT};
use crate::queue::Queue;
use crate::store::{DeadLetterStatus, Store};
use channels::{Channel, SendError};
use conditions::Conditions;
use digest::Digest;
use rate::RateLimit;
use stall::FlowReading;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use watch::{Letter, Sample, Thresholds, Watch};

/// Open dead letters read per sample, newest first; more new ones than this between two
/// samples are not all counted.
const LETTERS_PER_SAMPLE: usize = 1000;
/// Longest wait for the store or the queue to answer a sample.
const SAMPLE_TIMEOUT: Duration = Duration::from_secs(5);

/// How often state is sampled: a quarter of the digest interval, between 100 ms and 5 s.
pub fn sample_every(interval: Duration) -> Duration {
    (interval / 4).clamp(Duration::from_millis(100), Duration::from_secs(5))
}

/// Starts the alert loop when a channel is configured; it stops when `stopping` is cancelled.
pub fn spawn(
    config: &AlertsConfig,
    store: Arc<dyn Store>,
    queue: Arc<dyn Queue>,
    stopping: CancellationToken,
    tasks: &TaskTracker,
) -> anyhow::Result<()> {
    let channels = channels::from_config(config)?;
    if channels.is_empty() {
        return Ok(());
    }
    let names: Vec<&str> = channels.iter().map(|channel| channel.name()).collect();
    tracing::info!(channels = ?names, interval = ?config.digest_interval, "alerts are on");
    let alerts = Alerts {
        config: config.clone(),
        store,
        queue,
        flows_read_from: chrono::Utc::now().timestamp_millis(),
        outboxes: channels
            .into_iter()
            .map(|channel| Outbox::new(channel, config.digest_interval))
            .collect(),
    };
    tasks.spawn(alerts.run(stopping));
    Ok(())
}

struct Alerts {
    config: AlertsConfig,
    store: Arc<dyn Store>,
    queue: Arc<dyn Queue>,
    /// Where the next reading of each flow's activity starts (milliseconds since the epoch):
    /// where the last one that reached the store ended.
    flows_read_from: i64,
    outboxes: Vec<Outbox>,
}

impl Alerts {
    async fn run(mut self, stopping: CancellationToken) {
        let mut watch = Watch::new(Thresholds {
            salesforce_usage_percent: self.config.salesforce_usage_percent,
            netsuite_throttles: self.config.netsuite_throttles,
            throttle_window: self.config.digest_interval,
            stall_after: self.config.stall_after,
        });
        let mut ticks = tokio::time::interval(sample_every(self.config.digest_interval));
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = stopping.cancelled() => break,
                _ = ticks.tick() => {}
            }
            let sample = self.sample().await;
            let now = Instant::now();
            let news = watch.observe(&sample, now);
            for outbox in &mut self.outboxes {
                outbox.step(news.clone(), now, &self.config).await;
            }
        }
    }

    async fn sample(&mut self) -> Sample {
        let letters = tokio::time::timeout(
            SAMPLE_TIMEOUT,
            self.store
                .dead_letters(Some(DeadLetterStatus::Open), LETTERS_PER_SAMPLE),
        )
        .await;
        let letters_complete =
            matches!(&letters, Ok(Ok(listed)) if listed.len() < LETTERS_PER_SAMPLE);
        let open_letters = match letters {
            Ok(Ok(letters)) => Some(
                letters
                    .into_iter()
                    .map(|letter| Letter {
                        id: letter.id,
                        flow: crate::sync::flows::flow_of(&letter.event)
                            .map_or("unmapped", |flow| flow.as_str())
                            .to_owned(),
                        record: letter.event.record_key(),
                        error_code: letter.error_code.unwrap_or_else(|| "unknown".to_owned()),
                        reason: letter.reason,
                    })
                    .collect(),
            ),
            _ => None,
        };
        let queue = match tokio::time::timeout(SAMPLE_TIMEOUT, self.queue.depth()).await {
            Ok(Ok(depth)) => Some(depth),
            _ => None,
        };
        Sample {
            open_letters,
            letters_complete,
            queue,
            readings: crate::ops::signals::read(),
            flows: self.read_flows().await,
        }
    }

    /// Each flow's failures and writes since the last reading; `None` when the store did not
    /// answer (the next reading then covers the gap).
    async fn read_flows(&mut self) -> Option<FlowReading> {
        let until = chrono::Utc::now().timestamp_millis();
        let read = FlowReading::read(self.store.as_ref(), self.flows_read_from);
        match tokio::time::timeout(SAMPLE_TIMEOUT, read).await {
            Ok(Ok(reading)) => {
                self.flows_read_from = until;
                Some(reading)
            }
            _ => None,
        }
    }
}

/// One channel: its rate limit, what it has not been sent yet, and the send under way.
struct Outbox {
    channel: Arc<dyn Channel>,
    limit: RateLimit,
    unsent: Conditions,
    /// The send under way, with what it carries (given back when it fails).
    sending: Option<JoinHandle<(Conditions, Result<(), SendError>)>>,
}

impl Outbox {
    fn new(channel: Arc<dyn Channel>, interval: Duration) -> Self {
        Self {
            channel,
            limit: RateLimit::new(interval),
            unsent: Conditions::default(),
            sending: None,
        }
    }

    async fn step(&mut self, news: Conditions, now: Instant, config: &AlertsConfig) {
        self.unsent.merge(news);
        if self
            .sending
            .as_ref()
            .is_some_and(|send| !send.is_finished())
        {
            return;
        }
        if let Some(finished) = self.sending.take() {
            // Finished: this await does not wait.
            self.settle(finished.await);
        }
        if self.unsent.is_empty() || !self.limit.allows(now) {
            return;
        }
        let content = std::mem::take(&mut self.unsent);
        self.limit.took(now);
        let digest = Digest::compose(
            &content,
            config.ops_url.as_deref(),
            format!("msg_{}", uuid::Uuid::new_v4().simple()),
            chrono::Utc::now(),
        );
        let channel = self.channel.clone();
        let timeout = config.send_timeout;
        self.sending = Some(tokio::spawn(async move {
            let name = channel.name();
            let result = match tokio::time::timeout(timeout, channel.send(&digest)).await {
                Ok(result) => result,
                Err(_) => Err(SendError::Timeout(timeout)),
            };
            match &result {
                Ok(()) => {
                    metrics::counter!(ALERTS_SENT, "channel" => name).increment(1);
                    tracing::info!(channel = name, digest = %digest.id, "alert digest sent");
                }
                Err(error) => {
                    metrics::counter!(ALERTS_FAILED, "channel" => name).increment(1);
                    tracing::warn!(channel = name, %error, "alert digest not sent; its content goes with the next one");
                }
            }
            (content, result)
        }));
    }

    /// A failed send's content goes back in front of what is unsent.
    fn settle(
        &mut self,
        finished: Result<(Conditions, Result<(), SendError>), tokio::task::JoinError>,
    ) {
        match finished {
            Ok((_, Ok(()))) => {}
            Ok((content, Err(_))) => {
                let newer = std::mem::replace(&mut self.unsent, content);
                self.unsent.merge(newer);
            }
            Err(error) => {
                let channel = self.channel.name();
                metrics::counter!(ALERTS_FAILED, "channel" => channel).increment(1);
                tracing::error!(channel, %error, "alert digest task failed; its content is lost");
            }
        }
    }
}
