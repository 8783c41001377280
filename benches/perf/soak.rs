//! Section `soak` (only when named): 10 minutes at half the rate the embedded backend sustained
//! in `ingest`, open loop, workers off; tandem's RSS sampled every 10 s. Flat means the last
//! sample is at most 1.2 × the one at minute 2.

use crate::Bench;
use crate::ingest::{closed, start};
use crate::open_loop::{OpenLoop, Phase};
use crate::report::verdict;
use crate::requests::{self, Kind};
use crate::tandem_process::Backend;
use serde_json::json;
use std::time::Duration;

const SAMPLE: Duration = Duration::from_secs(10);
const SAMPLES: usize = 60;

pub async fn run(bench: &mut Bench) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let (tandem, _) = start(bench, Backend::Embedded, dir.path()).await;
    let sustained = match bench.sustained(Backend::Embedded) {
        Some(rate) => rate,
        None => closed(&tandem, Kind::Json, 70_000_000, Duration::from_secs(5))
            .await
            .accepted_per_second(),
    };
    let rate = sustained / 2.0;
    println!(
        "== soak: embedded backend, {rate:.0} requests/s open loop for {} min, RSS every {} s",
        SAMPLES as u64 * SAMPLE.as_secs() / 60,
        SAMPLE.as_secs()
    );
    let address = tandem
        .base_url
        .trim_start_matches("http://")
        .parse()
        .expect("an address");
    let open = OpenLoop {
        address,
        timeout: Duration::from_secs(10),
        pid: Some(tandem.pid()),
    };
    let mut samples = Vec::new();
    let (mut ok, mut errors) = (0, 0);
    // Ten-second runs back to back, so the generator holds one run's requests at a time.
    for i in 0..SAMPLES {
        let make = requests::maker(
            Kind::Json,
            &tandem.base_url,
            200_000_000 + (i as u64) * 10_000_000,
        );
        let mut outcomes = open
            .run(
                make,
                &[Phase {
                    per_second: rate,
                    length: SAMPLE,
                }],
                None,
            )
            .await;
        let outcome = outcomes.remove(0);
        ok += outcome.ok.len();
        errors += outcome.statuses.values().sum::<u64>() + outcome.timeouts + outcome.failed;
        let (rss, _) = tandem.memory_kib();
        samples.push(rss);
        if (i + 1) % 6 == 0 {
            println!(
                "  minute {:>2}: RSS {:.1} MiB",
                (i + 1) / 6,
                rss as f64 / 1024.0
            );
        }
    }
    let peak = tandem.stop().await;
    let at_two_minutes = samples[11];
    let (first, last) = (samples[0], samples[SAMPLES - 1]);
    let max = samples.iter().copied().max().unwrap_or(0);
    let flat = last as f64 <= 1.2 * at_two_minutes as f64;
    let mib = |kib: u64| kib as f64 / 1024.0;
    println!(
        "  RSS first {:.1} MiB, at 2 min {:.1}, last {:.1}, max {:.1} (VmHWM {:.1}); flat (last ≤ 1.2 × minute 2): {}; {ok} accepted, {errors} errors",
        mib(first),
        mib(at_two_minutes),
        mib(last),
        mib(max),
        mib(peak),
        verdict(flat)
    );
    bench.report.set(
        &["soak"],
        json!({ "backend": "embedded", "per_second": rate, "samples_kib": samples, "first_rss_kib": first,
                "minute_2_rss_kib": at_two_minutes, "last_rss_kib": last, "max_rss_kib": max, "vm_hwm_kib": peak,
                "flat": flat, "accepted": ok, "errors": errors }),
    );
    println!();
}
