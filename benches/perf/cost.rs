//! Section `cost`: what one event costs tandem, gathered from the sections run before (this run
//! or the last recorded in perf.json): CPU per ingested request and per applied event, peak RSS.

use crate::Bench;
use crate::report::cell;
use serde_json::json;

pub fn run(bench: &mut Bench) {
    println!("== cost: tandem's CPU per event and peak memory (from ingest, worker, e2e, soak)");
    println!("{:<44} {:>12} {:>12}", "what", "rabbitmq", "embedded");
    let figure = |keys: &[&str], backend: &str| {
        let mut path: Vec<&str> = vec![keys[0], backend];
        path.extend(&keys[1..]);
        bench.report.number(&path).unwrap_or(f64::NAN)
    };
    let rows: [(&str, &[&str]); 4] = [
        (
            "ingest, JSON ~1 KiB (CPU µs/request)",
            &["ingest", "json", "tandem_cpu_us_per_ok"],
        ),
        (
            "ingest, SOAP ~4 KiB (CPU µs/request)",
            &["ingest", "soap", "tandem_cpu_us_per_ok"],
        ),
        (
            "apply, create (CPU µs/event)",
            &["worker", "create", "tandem_cpu_us_per_event"],
        ),
        (
            "apply, update (CPU µs/event)",
            &["worker", "update", "tandem_cpu_us_per_event"],
        ),
    ];
    let mut result = serde_json::Map::new();
    for (name, keys) in rows {
        let (rabbit, embedded) = (figure(keys, "rabbitmq"), figure(keys, "embedded"));
        println!(
            "{:<44} {:>12} {:>12}",
            name,
            cell(rabbit, 1),
            cell(embedded, 1)
        );
        result.insert(name.into(), json!({ "rabbitmq": crate::outcome::finite(rabbit), "embedded": crate::outcome::finite(embedded) }));
    }
    let peaks = [
        ("ingest", bench.report.number(&["ingest", "peak_rss_kib"])),
        ("worker+e2e", bench.report.number(&["e2e", "peak_rss_kib"])),
        ("soak", bench.report.number(&["soak", "max_rss_kib"])),
    ];
    for (section, kib) in peaks {
        let mib = kib.map_or(f64::NAN, |k| k / 1024.0);
        println!(
            "{:<44} {:>12}",
            format!("peak RSS, {section} (MiB, any backend)"),
            cell(mib, 1)
        );
        result.insert(
            format!("peak_rss_mib_{section}"),
            crate::outcome::finite(mib),
        );
    }
    bench
        .report
        .set(&["cost"], serde_json::Value::Object(result));
    println!();
}
