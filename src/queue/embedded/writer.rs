//! The embedded queue's writer thread: owns the SQLite connection, runs every command of a
//! batch in one transaction, and answers only after that transaction committed.

use super::{EmbeddedSettings, schema};
use crate::domain::{ChangeEvent, Envelope};
use crate::queue::{Delivery, EnqueueOutcome, Lease, LeaseToken, QueueDepth, QueueError, shard_of};
use chrono::Utc;
use rusqlite::{Connection, OptionalExtension, Transaction, TransactionBehavior, params};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Notify, mpsc, oneshot};

type Reply<T> = oneshot::Sender<Result<T, QueueError>>;

/// Most commands committed together; bounds the latency one commit adds to the others.
const MAX_BATCH: usize = 512;
/// How often delivery ids older than the retention are forgotten.
const PRUNE_EVERY_MS: i64 = 60_000;

pub(super) enum Command {
    Enqueue {
        deliveries: Vec<Delivery>,
        reply: Reply<EnqueueOutcome>,
    },
    Claim {
        max: usize,
        reply: Reply<Vec<Lease>>,
    },
    /// When the next delayed event or expiring lease becomes available (unix ms).
    NextDue {
        reply: Reply<Option<i64>>,
    },
    Ack {
        token: LeaseToken,
        reply: Reply<()>,
    },
    RetryLater {
        token: LeaseToken,
        delay: Duration,
        error: String,
        /// A postponement, not a failed attempt: the delivery does not count.
        postponed: bool,
        reply: Reply<()>,
    },
    DeadLetter {
        token: LeaseToken,
        reason: String,
        reply: Reply<()>,
    },
    Depth {
        reply: Reply<QueueDepth>,
    },
    Ping {
        reply: Reply<()>,
    },
}

/// Sends a command's answer once the batch's commit outcome is known.
type Answer = Box<dyn FnOnce(Result<(), QueueError>) + Send>;

fn answer<T: Send + 'static>(reply: Reply<T>, result: Result<T, QueueError>) -> Answer {
    Box::new(move |commit| {
        // The caller may have gone away (request cancelled); nothing to do then.
        let _ = reply.send(commit.and(result));
    })
}

pub(super) fn run(
    settings: EmbeddedSettings,
    mut commands: mpsc::UnboundedReceiver<Command>,
    available: Arc<Notify>,
    opened: oneshot::Sender<Result<(), QueueError>>,
) {
    let mut connection = match open(&settings) {
        Ok(connection) => {
            let _ = opened.send(Ok(()));
            connection
        }
        Err(error) => {
            let _ = opened.send(Err(error));
            return;
        }
    };
    let mut last_prune = 0;
    while let Some(first) = commands.blocking_recv() {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match commands.try_recv() {
                Ok(command) => batch.push(command),
                Err(_) => break,
            }
        }
        let now = now_ms();
        let wake_receivers = batch.iter().any(|command| {
            matches!(
                command,
                Command::Enqueue { .. } | Command::Ack { .. } | Command::DeadLetter { .. }
            )
        });
        let tx = match connection.transaction_with_behavior(TransactionBehavior::Immediate) {
            Ok(tx) => tx,
            Err(error) => {
                let error = unavailable(error);
                tracing::error!(%error, "embedded queue cannot begin a transaction");
                for command in batch {
                    fail(command, error.clone());
                }
                continue;
            }
        };
        let answers: Vec<Answer> = batch
            .into_iter()
            .map(|command| execute(&tx, &settings, command, now))
            .collect();
        if now - last_prune > PRUNE_EVERY_MS {
            let horizon = now - settings.dedupe_retention.as_millis() as i64;
            if let Err(error) =
                tx.execute("DELETE FROM deliveries_seen WHERE seen_at < ?1", [horizon])
            {
                tracing::warn!(%error, "could not prune remembered delivery ids");
            }
            last_prune = now;
        }
        let committed = tx.commit().map_err(unavailable);
        if let Err(error) = &committed {
            tracing::error!(%error, "embedded queue commit failed");
        }
        let woke = committed.is_ok() && wake_receivers;
        for send in answers {
            send(committed.clone());
        }
        if woke {
            available.notify_waiters();
        }
    }
}

fn unavailable(error: rusqlite::Error) -> QueueError {
    QueueError::Unavailable(error.to_string())
}

fn now_ms() -> i64 {
    Utc::now().timestamp_millis()
}

/// Answers a command that could not run at all.
fn fail(command: Command, error: QueueError) {
    // A caller that went away needs no answer.
    match command {
        Command::Enqueue { reply, .. } => drop(reply.send(Err(error))),
        Command::Claim { reply, .. } => drop(reply.send(Err(error))),
        Command::NextDue { reply } => drop(reply.send(Err(error))),
        Command::Ack { reply, .. }
        | Command::RetryLater { reply, .. }
        | Command::DeadLetter { reply, .. }
        | Command::Ping { reply } => drop(reply.send(Err(error))),
        Command::Depth { reply } => drop(reply.send(Err(error))),
    }
}

