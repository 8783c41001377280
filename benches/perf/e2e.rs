//! Section `e2e`: credit-limit updates of linked customers offered open-loop for 10 s at 1,000
//! events/s, and at half the rate `worker` measured when that is lower; for each, the time from the webhook leaving the generator to tandem's Account update
//! arriving at the emulated Salesforce (its request log: end time less duration). The n-th update
//! sent for an Account is matched with the n-th update that Account received.

use crate::Bench;
use crate::open_loop::{OpenLoop, Phase};
use crate::outcome::{finite, quantile_ms};
use crate::report::{cell, verdict};
use crate::sandbox_process::Sandbox;
use crate::synced::{Synced, credit_limit, event};
use crate::tandem_process::Backend;
use crate::worker::EVENTS;
use serde_json::json;
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const RATE: f64 = 1000.0;
const LENGTH: Duration = Duration::from_secs(10);
const TARGET_P99_MS: f64 = 50.0;
/// How long after the last send the updates may still arrive.
const SETTLE: Duration = Duration::from_secs(120);

fn now_us() -> i64 {
    chrono::Utc::now().timestamp_micros()
}

/// Account updates seen so far, as (Account id, arrival µs), deduplicated across polls.
async fn collect(sandbox: &Sandbox, seen: &mut HashSet<(String, i64)>) {
    for served in sandbox.salesforce_requests().await {
        if served.method != "PATCH" {
            continue;
        }
        let path = served.path.split('?').next().unwrap_or_default();
        if let Some((_, id)) = path.rsplit_once("/sobjects/Account/")
            && !id.contains('/')
        {
            seen.insert((id.to_owned(), served.arrived_us));
        }
    }
}

async fn synced_for(bench: &mut Bench, backend: Backend) -> Synced {
    if let Some(at) = bench.synced.iter().position(|s| s.backend == backend) {
        return bench.synced.remove(at);
    }
    let mut synced = Synced::new(bench, backend, EVENTS).await;
    synced.link_all().await;
    synced
}

/// The figures of one rate.
struct Run {
    events: usize,
    latencies: Vec<u32>,
    ingest_ok: usize,
    ingest_errors: String,
}

/// Offers `rate` updates/s for `LENGTH`, each a credit limit not sent before (from `first`).
async fn offer(synced: &mut Synced, rate: f64, first: u64) -> Run {
    let total = (rate * LENGTH.as_secs_f64()) as usize;
    let customers = synced.customers.clone();
    let bodies: Vec<String> = (0..total)
        .map(|n| {
            event(
                &customers[n % customers.len()],
                "updated",
                credit_limit(first + n as u64),
            )
        })
        .collect();
    let tandem = synced
        .tandem
        .as_ref()
        .expect("tandem runs with the sandbox after linking");
    let (base, pid) = (tandem.base_url.clone(), tandem.pid());
    let make = synced.maker(&base, Arc::new(bodies));
    let sent_at = Arc::new(Mutex::new(vec![0i64; total]));
    let record = sent_at.clone();
    let on_send: Arc<dyn Fn(u64) + Send + Sync> = Arc::new(move |n| {
        if let Ok(mut sent) = record.lock() {
            sent[n as usize] = now_us();
        }
    });
    let address = base
        .trim_start_matches("http://")
        .parse()
        .expect("an address");
    let open = OpenLoop {
        address,
        timeout: Duration::from_secs(10),
        pid: Some(pid),
    };
    // Poll the sandbox's log while sending: it keeps only the newest 10,000 requests.
    let mut seen = HashSet::new();
    let phases = [Phase {
        per_second: rate,
        length: LENGTH,
    }];
    let sending = open.run(make, &phases, Some(on_send));
    tokio::pin!(sending);
    let mut ingest = loop {
        tokio::select! {
            outcomes = &mut sending => break outcomes,
            _ = tokio::time::sleep(Duration::from_secs(1)) => collect(&synced.sandbox, &mut seen).await,
        }
    };
    let sent = sent_at.lock().map(|s| s.clone()).unwrap_or_default();
    let deadline = Instant::now() + SETTLE;
    let mut latencies = matched(synced, &customers, &sent, &seen);
    while latencies.len() < total && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(500)).await;
        collect(&synced.sandbox, &mut seen).await;
        latencies = matched(synced, &customers, &sent, &seen);
    }
    let ingest = ingest.remove(0);
    Run {
        events: total,
        latencies,
        ingest_ok: ingest.ok.len(),
        ingest_errors: ingest.errors(),
    }
}

