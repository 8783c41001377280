//! The broker objects tandem uses, all named from one prefix: the events exchange, one quorum
//! work queue per ordering shard, the retry tiers and the dead-letter queue. Declared
//! idempotently at start, and rendered as `deploy/rabbitmq/definitions.json` for operators who
//! provision the broker ahead of time.

use lapin::options::{ExchangeDeclareOptions, QueueBindOptions, QueueDeclareOptions};
use lapin::types::{AMQPValue, FieldTable};
use lapin::{Channel, ExchangeKind};
use serde_json::{Value, json};
use std::time::Duration;

const fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

/// How long a retried event waits, by tier. RabbitMQ 3.10 has no delayed-message exchange, so
/// each tier is a queue whose messages expire after its TTL and are dead-lettered back to the
/// events exchange. A retry of delay D waits in the smallest tier ≥ D: it never comes back
/// sooner than asked (a `Retry-After` is honoured), and at most about three times later for
/// delays over five seconds (the tiers roughly double). Delays beyond the last tier wait 24 h.
pub const DEFAULT_RETRY_TIERS: &[Duration] = &[
    secs(1),
    secs(5),
    secs(10),
    secs(30),
    secs(60),
    secs(2 * 60),
    secs(5 * 60),
    secs(10 * 60),
    secs(30 * 60),
    secs(3600),
    secs(2 * 3600),
    secs(3 * 3600),
    secs(6 * 3600),
    secs(12 * 3600),
    secs(18 * 3600),
    secs(24 * 3600),
];

/// The header that routes a retry copy to its tier through the retry (headers) exchange. Not
/// `x-` prefixed: headers exchanges ignore those when matching.
pub(super) const RETRY_TIER_HEADER: &str = "tandem-retry-tier";

/// Names and arguments of every object, from the prefix and the `[queue]` settings.
#[derive(Debug, Clone)]
pub struct Topology {
    prefix: String,
    shards: u16,
    max_deliveries: u32,
    tiers: Vec<Duration>,
}

/// A queue or binding argument, convertible to both AMQP and definitions JSON.
#[derive(Debug, Clone)]
enum Arg {
    Text(String),
    Int(i64),
    Bool(bool),
}

struct ExchangeSpec {
    name: String,
    kind: ExchangeKind,
    /// The kind as the broker names it (for definitions).
    type_name: &'static str,
}

struct QueueSpec {
    name: String,
    arguments: Vec<(&'static str, Arg)>,
}

struct BindingSpec {
    exchange: String,
    queue: String,
    routing_key: String,
    arguments: Vec<(&'static str, Arg)>,
}

impl Topology {
    /// `tiers` are sorted and deduplicated; an empty list means [`DEFAULT_RETRY_TIERS`].
    pub fn new(prefix: &str, shards: u16, max_deliveries: u32, tiers: &[Duration]) -> Self {
        let mut tiers: Vec<Duration> = if tiers.is_empty() {
            DEFAULT_RETRY_TIERS.to_vec()
        } else {
            tiers.iter().copied().filter(|t| !t.is_zero()).collect()
        };
        tiers.sort();
        tiers.dedup();
        Self {
            prefix: prefix.to_owned(),
            shards: shards.max(1),
            max_deliveries,
            tiers,
        }
    }

    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    pub fn shards(&self) -> u16 {
        self.shards
    }

    pub fn max_deliveries(&self) -> u32 {
        self.max_deliveries
    }

    pub fn tiers(&self) -> &[Duration] {
        &self.tiers
    }

    /// Where ingress publishes, with routing key `shard.{n}`; retry tiers dead-letter back here.
    pub fn events_exchange(&self) -> String {
        format!("{}.events", self.prefix)
    }

    /// Routes a retry copy to its tier queue by the `tandem-retry-tier` header.
    pub fn retry_exchange(&self) -> String {
        format!("{}.retry", self.prefix)
    }

    /// Where work queues dead-letter, and where tandem publishes the events it gives up on.
    pub fn dead_exchange(&self) -> String {
        format!("{}.dead", self.prefix)
    }

    pub fn work_queue(&self, shard: u16) -> String {
        format!("{}.work.{shard}", self.prefix)
    }

    pub fn retry_queue(&self, tier: Duration) -> String {
        format!("{}.retry.{}", self.prefix, tier_label(tier))
    }

    pub fn dead_letter_queue(&self) -> String {
        format!("{}.dead-letters", self.prefix)
    }

    pub fn routing_key(shard: u16) -> String {
        format!("shard.{shard}")
    }