/// Runs one command inside a savepoint, so that its failure leaves the batch's other
/// commands intact.
fn execute(tx: &Transaction, settings: &EmbeddedSettings, command: Command, now: i64) -> Answer {
    fn guarded<T>(
        tx: &Transaction,
        work: impl FnOnce(&Connection) -> Result<T, QueueError>,
    ) -> Result<T, QueueError> {
        tx.execute_batch("SAVEPOINT command").map_err(unavailable)?;
        let result = work(tx);
        let end = if result.is_ok() {
            "RELEASE command"
        } else {
            "ROLLBACK TO command; RELEASE command"
        };
        tx.execute_batch(end).map_err(unavailable)?;
        result
    }
    match command {
        Command::Enqueue { deliveries, reply } => answer(
            reply,
            guarded(tx, |c| enqueue(c, settings, deliveries, now)),
        ),
        Command::Claim { max, reply } => {
            answer(reply, guarded(tx, |c| claim(c, settings, max, now)))
        }
        Command::NextDue { reply } => answer(reply, next_due(tx, now)),
        Command::Ack { token, reply } => answer(reply, guarded(tx, |c| ack(c, token))),
        Command::RetryLater {
            token,
            delay,
            error,
            postponed,
            reply,
        } => answer(
            reply,
            guarded(tx, |c| {
                let at = now + delay.as_millis() as i64;
                retry_later(c, token, at, &error, postponed)
            }),
        ),
        Command::DeadLetter {
            token,
            reason,
            reply,
        } => answer(reply, guarded(tx, |c| dead_letter(c, token, &reason, now))),
        Command::Depth { reply } => answer(reply, depth(tx, now)),
        Command::Ping { reply } => answer(
            reply,
            tx.query_row("SELECT 1", [], |_| Ok(()))
                .map_err(unavailable),
        ),
    }
}

fn enqueue(
    c: &Connection,
    settings: &EmbeddedSettings,
    deliveries: Vec<Delivery>,
    now: i64,
) -> Result<EnqueueOutcome, QueueError> {
    let mut outcome = EnqueueOutcome::default();
    let mut remember = c
        .prepare_cached(
            "INSERT OR IGNORE INTO deliveries_seen (dedupe_key, seen_at) VALUES (?1, ?2)",
        )
        .map_err(unavailable)?;
    let mut insert = c
        .prepare_cached(
            "INSERT INTO events (event_id, record_key, shard, payload, enqueued_at, available_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?5)",
        )
        .map_err(unavailable)?;
    for delivery in deliveries {
        if remember
            .execute(params![delivery.dedupe_key, now])
            .map_err(unavailable)?
            == 0
        {
            outcome.duplicates += 1;
            continue;
        }
        for event in &delivery.events {
            let key = event.ordering_key();
            let shard = shard_of(&key, settings.shards);
            outcome.accepted += insert
                .execute(params![event.id, key, shard, Envelope::encode(event), now])
                .map_err(unavailable)?;
        }
    }
    Ok(outcome)
}

/// Hands out the oldest event of each record that has nothing earlier pending, is due, and
/// is not leased. An event past the delivery limit is handed out marked `exhausted`, for the
/// worker to record as a dead letter instead of applying it.
fn claim(
    c: &Connection,
    settings: &EmbeddedSettings,
    max: usize,
    now: i64,
) -> Result<Vec<Lease>, QueueError> {
    let mut select = c
        .prepare_cached(
            "SELECT e.seq, e.event_id, e.payload, e.deliveries FROM events e
             WHERE e.available_at <= ?1
               AND (e.lease_until IS NULL OR e.lease_until <= ?1)
               AND NOT EXISTS (SELECT 1 FROM events p WHERE p.record_key = e.record_key AND p.seq < e.seq)
             ORDER BY e.seq LIMIT ?2",
        )
        .map_err(unavailable)?;
    let rows: Vec<(i64, String, Vec<u8>, u32)> = select
        .query_map(params![now, max as i64], |row| {
            Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?))
        })
        .map_err(unavailable)?
        .collect::<Result<_, _>>()
        .map_err(unavailable)?;

    let lease_until = now + settings.visibility_timeout.as_millis() as i64;
    let mut leases = Vec::with_capacity(rows.len());
    for (seq, event_id, payload, deliveries) in rows {
        let token = LeaseToken {
            id: seq,
            nonce: rand::random::<i64>(),
        };
        let exhausted = (deliveries >= settings.max_deliveries).then(|| {
            format!(
                "handed out {deliveries} times without being acknowledged (queue.max_deliveries)"
            )
        });
        let mut event: ChangeEvent =
            Envelope::decode(&payload).map_err(|e| QueueError::Corrupt(event_id, e.to_string()))?;
        event.attempt = deliveries.min(settings.max_deliveries) + 1;
        c.prepare_cached(
            "UPDATE events SET deliveries = MIN(deliveries + 1, ?4), lease_nonce = ?2, lease_until = ?3 WHERE seq = ?1",
        )
        .and_then(|mut update| {
            update.execute(params![seq, token.nonce, lease_until, settings.max_deliveries])
        })
        .map_err(unavailable)?;
        leases.push(Lease {
            token,
            event,
            exhausted,
        });
    }
    Ok(leases)
}

