//! Section `worker`: how fast the workers apply events against the sandbox (no added latency).
//! 3,000 NetSuite customers are created in the sandbox; their creations are queued with the
//! workers off, then drained (each: two matching queries, an Account upsert, the link written
//! back to NetSuite); then 3,000 credit-limit updates of the now-linked customers are queued and
//! drained (each: one Account update). Beside it, a bare lapin consumer acking as many messages
//! at tandem's prefetch from one quorum queue.

use crate::Bench;
use crate::raw_lapin;
use crate::report::{cell, verdict};
use crate::requests;
use crate::synced::{Drain, Synced, credit_limit, event};
use crate::tandem_process::Backend;
use serde_json::json;

pub const EVENTS: usize = 3000;
const TARGET_RATIO: f64 = 0.7;

fn row(name: &str, drain: &Drain) {
    let others: Vec<String> = drain
        .outcomes
        .iter()
        .map(|(outcome, n)| format!("{outcome} {n:.0}"))
        .collect();
    println!(
        "{:<34} {:>7} {:>10.0} {:>11}  {}",
        name,
        drain.events,
        drain.per_second,
        cell(drain.tandem_us_per_event, 0),
        others.join(", ")
    );
}

/// One update per linked customer, each a credit limit not sent before.
pub fn updates(synced: &Synced, base: u64) -> Vec<String> {
    synced
        .customers
        .iter()
        .enumerate()
        .map(|(i, id)| event(id, "updated", credit_limit(base + i as u64)))
        .collect()
}

pub async fn run(bench: &mut Bench) {
    println!(
        "== worker: {EVENTS} events pre-loaded with the workers off, then drained (default workers and prefetch)"
    );
    println!(
        "{:<34} {:>7} {:>10} {:>11}  outcomes",
        "series", "events", "applied/s", "tandem µs"
    );
    let prefetch = tandem::config::QueueConfig::default().prefetch;
    for backend in Backend::chosen() {
        let mut synced = Synced::new(bench, backend, EVENTS).await;
        let creates = synced.link_all().await;
        row(
            &format!("{}, create customer→Account", backend.name()),
            &creates,
        );
        let bodies = updates(&synced, 2000);
        let changes = synced.preload_and_drain(bodies).await;
        row(
            &format!("{}, update linked Account", backend.name()),
            &changes,
        );
        let mut result = json!({ "create": creates.to_json(), "update": changes.to_json() });
        if backend == Backend::Rabbitmq {
            let queue = format!("{}.consume", bench.prefix());
            let payload = requests::payload(0).into_bytes();
            let raw =
                raw_lapin::consume(&bench.amqp, &queue, EVENTS as u64, prefetch, payload).await;
            let ratio = changes.per_second / raw.per_second;
            println!(
                "{:<34} {:>7} {:>10.0} {:>11}  client µs/msg {:.1}",
                format!("raw lapin consume+ack, prefetch {prefetch}"),
                EVENTS,
                raw.per_second,
                "—",
                raw.client_us_per_message
            );
            println!(
                "  ratio update applied/s ÷ raw consume/s: {ratio:.3} (target ≥ {TARGET_RATIO}: {})",
                verdict(ratio >= TARGET_RATIO)
            );
            result["raw_lapin_consume"] = json!({ "prefetch": prefetch, "per_second": raw.per_second, "client_cpu_us_per_message": raw.client_us_per_message });
            result["ratio_update_to_raw"] = json!(ratio);
        }
        bench.report.set(&["worker", backend.name()], result);
        bench.synced.push(synced);
    }
    println!();
}
