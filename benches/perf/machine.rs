//! Facts about the machine a run measured: cores, memory, kernel, broker version, load.

use serde_json::{Value, json};

fn read(path: &str) -> String {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .trim()
        .to_owned()
}

fn memory_gib() -> f64 {
    let meminfo = read("/proc/meminfo");
    let kib: f64 = meminfo
        .lines()
        .find_map(|line| line.strip_prefix("MemTotal:"))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|kib| kib.parse().ok())
        .unwrap_or(0.0);
    kib / 1024.0 / 1024.0
}

/// The 1-minute load average: other work on the machine while the bench ran.
pub fn load_average() -> f64 {
    read("/proc/loadavg")
        .split_whitespace()
        .next()
        .and_then(|load| load.parse().ok())
        .unwrap_or(f64::NAN)
}

/// RabbitMQ's version as scripts/bench found it (`rabbitmqctl version`), if it did.
pub fn rabbitmq_version() -> Option<String> {
    std::env::var("TANDEM_BENCH_RABBITMQ_VERSION")
        .ok()
        .filter(|v| !v.trim().is_empty())
}

pub fn facts() -> Value {
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    json!({
        "nproc": cores,
        "memory_gib": (memory_gib() * 10.0).round() / 10.0,
        "kernel": read("/proc/sys/kernel/osrelease"),
        "cpu": read("/proc/cpuinfo").lines().find_map(|l| l.strip_prefix("model name")).map(|m| m.trim_start_matches([' ', '\t', ':']).to_owned()),
        "rabbitmq_version": rabbitmq_version(),
        "date": chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "load_average_at_start": load_average(),
    })
}

/// One line for the top of the printed report.
pub fn summary(facts: &Value) -> String {
    format!(
        "{} cores ({}), {} GiB, Linux {}, RabbitMQ {}, load average {:.2} at start, {}",
        facts["nproc"],
        facts["cpu"].as_str().unwrap_or("?"),
        facts["memory_gib"],
        facts["kernel"].as_str().unwrap_or("?"),
        facts["rabbitmq_version"].as_str().unwrap_or("unknown"),
        facts["load_average_at_start"].as_f64().unwrap_or(f64::NAN),
        facts["date"].as_str().unwrap_or("?"),
    )
}
