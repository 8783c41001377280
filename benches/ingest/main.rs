//! `cargo bench --bench ingest`: tandem's webhook ingest at rising open-loop rates — signed
//! ~1 KiB JSON events posted to the real app on port 0 — reporting accepted events/s and the
//! p50/p99 time to 2xx, on the RabbitMQ and the embedded backend, against the ceiling of a raw
//! lapin publisher with confirms (same payload, same quorum queue type, same open-loop rates).
//! RabbitMQ from `TANDEM_TEST_AMQP_URL` (default the local broker). Prints a table and writes
//! target/ingest-bench.json.

use serde_json::json;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tandem::config::QueueBackend;
use tandem::config::SecretList;
use tandem::ingress::standard_webhooks::SigningKey;
use tandem::{App, Config};
use tokio::sync::Mutex;

mod raw_ceiling;

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
/// Offered load per step, requests per second, each held for `STEP`.
const RATES: &[u32] = &[
    500, 1000, 1500, 2000, 2500, 3000, 3500, 4000, 5000, 6000, 8000, 10000,
];
const STEP: Duration = Duration::from_secs(3);

struct Step {
    offered: u32,
    accepted_per_second: f64,
    p50_ms: f64,
    p99_ms: f64,
    errors: usize,
}

fn payload(n: u64) -> String {
    // About 1 KiB, like a NetSuite customer event with a handful of fields.
    json!({
        "object": "customer", "record_id": (n % 5000).to_string(), "change": "updated",
        "version": chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        "modified_by": "42", "role": "3", "execution_context": "userinterface",
        "fields": { "companyname": "Benchmark Industries International", "email": "ap@benchmark.example",
                    "phone": "+1 415 555 0100", "url": "https://benchmark.example", "creditlimit": 25000,
                    "terms": { "id": "2", "refName": "Net 30" }, "billaddr1": "1 Market Street, Suite 300",
                    "billcity": "San Francisco", "billzip": "94105", "billcountry": "US",
                    "comments": "x".repeat(560) }
    })
    .to_string()
}

/// Runs one open-loop step: `send(n)` leaves on schedule whether or not earlier ones finished;
/// `true` counts as accepted, with its latency.
async fn open_loop<F, Fut>(rate: u32, send: F) -> Step
where
    F: Fn(u64) -> Fut,
    Fut: std::future::Future<Output = bool> + Send + 'static,
{
    let latencies = Arc::new(Mutex::new(Vec::new()));
    let errors = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let total = (rate as f64 * STEP.as_secs_f64()) as u64;
    let interval = Duration::from_secs_f64(1.0 / rate as f64);
    let started = Instant::now();
    let mut tasks = Vec::with_capacity(total as usize);
    for i in 0..total {
        tokio::time::sleep_until(tokio::time::Instant::from_std(
            started + interval * i as u32,
        ))
        .await;
        let (latencies, errors) = (latencies.clone(), errors.clone());
        let request = send(i);
        tasks.push(tokio::spawn(async move {
            let sent = Instant::now();
            if request.await {
                latencies.lock().await.push(sent.elapsed());
            } else {
                errors.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            }
        }));
    }
    for task in tasks {
        let _ = task.await;
    }
    let elapsed = started.elapsed().as_secs_f64();
    let mut latencies = latencies.lock().await.clone();
    latencies.sort();
    let quantile = |q: f64| {
        latencies
            .get(((latencies.len() as f64 * q) as usize).min(latencies.len().saturating_sub(1)))
            .map(|d| d.as_secs_f64() * 1000.0)
            .unwrap_or(f64::NAN)
    };
    Step {
        offered: rate,
        accepted_per_second: latencies.len() as f64 / elapsed,
        p50_ms: quantile(0.5),
        p99_ms: quantile(0.99),
        errors: errors.load(std::sync::atomic::Ordering::Relaxed),
    }
}

async fn run_step(
    client: &reqwest::Client,
    url: &str,
    key: &SigningKey,
    rate: u32,
    offset: u64,
) -> Step {
    open_loop(rate, |i| {
        let (client, url) = (client.clone(), url.to_owned());
        let body = payload(offset + i);
        let id = format!("bench_{}", offset + i);
        let timestamp = chrono::Utc::now().timestamp();
        let signature = key.sign(&id, timestamp, body.as_bytes());
        async move {
            let response = client
                .post(url)
                .header("content-type", "application/json")
                .header("webhook-id", id)
                .header("webhook-timestamp", timestamp.to_string())
                .header("webhook-signature", signature)
                .body(body)
                .send()
                .await;
            matches!(response, Ok(r) if r.status().is_success())
        }
    })
    .await
}

/// Runs the rising rates until a step accepts less than 80 % of what was offered.
async fn rising<F, Fut>(name: &str, mut step: F) -> Vec<Step>
where
    F: FnMut(u32, u64) -> Fut,
    Fut: std::future::Future<Output = Step>,
{
    let mut steps = Vec::new();
    for (n, &rate) in RATES.iter().enumerate() {
        let result = step(rate, n as u64 * 1_000_000).await;
        println!(
            "{name:<9} offered {:>5}/s  accepted {:>8.0}/s  p50 {:>7.2} ms  p99 {:>8.2} ms  errors {}",
            result.offered, result.accepted_per_second, result.p50_ms, result.p99_ms, result.errors
        );
        let saturated = result.accepted_per_second < result.offered as f64 * 0.8;
        steps.push(result);
        if saturated {
            break;
        }
    }
    steps
}

