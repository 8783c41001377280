//! The default queue: a SQLite file (WAL) owned by one writer thread that commits concurrent
//! requests together, so every answer follows an fsync without one fsync per request.

mod schema;
mod writer;

use super::{Delivery, EnqueueOutcome, Lease, LeaseToken, Queue, QueueDepth, QueueError};
use async_trait::async_trait;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Notify, mpsc, oneshot};
use writer::Command;

/// Tunables of the embedded queue (from `[queue]`).
#[derive(Debug, Clone)]
pub struct EmbeddedSettings {
    pub path: PathBuf,
    pub shards: u16,
    pub visibility_timeout: Duration,
    pub max_deliveries: u32,
    pub dedupe_retention: Duration,
}

pub struct EmbeddedQueue {
    commands: mpsc::UnboundedSender<Command>,
    /// Woken after a commit that made events available.
    available: Arc<Notify>,
}

impl EmbeddedQueue {
    /// Opens (creating if needed) the queue file and starts its writer thread.
    pub async fn open(settings: EmbeddedSettings) -> Result<Self, QueueError> {
        check_parent(&settings.path)?;
        let available = Arc::new(Notify::new());
        let (commands, receiver) = mpsc::unbounded_channel();
        let (opened, ready) = oneshot::channel();
        let notify = available.clone();
        std::thread::Builder::new()
            .name("tandem-queue".into())
            .spawn(move || writer::run(settings, receiver, notify, opened))
            .map_err(|e| QueueError::Unavailable(format!("cannot start queue thread: {e}")))?;
        ready
            .await
            .map_err(|_| QueueError::Unavailable("queue thread stopped".into()))??;
        Ok(Self {
            commands,
            available,
        })
    }

    async fn call<T>(
        &self,
        command: impl FnOnce(oneshot::Sender<Result<T, QueueError>>) -> Command,
    ) -> Result<T, QueueError> {
        let (reply, answer) = oneshot::channel();
        self.commands
            .send(command(reply))
            .map_err(|_| QueueError::Unavailable("queue thread stopped".into()))?;
        answer
            .await
            .map_err(|_| QueueError::Unavailable("queue thread stopped".into()))?
    }
}

fn check_parent(path: &Path) -> Result<(), QueueError> {
    match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() && !parent.is_dir() => {
            Err(QueueError::Unavailable(format!(
                "queue.path: directory {} does not exist",
                parent.display()
            )))
        }
        _ => Ok(()),
    }
}

#[async_trait]
impl Queue for EmbeddedQueue {
    fn backend(&self) -> &'static str {
        "embedded"
    }

    async fn enqueue(&self, deliveries: Vec<Delivery>) -> Result<EnqueueOutcome, QueueError> {
        self.call(|reply| Command::Enqueue { deliveries, reply })
            .await
    }

    async fn receive(&self, max: usize, wait: Duration) -> Result<Vec<Lease>, QueueError> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            // Register interest before looking, so a commit between the look and the wait
            // still wakes us.
            let notified = self.available.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            let leases = self.call(|reply| Command::Claim { max, reply }).await?;
            let now = tokio::time::Instant::now();
            if !leases.is_empty() || now >= deadline {
                return Ok(leases);
            }
            // Delayed retries and expired leases become available without a notification:
            // look again when the next one is due (and at least once a second regardless).
            let mut next_look = deadline.min(now + Duration::from_secs(1));
            if let Some(due) = self.call(|reply| Command::NextDue { reply }).await? {
                let wait_ms = (due - chrono::Utc::now().timestamp_millis()).max(0) as u64;
                next_look = next_look.min(now + Duration::from_millis(wait_ms));
            }
            tokio::select! {
                _ = &mut notified => {}
                _ = tokio::time::sleep_until(next_look) => {}
            }
        }
    }

    async fn ack(&self, token: LeaseToken) -> Result<(), QueueError> {
        self.call(|reply| Command::Ack { token, reply }).await
    }

    async fn retry_later(
        &self,
        token: LeaseToken,
        delay: Duration,
        error: &str,
    ) -> Result<(), QueueError> {
        let error = error.to_owned();
        self.call(|reply| Command::RetryLater {
            token,
            delay,
            error,
            postponed: false,
            reply,
        })
        .await
    }

    async fn postpone(
        &self,
        token: LeaseToken,
        delay: Duration,
        reason: &str,
    ) -> Result<(), QueueError> {
        let error = reason.to_owned();
        self.call(|reply| Command::RetryLater {
            token,
            delay,
            error,
            postponed: true,
            reply,
        })
        .await
    }

    async fn dead_letter(&self, token: LeaseToken, reason: &str) -> Result<(), QueueError> {
        let reason = reason.to_owned();
        self.call(|reply| Command::DeadLetter {
            token,
            reason,
            reply,
        })
        .await
    }

    async fn depth(&self) -> Result<QueueDepth, QueueError> {
        self.call(|reply| Command::Depth { reply }).await
    }

    async fn check(&self) -> Result<(), QueueError> {
        self.call(|reply| Command::Ping { reply }).await
    }
}

#[cfg(test)]
mod tests;
