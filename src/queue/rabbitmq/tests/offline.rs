//! Topology checks that need no broker: tier rounding, and the shipped definitions file.

use super::super::*;

#[test]
fn retry_delays_round_up_to_the_next_tier() {
    let topology = Topology::new("tandem", 4, 20, &[]);
    let tier = |secs: f64| topology.tier_for(Duration::from_secs_f64(secs));
    assert_eq!(tier(0.2), Duration::from_secs(1));
    assert_eq!(tier(1.0), Duration::from_secs(1));
    assert_eq!(tier(1.1), Duration::from_secs(5));
    assert_eq!(tier(4.0 * 60.0), Duration::from_secs(5 * 60));
    assert_eq!(
        tier(30.0 * 3600.0),
        Duration::from_secs(24 * 3600),
        "longest tier at most"
    );
    let labels: Vec<String> = topology
        .tiers()
        .iter()
        .map(|t| topology::tier_label(*t))
        .collect();
    assert_eq!(labels.first().map(String::as_str), Some("1s"));
    assert!(labels.contains(&"5m".to_owned()) && labels.contains(&"24h".to_owned()));
    assert_eq!(
        topology.retry_queue(Duration::from_secs(7200)),
        "tandem.retry.2h"
    );
}

/// `deploy/rabbitmq/definitions.json` is this topology for the default `[queue]` settings;
/// `TANDEM_WRITE_DEFINITIONS=1 cargo test --lib definitions` rewrites it.
#[test]
fn the_shipped_definitions_match_the_topology() {
    let defaults = crate::config::QueueConfig::default();
    let rendered =
        Topology::new("tandem", defaults.shards, defaults.max_deliveries, &[]).definitions();
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("deploy/rabbitmq/definitions.json");
    if std::env::var_os("TANDEM_WRITE_DEFINITIONS").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        let text = serde_json::to_string_pretty(&rendered).unwrap() + "\n";
        std::fs::write(&path, text).unwrap();
    }
    let shipped: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert!(
        shipped == rendered,
        "{} is stale: run TANDEM_WRITE_DEFINITIONS=1 cargo test --lib definitions",
        path.display()
    );
    let queues = rendered["queues"].as_array().unwrap();
    assert_eq!(
        queues.len(),
        usize::from(defaults.shards) + DEFAULT_RETRY_TIERS.len() + 1
    );
    assert_eq!(queues[0]["arguments"]["x-single-active-consumer"], true);
    // 20 deliveries in all (queue.max_deliveries) = 19 returns.
    assert_eq!(queues[0]["arguments"]["x-delivery-limit"], 19);
}