    /// The smallest tier that is at least `delay`; the longest tier for longer delays.
    pub fn tier_for(&self, delay: Duration) -> Duration {
        let longest = self.tiers.last().copied().unwrap_or(delay);
        self.tiers
            .iter()
            .copied()
            .find(|tier| *tier >= delay)
            .unwrap_or(longest)
    }

    pub fn work_queues(&self) -> Vec<String> {
        (0..self.shards).map(|s| self.work_queue(s)).collect()
    }

    pub fn retry_queues(&self) -> Vec<String> {
        self.tiers.iter().map(|t| self.retry_queue(*t)).collect()
    }

    pub fn exchanges(&self) -> Vec<String> {
        self.exchange_specs().into_iter().map(|e| e.name).collect()
    }

    fn exchange_specs(&self) -> Vec<ExchangeSpec> {
        vec![
            // Topic: routing keys are `shard.{n}`; a topic exchange leaves room for bindings
            // such as `shard.#` (an audit tap) without changing publishers.
            ExchangeSpec {
                name: self.events_exchange(),
                kind: ExchangeKind::Topic,
                type_name: "topic",
            },
            // Headers: matches the tier header and ignores the routing key, which the copy
            // keeps (`shard.{n}`) so that it returns to its shard when its TTL runs out.
            ExchangeSpec {
                name: self.retry_exchange(),
                kind: ExchangeKind::Headers,
                type_name: "headers",
            },
            // Fanout: everything dead goes to the one dead-letter queue.
            ExchangeSpec {
                name: self.dead_exchange(),
                kind: ExchangeKind::Fanout,
                type_name: "fanout",
            },
        ]
    }

    fn queue_specs(&self) -> Vec<QueueSpec> {
        // Arguments every tandem queue that dead-letters shares.
        let dead_lettering = |target: String| {
            vec![
                // Replicated Raft queue: survives a node loss, and is what supports a delivery
                // limit and at-least-once dead-lettering.
                ("x-queue-type", Arg::Text("quorum".into())),
                // Where messages go when the broker dead-letters them (delivery limit, TTL).
                ("x-dead-letter-exchange", Arg::Text(target)),
                // Keep a dead-lettered message until the target queue confirmed it; the default
                // (at-most-once) may lose it if the target is unavailable.
                ("x-dead-letter-strategy", Arg::Text("at-least-once".into())),
                // Past a length limit, refuse new publishes (the publisher gets a nack) instead of
                // dropping the oldest message; at-least-once dead-lettering requires it.
                ("x-overflow", Arg::Text("reject-publish".into())),
            ]
        };
        let mut queues = Vec::new();
        for shard in 0..self.shards {
            let mut arguments = dead_lettering(self.dead_exchange());
            // One consumer at a time gets the shard's messages (the others are hot standbys),
            // so the events of a record are never handled by two instances at once.
            arguments.push(("x-single-active-consumer", Arg::Bool(true)));
            // After this many returns (nack with requeue, or a channel closed while holding the
            // message) the broker dead-letters the message instead of handing it out again. The
            // limit counts returns, so `max_deliveries - 1` of them makes `max_deliveries`
            // deliveries in all, as with the embedded queue.
            let returns = self.max_deliveries.saturating_sub(1).max(1);
            arguments.push(("x-delivery-limit", Arg::Int(i64::from(returns))));
            queues.push(QueueSpec {
                name: self.work_queue(shard),
                arguments,
            });
        }
        for tier in &self.tiers {
            let mut arguments = dead_lettering(self.events_exchange());
            // Every message of the tier expires after this many milliseconds; with one TTL per
            // queue they expire in order from the head. No `x-dead-letter-routing-key`: the
            // expired message keeps its own routing key and so returns to its shard.
            arguments.push(("x-message-ttl", Arg::Int(tier.as_millis() as i64)));
            queues.push(QueueSpec {
                name: self.retry_queue(*tier),
                arguments,
            });
        }
        queues.push(QueueSpec {
            name: self.dead_letter_queue(),
            arguments: vec![("x-queue-type", Arg::Text("quorum".into()))],
        });
        queues
    }

    fn binding_specs(&self) -> Vec<BindingSpec> {
        let mut bindings: Vec<BindingSpec> = (0..self.shards)
            .map(|shard| BindingSpec {
                exchange: self.events_exchange(),
                queue: self.work_queue(shard),
                routing_key: Self::routing_key(shard),
                arguments: vec![],
            })
            .collect();
        for tier in &self.tiers {
            bindings.push(BindingSpec {
                exchange: self.retry_exchange(),
                queue: self.retry_queue(*tier),
                routing_key: String::new(),
                arguments: vec![
                    // Every listed header must match (here the one tier header).
                    ("x-match", Arg::Text("all".into())),
                    (RETRY_TIER_HEADER, Arg::Text(tier_label(*tier))),
                ],
            });
        }
        bindings.push(BindingSpec {
            exchange: self.dead_exchange(),
            queue: self.dead_letter_queue(),
            routing_key: String::new(),
            arguments: vec![],
        });
        bindings
    }

