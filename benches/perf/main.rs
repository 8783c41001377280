//! `cargo bench --bench perf -- [SECTION…]` (or `scripts/bench`): the real tandem binary as a
//! child process, measured from outside — CPU from /proc, peak RSS, a hyper load generator with
//! fixed keep-alive connections (closed loop) or a fixed schedule (open loop) — beside a bare
//! lapin client's ceilings on the same broker in the same run.
//!
//! Sections: `ingest overload worker e2e cost` (the default, in that order), `soak` (10 minutes,
//! only when named). RabbitMQ from `TANDEM_TEST_AMQP_URL`. Prints tables and merges its figures
//! into target/bench/perf.json.

mod closed_loop;
mod connection;
mod cost;
mod e2e;
mod ingest;
mod machine;
mod metrics_scrape;
mod open_loop;
mod outcome;
mod overload;
mod proc_stats;
mod raw_lapin;
mod relay_floor;
mod report;
mod requests;
mod sandbox_process;
mod soak;
mod synced;
mod tandem_process;
mod topology_cleanup;
mod worker;

use report::Report;
use tandem_process::Backend;

const DEFAULT_SECTIONS: [&str; 5] = ["ingest", "overload", "worker", "e2e", "cost"];
const ALL_SECTIONS: [&str; 6] = ["ingest", "overload", "worker", "e2e", "cost", "soak"];

/// What every section needs, and what later sections read from earlier ones.
pub struct Bench {
    pub amqp: String,
    /// A name no other run uses: queue prefixes start with it.
    run_id: String,
    runs: u32,
    pub report: Report,
    /// Sandboxes with linked customers the `worker` section leaves for `e2e`.
    pub synced: Vec<synced::Synced>,
}

impl Bench {
    /// A fresh RabbitMQ prefix for one tandem (or raw) run.
    pub fn prefix(&mut self) -> String {
        self.runs += 1;
        format!("{}_{}", self.run_id, self.runs)
    }

    /// The closed-loop JSON rate a backend sustained in `ingest`, this run or the last one
    /// recorded in perf.json.
    pub fn sustained(&self, backend: Backend) -> Option<f64> {
        self.report
            .number(&["ingest", backend.name(), "json", "ok_per_second"])
    }
}

fn main() {
    // The `ingest` section's relay floor runs as this binary again.
    relay_floor::serve_if_asked();
    let asked: Vec<String> = std::env::args()
        .skip(1)
        .filter(|arg| !arg.starts_with("--"))
        .collect();
    if let Some(unknown) = asked.iter().find(|a| !ALL_SECTIONS.contains(&a.as_str())) {
        eprintln!(
            "unknown section {unknown}; sections: {}",
            ALL_SECTIONS.join(" ")
        );
        std::process::exit(2);
    }
    let sections: Vec<&str> = if asked.is_empty() {
        DEFAULT_SECTIONS.to_vec()
    } else {
        ALL_SECTIONS
            .iter()
            .copied()
            .filter(|s| asked.iter().any(|a| a == s))
            .collect()
    };
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    runtime.block_on(async {
        let mut bench = Bench {
            amqp: std::env::var("TANDEM_TEST_AMQP_URL")
                .unwrap_or_else(|_| "amqp://guest:guest@127.0.0.1:5672/%2f".into()),
            run_id: format!("bench{}", std::process::id()),
            runs: 0,
            report: Report::load(),
            synced: Vec::new(),
        };
        let facts = machine::facts();
        println!("tandem perf: {}", machine::summary(&facts));
        println!("sections: {}\n", sections.join(" "));
        bench.report.set(&["machine"], facts);
        for section in sections {
            match section {
                "ingest" => ingest::run(&mut bench).await,
                "overload" => overload::run(&mut bench).await,
                "worker" => worker::run(&mut bench).await,
                "e2e" => e2e::run(&mut bench).await,
                "cost" => cost::run(&mut bench),
                "soak" => soak::run(&mut bench).await,
                _ => unreachable!("sections are checked above"),
            }
            bench.report.set(
                &["machine", "load_average_at_end"],
                machine::load_average().into(),
            );
            bench.report.save();
        }
        // Sandboxes `worker` left for an `e2e` that did not run: stop their tandem, delete its queues.
        for synced in std::mem::take(&mut bench.synced) {
            synced.finish().await;
        }
        println!("\nfigures: {}", report::path().display());
    });
}
