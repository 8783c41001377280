//! `cargo bench --bench ingest`: tandem's webhook ingest at rising open-loop rates — signed
//! ~1 KiB JSON events posted to the real app on port 0 — reporting accepted events/s and the
//! p50/p99 time to 2xx, per queue backend. Prints a table and writes target/ingest-bench.json.

use serde_json::json;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tandem::config::SecretList;
use tandem::ingress::standard_webhooks::SigningKey;
use tandem::{App, Config};
use tokio::sync::Mutex;

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
/// Offered load per step, requests per second, each held for `STEP`.
const RATES: &[u32] = &[250, 500, 1000, 2000, 4000];
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

async fn run_step(
    client: &reqwest::Client,
    url: &str,
    key: &SigningKey,
    rate: u32,
    offset: u64,
) -> Step {
    let latencies = Arc::new(Mutex::new(Vec::new()));
    let errors = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let total = (rate as f64 * STEP.as_secs_f64()) as u64;
    let interval = Duration::from_secs_f64(1.0 / rate as f64);
    let started = Instant::now();
    let mut tasks = Vec::with_capacity(total as usize);
    for i in 0..total {
        // Open loop: requests leave on schedule whether or not earlier ones were answered.
        tokio::time::sleep_until(tokio::time::Instant::from_std(
            started + interval * i as u32,
        ))
        .await;
        let (client, url, latencies, errors) = (
            client.clone(),
            url.to_owned(),
            latencies.clone(),
            errors.clone(),
        );
        let body = payload(offset + i);
        let id = format!("bench_{}", offset + i);
        let timestamp = chrono::Utc::now().timestamp();
        let signature = key.sign(&id, timestamp, body.as_bytes());
        tasks.push(tokio::spawn(async move {
            let sent = Instant::now();
            let response = client
                .post(url)
                .header("content-type", "application/json")
                .header("webhook-id", id)
                .header("webhook-timestamp", timestamp.to_string())
                .header("webhook-signature", signature)
                .body(body)
                .send()
                .await;
            match response {
                Ok(r) if r.status().is_success() => latencies.lock().await.push(sent.elapsed()),
                _ => {
                    errors.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                }
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

fn main() {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(async {
        let dir = tempfile::tempdir().unwrap();
        let mut embedded = Config::default();
        embedded.queue.path = dir.path().join("bench-queue.db");
        embedded.store.url = format!("sqlite://{}", dir.path().join("bench-store.db").display()).into();
        println!("tandem ingest benchmark ({} cores)", std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1));
        let steps = bench_backend("embedded", embedded).await;
        let report = json!({
            "machine": { "cores": std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1) },
            "step_seconds": STEP.as_secs(),
            "embedded": steps.iter().map(|s| json!({
                "offered_per_second": s.offered, "accepted_per_second": s.accepted_per_second,
                "p50_ms": s.p50_ms, "p99_ms": s.p99_ms, "errors": s.errors })).collect::<Vec<_>>(),
        });
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/ingest-bench.json");
        std::fs::write(&path, serde_json::to_string_pretty(&report).unwrap()).unwrap();
        println!("wrote {}", path.display());
    });
}
