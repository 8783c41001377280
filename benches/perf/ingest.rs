//! Section `ingest`: closed loop at concurrency 64 — the raw lapin publisher's ceiling, then
//! tandem on RabbitMQ (raw, tandem, raw again: the mean of the two raw runs cancels drift), then
//! tandem on the embedded queue; JSON events and Outbound Messages on each backend. Workers are
//! off (no sandbox configured): this is the path to a durable 2xx and nothing else.

use crate::closed_loop::ClosedLoop;
use crate::outcome::Outcome;
use crate::raw_lapin;
use crate::relay_floor::RelayFloor;
use crate::report::{cell, verdict};
use crate::requests::{self, Kind};
use crate::tandem_process::{Backend, Spec, Tandem};
use crate::{Bench, topology_cleanup};
use serde_json::json;
use std::time::Duration;

const CONCURRENCY: usize = 64;
const WARM_UP: Duration = Duration::from_secs(2);
const MEASURE: Duration = Duration::from_secs(10);
/// Targets printed beside the figures.
const TARGET_RATIO: f64 = 0.8;
const TARGET_CPU_US: f64 = 40.0;

fn header() {
    println!(
        "== ingest: closed loop, {CONCURRENCY} connections (or publishes) in flight, {}s warm-up + {}s measured",
        WARM_UP.as_secs(),
        MEASURE.as_secs()
    );
    println!(
        "{:<34} {:>9} {:>8} {:>8} {:>9} {:>9} {:>9}  errors",
        "series", "ok/s", "p50 ms", "p99 ms", "tandem µs", "client µs", "broker µs"
    );
}

/// One table row; a raw lapin row has no tandem CPU.
fn row(name: &str, outcome: &mut Outcome) {
    let tandem_us = if outcome.cpu.tandem > 0.0 {
        outcome.tandem_us_per_ok()
    } else {
        f64::NAN
    };
    println!(
        "{:<34} {:>9.0} {:>8} {:>8} {:>9} {:>9} {:>9}  {}",
        name,
        outcome.accepted_per_second(),
        cell(outcome.ok_ms(0.5), 2),
        cell(outcome.ok_ms(0.99), 2),
        cell(tandem_us, 1),
        cell(outcome.generator_us_per_request(), 1),
        cell(outcome.broker_us_per_ok(), 1),
        outcome.errors()
    );
}

async fn raw(bench: &mut Bench, channels: usize) -> Outcome {
    let queue = format!("{}.raw", bench.prefix());
    let payload = requests::payload(0).into_bytes();
    let mut outcome = raw_lapin::publish(
        &bench.amqp,
        &queue,
        channels,
        CONCURRENCY,
        WARM_UP,
        MEASURE,
        payload,
    )
    .await;
    row(&format!("raw lapin, {channels} channel(s)"), &mut outcome);
    outcome
}

/// Closed loop of `kind` against a running tandem.
pub async fn closed(tandem: &Tandem, kind: Kind, offset: u64, measure: Duration) -> Outcome {
    closed_against(&tandem.base_url, tandem.pid(), kind, offset, measure).await
}

/// Closed loop of `kind` against the server at `base_url`, whose CPU is read from `pid`.
async fn closed_against(
    base_url: &str,
    pid: u32,
    kind: Kind,
    offset: u64,
    measure: Duration,
) -> Outcome {
    let address = base_url
        .trim_start_matches("http://")
        .parse()
        .expect("an address");
    let run = ClosedLoop {
        address,
        connections: CONCURRENCY,
        warm_up: WARM_UP,
        measure,
        pid: Some(pid),
    };
    run.run(requests::maker(kind, base_url, offset)).await
}

/// The same JSON requests through a bare axum + lapin relay (see `relay_floor`).
async fn floor(bench: &mut Bench) -> Outcome {
    let queue = format!("{}.floor", bench.prefix());
    let relay = RelayFloor::start(&bench.amqp, &queue).await;
    let mut outcome = closed_against(&relay.base_url, relay.pid(), Kind::Json, 0, MEASURE).await;
    relay.stop();
    raw_lapin::delete_queue(&bench.amqp, &queue).await;
    row("floor: axum + lapin relay, JSON", &mut outcome);
    outcome
}