async fn bench_backend(name: &str, mut config: Config) -> Vec<Step> {
    config.server.listen = "127.0.0.1:0".parse().unwrap();
    config.netsuite.webhook_secrets = SecretList::from(vec![SECRET]);
    config.server.log_level = "error".into();
    let app = App::build(config).await.expect("tandem starts");
    let url = format!("http://{}/webhooks/netsuite/events", app.local_addr());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(app.run_until(async {
        let _ = stopped.await;
    }));
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(512)
        .build()
        .unwrap();
    let key = SigningKey::parse(SECRET).unwrap();
    let mut steps = Vec::new();
    let mut offset = 0;
    for &rate in RATES {
        let step = run_step(&client, &url, &key, rate, offset).await;
        offset += 1_000_000;
        println!(
            "{name:<9} offered {:>5}/s  accepted {:>8.0}/s  p50 {:>7.2} ms  p99 {:>8.2} ms  errors {}",
            step.offered, step.accepted_per_second, step.p50_ms, step.p99_ms, step.errors
        );
        let saturated = step.accepted_per_second < step.offered as f64 * 0.8;
        steps.push(step);
        if saturated {
            break;
        }
    }
    let _ = stop.send(());
    let _ = server.await;
    steps
}

fn json_steps(steps: &[Step]) -> serde_json::Value {
    steps
        .iter()
        .map(|s| {
            json!({ "offered_per_second": s.offered, "accepted_per_second": s.accepted_per_second,
                    "p50_ms": s.p50_ms, "p99_ms": s.p99_ms, "errors": s.errors })
        })
        .collect()
}

/// p99 time to 2xx at the step offering half the sustained rate (the nearest step at or below).
fn p99_at_half(steps: &[Step]) -> Option<(u32, f64)> {
    let half = sustained(steps) / 2.0;
    steps
        .iter()
        .filter(|s| f64::from(s.offered) <= half)
        .max_by_key(|s| s.offered)
        .map(|s| (s.offered, s.p99_ms))
}

/// The highest rate a series kept up with (accepted at least 95 % of what was offered).
fn sustained(steps: &[Step]) -> f64 {
    steps
        .iter()
        .filter(|s| s.accepted_per_second >= s.offered as f64 * 0.95)
        .map(|s| s.accepted_per_second)
        .fold(0.0, f64::max)
}

fn main() {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(async {
        let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
        println!("tandem ingest benchmark ({cores} cores, {}s per step, ~1 KiB events)", STEP.as_secs());
        let amqp = std::env::var("TANDEM_TEST_AMQP_URL").unwrap_or_else(|_| "amqp://guest:guest@127.0.0.1:5672/%2f".into());
        let prefix = format!("bench{}", std::process::id());

        let raw = rising("raw lapin", |rate, _| raw_ceiling::step(&amqp, &prefix, rate, payload(0).into_bytes())).await;
        raw_ceiling::clean_up(&amqp, &prefix).await;

        let dir = tempfile::tempdir().unwrap();
        let mut rabbit = Config::default();
        rabbit.queue.backend = QueueBackend::Rabbitmq;
        rabbit.queue.amqp_url = Some(amqp.clone().into());
        rabbit.queue.prefix = prefix.clone();
        rabbit.store.url = format!("sqlite://{}", dir.path().join("rabbit-store.db").display()).into();
        let rabbitmq = bench_backend("rabbitmq", rabbit).await;
        raw_ceiling::clean_up(&amqp, &prefix).await;

        let mut embedded = Config::default();
        embedded.queue.path = dir.path().join("bench-queue.db");
        embedded.store.url = format!("sqlite://{}", dir.path().join("bench-store.db").display()).into();
        let embedded = bench_backend("embedded", embedded).await;

        let ratio = sustained(&rabbitmq) / sustained(&raw).max(1.0);
        println!(
            "sustained: raw lapin {:.0}/s, tandem on RabbitMQ {:.0}/s (ratio {ratio:.2}), tandem embedded {:.0}/s",
            sustained(&raw), sustained(&rabbitmq), sustained(&embedded)
        );
        for (name, steps) in [("RabbitMQ", &rabbitmq), ("embedded", &embedded)] {
            if let Some((offered, p99)) = p99_at_half(steps) {
                println!("half the sustained rate, {name}: p99 {p99:.1} ms at {offered}/s offered (aim ≤ 25 ms)");
            }
        }
        let report = json!({
            "machine": { "cores": cores },
            "step_seconds": STEP.as_secs(),
            "raw_lapin": json_steps(&raw),
            "rabbitmq": json_steps(&rabbitmq),
            "embedded": json_steps(&embedded),
            "sustained_per_second": { "raw_lapin": sustained(&raw), "rabbitmq": sustained(&rabbitmq), "embedded": sustained(&embedded) },
            "rabbitmq_to_raw_ratio": ratio,
            "p99_ms_at_half_sustained": {
                "rabbitmq": p99_at_half(&rabbitmq).map(|(_, p99)| p99),
                "embedded": p99_at_half(&embedded).map(|(_, p99)| p99),
            },
        });
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/ingest-bench.json");
        std::fs::write(&path, serde_json::to_string_pretty(&report).unwrap()).unwrap();
        println!("wrote {}", path.display());
    });
}