    /// Declares everything (creating what is missing). An object that exists with other
    /// arguments (say a changed `queue.max_deliveries`) fails with PRECONDITION_FAILED: such a
    /// change needs the queue deleted when empty, or a broker policy.
    pub async fn declare(&self, channel: &Channel) -> Result<(), lapin::Error> {
        for exchange in self.exchange_specs() {
            let options = ExchangeDeclareOptions {
                passive: false,     // create it when missing (passive only checks it exists)
                durable: true,      // survives a broker restart
                auto_delete: false, // stays when its last queue is unbound
                internal: false,    // clients may publish to it directly
                nowait: false,      // wait for declare-ok, so a conflict fails start-up
            };
            channel
                .exchange_declare(
                    exchange.name.into(),
                    exchange.kind,
                    options,
                    FieldTable::default(),
                )
                .await?;
        }
        for queue in self.queue_specs() {
            let options = QueueDeclareOptions {
                passive: false,     // create it when missing
                durable: true,      // survives a broker restart (quorum queues always are)
                exclusive: false,   // shared by every instance and connection
                auto_delete: false, // stays when its last consumer goes away
                nowait: false,      // wait for declare-ok, so an argument conflict fails start-up
            };
            channel
                .queue_declare(queue.name.into(), options, field_table(&queue.arguments))
                .await?;
        }
        for binding in self.binding_specs() {
            channel
                .queue_bind(
                    binding.queue.into(),
                    binding.exchange.into(),
                    binding.routing_key.into(),
                    // Wait for bind-ok, so a missing queue or exchange fails start-up.
                    QueueBindOptions { nowait: false },
                    field_table(&binding.arguments),
                )
                .await?;
        }
        Ok(())
    }

    /// The same topology in RabbitMQ's definitions format (`rabbitmqctl import_definitions`,
    /// or `load_definitions` in rabbitmq.conf), for the default vhost.
    pub fn definitions(&self) -> Value {
        let exchanges: Vec<Value> = self
            .exchange_specs()
            .into_iter()
            .map(|e| {
                json!({
                    "name": e.name, "vhost": "/", "type": e.type_name, "durable": true,
                    "auto_delete": false, "internal": false, "arguments": {}
                })
            })
            .collect();
        let queues: Vec<Value> = self
            .queue_specs()
            .into_iter()
            .map(|q| {
                json!({
                    "name": q.name, "vhost": "/", "durable": true, "auto_delete": false,
                    "arguments": json_table(&q.arguments)
                })
            })
            .collect();
        let bindings: Vec<Value> = self
            .binding_specs()
            .into_iter()
            .map(|b| {
                json!({
                    "source": b.exchange, "vhost": "/", "destination": b.queue,
                    "destination_type": "queue", "routing_key": b.routing_key,
                    "arguments": json_table(&b.arguments)
                })
            })
            .collect();
        json!({ "exchanges": exchanges, "queues": queues, "bindings": bindings })
    }
}

/// `1s`, `30s`, `5m`, `2h`, `24h`: the tier's part of a queue name and its routing header.
pub fn tier_label(tier: Duration) -> String {
    let secs = tier.as_secs();
    if tier.subsec_nanos() != 0 {
        format!("{}ms", tier.as_millis())
    } else if secs >= 3600 && secs.is_multiple_of(3600) {
        format!("{}h", secs / 3600)
    } else if secs >= 60 && secs.is_multiple_of(60) {
        format!("{}m", secs / 60)
    } else {
        format!("{secs}s")
    }
}

fn field_table(arguments: &[(&'static str, Arg)]) -> FieldTable {
    let mut table = FieldTable::default();
    for (key, value) in arguments {
        let value = match value {
            Arg::Text(text) => AMQPValue::LongString(text.as_str().into()),
            Arg::Int(number) => AMQPValue::LongLongInt(*number),
            Arg::Bool(flag) => AMQPValue::Boolean(*flag),
        };
        table.insert((*key).into(), value);
    }
    table
}

fn json_table(arguments: &[(&'static str, Arg)]) -> Value {
    let map: serde_json::Map<String, Value> = arguments
        .iter()
        .map(|(key, value)| {
            let value = match value {
                Arg::Text(text) => json!(text),
                Arg::Int(number) => json!(number),
                Arg::Bool(flag) => json!(flag),
            };
            ((*key).to_owned(), value)
        })
        .collect();
    Value::Object(map)
}