fn next_due(c: &Connection, now: i64) -> Result<Option<i64>, QueueError> {
    c.prepare_cached(
        "SELECT MIN(due) FROM (
             SELECT MIN(available_at) AS due FROM events WHERE available_at > ?1
             UNION ALL
             SELECT MIN(lease_until) FROM events WHERE lease_until > ?1)",
    )
    .and_then(|mut due| due.query_row([now], |row| row.get(0)))
    .map_err(unavailable)
}

fn ack(c: &Connection, token: LeaseToken) -> Result<(), QueueError> {
    let deleted = c
        .prepare_cached("DELETE FROM events WHERE seq = ?1 AND lease_nonce = ?2")
        .and_then(|mut statement| statement.execute(params![token.id, token.nonce]))
        .map_err(unavailable)?;
    if deleted == 0 {
        return Err(QueueError::LeaseLost);
    }
    Ok(())
}

fn retry_later(
    c: &Connection,
    token: LeaseToken,
    available_at: i64,
    error: &str,
    postponed: bool,
) -> Result<(), QueueError> {
    let updated = c
        .execute(
            "UPDATE events SET available_at = ?3, lease_nonce = NULL, lease_until = NULL, last_error = ?4,
                 deliveries = CASE WHEN ?5 THEN MAX(deliveries - 1, 0) ELSE deliveries END
             WHERE seq = ?1 AND lease_nonce = ?2",
            params![token.id, token.nonce, available_at, error, postponed],
        )
        .map_err(unavailable)?;
    if updated == 0 {
        return Err(QueueError::LeaseLost);
    }
    Ok(())
}

fn dead_letter(
    c: &Connection,
    token: LeaseToken,
    reason: &str,
    now: i64,
) -> Result<(), QueueError> {
    let moved = c
        .execute(
            "INSERT INTO dead_letters (event_id, record_key, payload, reason, last_error, deliveries, failed_at)
             SELECT event_id, record_key, payload, ?3, last_error, deliveries, ?4 FROM events
             WHERE seq = ?1 AND lease_nonce = ?2",
            params![token.id, token.nonce, reason, now],
        )
        .map_err(unavailable)?;
    if moved == 0 {
        return Err(QueueError::LeaseLost);
    }
    c.execute("DELETE FROM events WHERE seq = ?1", [token.id])
        .map_err(unavailable)?;
    Ok(())
}

fn depth(c: &Connection, now: i64) -> Result<QueueDepth, QueueError> {
    let (total, delayed, in_flight, oldest) = c
        .query_row(
            "SELECT COUNT(*), COALESCE(SUM(available_at > ?1), 0),
                    COALESCE(SUM(lease_until IS NOT NULL AND lease_until > ?1), 0),
                    MIN(enqueued_at)
             FROM events",
            [now],
            |row| {
                Ok((
                    row.get::<_, u64>(0)?,
                    row.get::<_, u64>(1)?,
                    row.get::<_, u64>(2)?,
                    row.get::<_, Option<i64>>(3)?,
                ))
            },
        )
        .map_err(unavailable)?;
    let dead_letters = c
        .query_row("SELECT COUNT(*) FROM dead_letters", [], |row| {
            row.get::<_, u64>(0)
        })
        .optional()
        .map_err(unavailable)?
        .unwrap_or(0);
    Ok(QueueDepth {
        total,
        delayed,
        in_flight,
        dead_letters,
        // An empty queue's oldest event is no age at all.
        oldest_age_ms: Some(oldest.map_or(0, |at| u64::try_from(now - at).unwrap_or(0))),
        consumers: None,
    })
}

fn open(settings: &EmbeddedSettings) -> Result<Connection, QueueError> {
    let unavailable = |e: rusqlite::Error| {
        QueueError::Unavailable(format!("cannot open {}: {e}", settings.path.display()))
    };
    let connection = Connection::open(&settings.path).map_err(unavailable)?;
    schema::prepare(&connection).map_err(unavailable)?;
    Ok(connection)
}