pub async fn run(bench: &mut Bench) {
    println!(
        "== e2e: updates offered open-loop for {}s at {RATE:.0}/s, and at half the rate the worker section applied; webhook sent → update arriving at the sandbox",
        LENGTH.as_secs()
    );
    println!(
        "{:<10} {:>9} {:>8} {:>9} {:>9} {:>9} {:>9} {:>10}",
        "backend", "offered/s", "events", "arrived", "p50 ms", "p99 ms", "max ms", "ingest 2xx"
    );
    for backend in Backend::chosen() {
        let mut synced = synced_for(bench, backend).await;
        let mut rates = vec![RATE];
        if let Some(applied) =
            bench
                .report
                .number(&["worker", backend.name(), "update", "per_second"])
            && applied < RATE
        {
            rates.push((applied / 2.0).round().max(1.0));
        }
        let mut results = Vec::new();
        for (i, rate) in rates.into_iter().enumerate() {
            let mut run = offer(&mut synced, rate, 1_000_000 * (i as u64 + 1)).await;
            let latencies = &mut run.latencies;
            let (p50, p99) = (quantile_ms(latencies, 0.5), quantile_ms(latencies, 0.99));
            let max = latencies
                .last()
                .map_or(f64::NAN, |us| f64::from(*us) / 1000.0);
            println!(
                "{:<10} {:>9.0} {:>8} {:>9} {:>9} {:>9} {:>9} {:>10}",
                backend.name(),
                rate,
                run.events,
                latencies.len(),
                cell(p50, 1),
                cell(p99, 1),
                cell(max, 1),
                run.ingest_ok
            );
            let met = p99 <= TARGET_P99_MS && latencies.len() == run.events;
            println!(
                "  target p99 ≤ {TARGET_P99_MS} ms, every update arrived: {}",
                verdict(met)
            );
            results.push(json!({ "offered_per_second": rate, "seconds": LENGTH.as_secs(), "events": run.events,
                    "arrived": latencies.len(), "p50_ms": finite(p50), "p99_ms": finite(p99), "max_ms": finite(max),
                    "ingest_2xx": run.ingest_ok, "ingest_errors": run.ingest_errors, "target_met": met }));
        }
        bench.report.set(&["e2e", backend.name()], json!(results));
        let peak = synced.finish().await;
        let old = bench.report.number(&["e2e", "peak_rss_kib"]).unwrap_or(0.0);
        bench
            .report
            .set(&["e2e", "peak_rss_kib"], json!(old.max(peak as f64)));
    }
    println!();
}

/// Latencies in µs: per Account, the sends in time order against the arrivals in time order.
fn matched(
    synced: &Synced,
    customers: &[String],
    sent: &[i64],
    seen: &HashSet<(String, i64)>,
) -> Vec<u32> {
    let mut sends: HashMap<&str, Vec<i64>> = HashMap::new();
    for (n, at) in sent.iter().enumerate() {
        if let Some(account) = synced.accounts.get(&customers[n % customers.len()]) {
            sends.entry(account.as_str()).or_default().push(*at);
        }
    }
    let mut arrivals: HashMap<&str, Vec<i64>> = HashMap::new();
    for (account, at) in seen {
        arrivals.entry(account.as_str()).or_default().push(*at);
    }
    let mut latencies = Vec::new();
    for (account, mut sent) in sends {
        sent.sort_unstable();
        let Some(arrived) = arrivals.get_mut(account) else {
            continue;
        };
        arrived.sort_unstable();
        // Only arrivals after the first send count: earlier ones are the worker section's.
        let first = sent[0];
        let arrived: Vec<i64> = arrived.iter().copied().filter(|at| *at >= first).collect();
        for (s, a) in sent.iter().zip(arrived.iter()) {
            latencies.push((a - s).max(0) as u32);
        }
    }
    latencies
}
