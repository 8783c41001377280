//! The broker under test (`TANDEM_TEST_AMQP_URL`, node `TANDEM_TEST_RABBITMQ_NODE`): stopping and
//! starting it with `rabbitmqctl`, a guard that always starts it again, and what a prefix's
//! queues hold.

use std::collections::BTreeMap;
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use tokio::time::Instant;

pub fn amqp_url() -> String {
    std::env::var("TANDEM_TEST_AMQP_URL")
        .unwrap_or_else(|_| "amqp://guest:guest@127.0.0.1:5672/%2f".into())
}

/// The node `rabbitmqctl -n` controls; scripts/services.sh exports it with the URL.
pub fn node() -> String {
    std::env::var("TANDEM_TEST_RABBITMQ_NODE").unwrap_or_else(|_| "rabbit@localhost".into())
}

/// The URL's virtual host (`%2f` is `/`), for `rabbitmqctl -p`.
fn vhost() -> String {
    let url = url::Url::parse(&amqp_url()).expect("TANDEM_TEST_AMQP_URL is a URL");
    let path = url.path().trim_start_matches('/');
    if path.is_empty() {
        return "/".into();
    }
    percent_encoding::percent_decode_str(path)
        .decode_utf8_lossy()
        .into_owned()
}

/// Runs `rabbitmqctl -n <node> <args>` and returns its standard output.
fn rabbitmqctl(args: &[&str]) -> Result<String, String> {
    let node = node();
    let output = Command::new("rabbitmqctl")
        .arg("-n")
        .arg(&node)
        .args(args)
        .output()
        .map_err(|e| format!("rabbitmqctl cannot run (is RabbitMQ installed here?): {e}"))?;
    if output.status.success() {
        Ok(String::from_utf8_lossy(&output.stdout).into_owned())
    } else {
        Err(format!(
            "rabbitmqctl -n {node} {}: {}{}",
            args.join(" "),
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ))
    }
}

fn start_app() -> Result<(), String> {
    rabbitmqctl(&["start_app"])?;
    // Returns once the broker accepts connections again.
    rabbitmqctl(&["await_startup", "--timeout", "60"])?;
    Ok(())
}

async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    tokio::task::spawn_blocking(f)
        .await
        .expect("rabbitmqctl task")
}

/// Stops and starts the broker; dropped while the broker is stopped, it starts it again
/// (synchronously, so a failed test never leaves the broker down for the next one).
pub struct Broker {
    stopped: AtomicBool,
}

impl Broker {
    /// Makes sure the broker runs (an earlier run may have died with it stopped).
    pub async fn running() -> Broker {
        blocking(start_app).await.unwrap_or_else(|e| panic!("{e}"));
        Broker {
            stopped: AtomicBool::new(false),
        }
    }

    /// `rabbitmqctl stop_app`: the node stays up, the broker closes every connection and
    /// refuses new ones. Returns when it has stopped.
    pub async fn stop(&self) -> Instant {
        // Marked first: a panic while stopping still restarts it.
        self.stopped.store(true, Ordering::SeqCst);
        blocking(|| rabbitmqctl(&["stop_app"]))
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        Instant::now()
    }

    /// `rabbitmqctl start_app`; returns when it accepts connections.
    pub async fn start(&self) -> Instant {
        blocking(start_app).await.unwrap_or_else(|e| panic!("{e}"));
        self.stopped.store(false, Ordering::SeqCst);
        Instant::now()
    }

    /// Starts the broker if a test stopped it (for cleanup, from `Drop`).
    pub fn restore(&self) {
        if self.stopped.swap(false, Ordering::SeqCst)
            && let Err(error) = start_app()
        {
            eprintln!("could not start the broker again: {error}");
        }
    }
}

impl Drop for Broker {
    fn drop(&mut self) {
        self.restore();
    }
}

/// Messages (ready and unacknowledged) of every queue whose name starts with `{prefix}.`.
pub async fn messages_under(prefix: &str) -> BTreeMap<String, u64> {
    let vhost = vhost();
    let listing = blocking(move || {
        rabbitmqctl(&[
            "list_queues",
            "-p",
            &vhost,
            "--silent",
            "--no-table-headers",
            "name",
            "messages",
        ])
    })
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    let mine = format!("{prefix}.");
    let queues: BTreeMap<String, u64> = listing
        .lines()
        .filter(|line| !line.trim().is_empty())
        .map(|line| {
            let (name, count) = line
                .rsplit_once(char::is_whitespace)
                .unwrap_or_else(|| panic!("unexpected list_queues line {line:?}"));
            let count = count
                .parse()
                .unwrap_or_else(|_| panic!("unexpected list_queues line {line:?}"));
            (name.trim().to_owned(), count)
        })
        .filter(|(name, _)| name.starts_with(&mine))
        .collect();
    // An empty listing would read as "drained": the shard queues must be there.
    assert!(
        queues.contains_key(&format!("{prefix}.work.0")),
        "rabbitmqctl lists no queues of {prefix}: {listing}"
    );
    queues
}