/// One tandem on `backend` with workers off; its files in a fresh temporary directory.
pub async fn start(bench: &mut Bench, backend: Backend, dir: &std::path::Path) -> (Tandem, String) {
    let prefix = bench.prefix();
    let spec = Spec {
        backend,
        amqp_url: &bench.amqp,
        prefix: &prefix,
        dir,
        sandbox: None,
    };
    (Tandem::start(&spec).await, prefix)
}

pub async fn run(bench: &mut Bench) {
    header();
    let raw_one = raw(bench, 1).await;
    let raw_four = raw(bench, 4).await;
    let (channels, mut first_raw) =
        if raw_one.accepted_per_second() >= raw_four.accepted_per_second() {
            (1, raw_one.clone())
        } else {
            (4, raw_four.clone())
        };
    let mut results = serde_json::Map::new();
    let mut peak_rss_kib = 0;
    for backend in Backend::chosen() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let (tandem, prefix) = start(bench, backend, dir.path()).await;
        let mut json_run = closed(&tandem, Kind::Json, 0, MEASURE).await;
        row(
            &format!("tandem {}, {}", backend.name(), Kind::Json.name()),
            &mut json_run,
        );
        let mut soap_run = closed(&tandem, Kind::Soap, 0, MEASURE).await;
        row(
            &format!("tandem {}, {}", backend.name(), Kind::Soap.name()),
            &mut soap_run,
        );
        peak_rss_kib = peak_rss_kib.max(tandem.stop().await);
        if backend == Backend::Rabbitmq {
            topology_cleanup::delete(&bench.amqp, &prefix).await;
            let mut floor_run = floor(bench).await;
            let mut again = raw(bench, channels).await;
            let ceiling = (first_raw.accepted_per_second() + again.accepted_per_second()) / 2.0;
            let ratio = json_run.accepted_per_second() / ceiling.max(1.0);
            let soap_ratio = soap_run.accepted_per_second() / ceiling.max(1.0);
            println!(
                "  raw ceiling ({channels} channel(s), mean of the runs before and after): {ceiling:.0} msgs/s; \
                 ratio JSON {ratio:.2}, SOAP {soap_ratio:.2} (target ≥ {TARGET_RATIO}: {})",
                verdict(ratio >= TARGET_RATIO)
            );
            results.insert(
                "raw_lapin".into(),
                json!({
                    "channels_used": channels,
                    "one_channel": raw_one.clone().figures(),
                    "four_channels": raw_four.clone().figures(),
                    "chosen_before": first_raw.figures(),
                    "chosen_after": again.figures(),
                    "ceiling_per_second": ceiling,
                    "client_cpu_us_per_message": (first_raw.generator_us_per_request() + again.generator_us_per_request()) / 2.0,
                }),
            );
            let floor_ratio = floor_run.accepted_per_second() / ceiling.max(1.0);
            println!(
                "  floor (axum + lapin, no tandem logic): ratio {floor_ratio:.2}, {:.1} µs/request; \
                 tandem spends {:.1} µs/request above it",
                floor_run.tandem_us_per_ok(),
                json_run.tandem_us_per_ok() - floor_run.tandem_us_per_ok()
            );
            results.insert("relay_floor".into(), floor_run.figures());
            results.insert("ratio_floor_to_raw".into(), json!(floor_ratio));
            results.insert("ratio_json_to_raw".into(), json!(ratio));
            results.insert("ratio_soap_to_raw".into(), json!(soap_ratio));
        }
        let cpu = json_run.tandem_us_per_ok();
        println!(
            "  {} tandem CPU: JSON {:.1} µs/request, SOAP {:.1} µs/request (target ≤ {TARGET_CPU_US}: {})",
            backend.name(),
            cpu,
            soap_run.tandem_us_per_ok(),
            verdict(cpu <= TARGET_CPU_US)
        );
        results.insert(
            backend.name().into(),
            json!({ "json": json_run.figures(), "soap": soap_run.figures() }),
        );
    }
    results.insert("peak_rss_kib".into(), json!(peak_rss_kib));
    results.insert("concurrency".into(), json!(CONCURRENCY));
    results.insert("measured_seconds".into(), json!(MEASURE.as_secs()));
    results.insert(
        "targets".into(),
        json!({ "ratio_min": TARGET_RATIO, "cpu_us_max": TARGET_CPU_US }),
    );
    bench
        .report
        .set(&["ingest"], serde_json::Value::Object(results));
    println!();
}
