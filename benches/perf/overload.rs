//! Section `overload`: open loop at 0.9 × the rate a backend sustained in `ingest` for 5 s, then
//! at twice that for 5 s. What a client sees when tandem is pushed past its capacity: 2xx kept
//! fast, the excess refused early with 503, nothing left hanging until the 10 s client time-out.
//! The `tandem` and `client` columns are the cores each used over the phase (of two).

use crate::ingest::{closed, start};
use crate::open_loop::{OpenLoop, Phase};
use crate::outcome::Outcome;
use crate::report::{cell, verdict};
use crate::requests::{self, Kind};
use crate::tandem_process::Backend;
use crate::{Bench, topology_cleanup};
use serde_json::json;
use std::time::Duration;

const PHASE: Duration = Duration::from_secs(5);
const CLIENT_TIMEOUT: Duration = Duration::from_secs(10);

fn row(name: &str, offered: f64, outcome: &mut Outcome) {
    // Cores busy over the phase: how much of the two the server and the generator took.
    let cpu = outcome.cpu;
    let cores = |seconds: f64| seconds / cpu.seconds.max(f64::EPSILON);
    println!(
        "{:<22} {:>8.0} {:>8.0} {:>8} {:>8} {:>7} {:>9} {:>8} {:>6.2} {:>6.2}  {}",
        name,
        offered,
        outcome.accepted_per_second(),
        cell(outcome.ok_ms(0.5), 2),
        cell(outcome.ok_ms(0.99), 2),
        outcome.refused.len(),
        cell(outcome.refused_ms(0.99), 2),
        outcome.timeouts,
        cores(cpu.tandem),
        cores(cpu.generator),
        outcome.errors()
    );
}

pub async fn run(bench: &mut Bench) {
    println!(
        "== overload: open loop, {}s at 0.9 × the ingest rate then {}s at twice that; client time-out {}s",
        PHASE.as_secs(),
        PHASE.as_secs(),
        CLIENT_TIMEOUT.as_secs()
    );
    println!(
        "{:<22} {:>8} {:>8} {:>8} {:>8} {:>7} {:>9} {:>8} {:>6} {:>6}  all errors",
        "backend, phase",
        "offered",
        "2xx/s",
        "p50 ms",
        "p99 ms",
        "503s",
        "503 p99",
        "timeouts",
        "tandem",
        "client",
    );
    for backend in Backend::chosen() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let (tandem, prefix) = start(bench, backend, dir.path()).await;
        let sustained = match bench.sustained(backend) {
            Some(rate) => rate,
            // No ingest figures yet: measure the closed-loop rate briefly.
            None => closed(&tandem, Kind::Json, 50_000_000, PHASE)
                .await
                .accepted_per_second(),
        };
        let rate = (sustained * 0.9).max(10.0);
        let address = tandem
            .base_url
            .trim_start_matches("http://")
            .parse()
            .expect("an address");
        let open = OpenLoop {
            address,
            timeout: CLIENT_TIMEOUT,
            pid: Some(tandem.pid()),
        };
        let phases = [
            Phase {
                per_second: rate,
                length: PHASE,
            },
            Phase {
                per_second: rate * 2.0,
                length: PHASE,
            },
        ];
        let mut outcomes = open
            .run(
                requests::maker(Kind::Json, &tandem.base_url, 100_000_000),
                &phases,
                None,
            )
            .await;
        let _ = tandem.stop().await;
        if backend == Backend::Rabbitmq {
            topology_cleanup::delete(&bench.amqp, &prefix).await;
        }
        let [mut one, mut two] = [outcomes.remove(0), outcomes.remove(0)];
        row(&format!("{}, 1×", backend.name()), rate, &mut one);
        row(&format!("{}, 2×", backend.name()), rate * 2.0, &mut two);
        let (p99_one, p99_two) = (one.ok_ms(0.99), two.ok_ms(0.99));
        let met = p99_two <= 2.0 * p99_one && two.timeouts == 0 && one.timeouts == 0;
        println!(
            "  target: 2xx p99 at 2× ≤ 2 × p99 at 1× ({} ≤ {}) and no time-outs: {}",
            cell(p99_two, 1),
            cell(2.0 * p99_one, 1),
            verdict(met)
        );
        bench.report.set(
            &["overload", backend.name()],
            json!({ "rate_1x": rate, "one_x": one.figures(), "two_x": two.figures(), "target_met": met }),
        );
    }
    println!();
}