/// Polls until no queue of `prefix` holds a message (all acknowledged); at `deadline`, what is
/// still held, with the broker's view of those queues and their consumers.
pub async fn wait_until_drained(prefix: &str, deadline: Instant) -> Result<(), String> {
    loop {
        let held: BTreeMap<String, u64> = messages_under(prefix)
            .await
            .into_iter()
            .filter(|(_, count)| *count > 0)
            .collect();
        if held.is_empty() {
            return Ok(());
        }
        if Instant::now() >= deadline {
            return Err(format!(
                "queues of {prefix} still hold messages: {held:?}\n{}",
                describe(prefix).await
            ));
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// The broker's lines about `prefix`'s queues (ready, unacknowledged, consumers) and consumers.
async fn describe(prefix: &str) -> String {
    let vhost = vhost();
    let prefix = prefix.to_owned();
    blocking(move || {
        let queues = rabbitmqctl(&[
            "list_queues",
            "-p",
            &vhost,
            "--no-table-headers",
            "name",
            "messages_ready",
            "messages_unacknowledged",
            "consumers",
        ]);
        let consumers = rabbitmqctl(&[
            "list_consumers",
            "-p",
            &vhost,
            "--no-table-headers",
            "queue_name",
            "channel_pid",
            "consumer_tag",
            "prefetch_count",
            "active",
            "activity_status",
        ]);
        let mine = |listing: Result<String, String>| match listing {
            Ok(text) => text
                .lines()
                .filter(|line| line.contains(&prefix))
                .collect::<Vec<_>>()
                .join("\n"),
            Err(error) => error,
        };
        format!(
            "queues (name, ready, unacked, consumers):\n{}\nconsumers:\n{}",
            mine(queues),
            mine(consumers)
        )
    })
    .await
}

/// Deletes a prefix's queues and exchanges (the broker must be running).
pub async fn delete_objects(topology: &tandem::queue::rabbitmq::Topology) {
    use lapin::options::{ExchangeDeleteOptions, QueueDeleteOptions};
    let properties = lapin::ConnectionProperties::default();
    let Ok(Ok(connection)) = tokio::time::timeout(
        Duration::from_secs(10),
        lapin::Connection::connect(&amqp_url(), properties),
    )
    .await
    else {
        eprintln!("cleanup: cannot connect to the broker");
        return;
    };
    let Ok(channel) = connection.create_channel().await else {
        return;
    };
    let mut queues = topology.work_queues();
    queues.extend(topology.retry_queues());
    queues.push(topology.dead_letter_queue());
    for queue in queues {
        let _ = channel
            .queue_delete(queue.into(), QueueDeleteOptions::default())
            .await;
    }
    for exchange in topology.exchanges() {
        let _ = channel
            .exchange_delete(exchange.into(), ExchangeDeleteOptions::default())
            .await;
    }
    let _ = connection.close(200, "cleanup done".into()).await;
}

/// Closes, from the broker side, the connections carrying the active consumers of `prefix`'s
/// work queues (as a network blip or a missed heartbeat would); how many it closed.
pub async fn close_active_consumer_connections(prefix: &str) -> usize {
    let vhost = vhost();
    let work = format!("{prefix}.work.");
    blocking(move || {
        let consumers = rabbitmqctl(&[
            "list_consumers",
            "-p",
            &vhost,
            "--silent",
            "--no-table-headers",
            "queue_name",
            "channel_pid",
            "active",
        ])?;
        let channels: std::collections::HashSet<String> = consumers
            .lines()
            .filter_map(|line| {
                let fields: Vec<&str> = line.split('\t').map(str::trim).collect();
                (fields.len() == 3 && fields[0].starts_with(&work) && fields[2] == "true")
                    .then(|| fields[1].to_owned())
            })
            .collect();
        let listing = rabbitmqctl(&[
            "list_channels",
            "--silent",
            "--no-table-headers",
            "pid",
            "connection",
        ])?;
        let connections: std::collections::HashSet<String> = listing
            .lines()
            .filter_map(|line| {
                let (channel, connection) = line.split_once('\t')?;
                channels
                    .contains(channel.trim())
                    .then(|| connection.trim().to_owned())
            })
            .collect();
        for connection in &connections {
            rabbitmqctl(&["close_connection", connection, "test: connection lost"])?;
        }
        Ok::<usize, String>(connections.len())
    })
    .await
    .unwrap_or_else(|e| panic!("{e}"))
}

/// A memory alarm raised on purpose (`set_vm_memory_high_watermark 0` blocks every publishing
/// connection at once); dropped, it puts the node's watermark back.
pub struct MemoryAlarm {
    watermark: String,
}

impl MemoryAlarm {
    pub async fn raise() -> MemoryAlarm {
        let watermark = blocking(|| {
            rabbitmqctl(&["eval", "vm_memory_monitor:get_vm_memory_high_watermark()."])
        })
        .await
        .unwrap_or_else(|e| panic!("{e}"));
        let watermark = watermark.trim().to_owned();
        assert!(
            watermark.parse::<f64>().is_ok_and(|w| w > 0.0),
            "the node's watermark is a fraction to restore later: {watermark:?}"
        );
        let alarm = MemoryAlarm { watermark };
        blocking(|| rabbitmqctl(&["set_vm_memory_high_watermark", "0"]))
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        alarm
    }

    /// Clears the alarm (also done on drop).
    pub async fn clear(self) {
        let watermark = self.watermark.clone();
        drop(self);
        eprintln!("memory watermark back to {watermark}");
    }
}

impl Drop for MemoryAlarm {
    fn drop(&mut self) {
        if let Err(error) = rabbitmqctl(&["set_vm_memory_high_watermark", &self.watermark]) {
            eprintln!("could not restore the memory watermark: {error}");
        }
    }
}
