//! The active instance loses its consumer connection while its workers are still writing:
//! the standby instance is handed the same deliveries at once, and must not apply them again.

use crate::SERIAL;
use crate::broker;
use crate::instance::wait_for_readyz;
use crate::load::{Senders, Tally, plan};
use crate::oracle;
use crate::world::World;
use std::sync::Arc;
use std::time::Duration;
use tokio::time::Instant;

const EVENTS: u64 = 80;
const RECORDS: usize = 20;
/// Each Salesforce call takes this long, so writes are in flight when the connection drops.
const LATENCY: Duration = Duration::from_secs(2);

/// When `a`'s consumer connection closes, the broker returns its unacknowledged deliveries and
/// single-active-consumer promotes `b`'s consumers at once. `a`'s workers hold the records'
/// claims in the store until they have recorded their events, so `b` waits for each, then
/// finds it processed: every event is applied exactly once.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_standby_taking_over_never_applies_an_event_the_old_consumer_still_applies() {
    let _serial = SERIAL.lock().await;
    let world = World::new(RECORDS, LATENCY).await;
    let store = world.store().await;
    let a = world.start_instance("a").await;
    let b = world.start_instance("b").await;
    let probe = reqwest::Client::new();
    wait_for_readyz(&probe, &b, 200, Duration::from_secs(10)).await;

    let plan = Arc::new(plan("lost", &world.accounts, EVENTS));
    let (tally, _) = Tally::new();
    Senders {
        targets: vec![a.url("")],
        secrets: world.secrets(),
        pace: None,
        concurrency: 8,
        deadline: Instant::now() + Duration::from_secs(20),
    }
    .run(plan.clone(), tally.clone())
    .await;
    // Wait until `a`'s workers have writes in flight.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let counters: serde_json::Value = world
            .http
            .get(format!(
                "{}/_sandbox/counters",
                world.sandbox.salesforce_url
            ))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        if counters["in_flight"].as_u64().unwrap_or_default() >= 10 {
            break;
        }
        assert!(Instant::now() < deadline, "no writes in flight: {counters}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let closed = broker::close_active_consumer_connections(&world.prefix).await;

    let verdict = oracle::settle(
        &world,
        &store,
        &plan,
        &tally.accepted(),
        Instant::now() + Duration::from_secs(40),
    )
    .await;
    eprintln!(
        "[consumer lost] accepted {} | closed {closed} consumer connection(s) with writes in flight",
        tally.accepted().len()
    );
    verdict.print("consumer lost");
    for instance in [&a, &b] {
        eprintln!(
            "[consumer lost] {}: waited for a claim {} times, claims lapsed {}, in doubt {}",
            instance.name,
            instance.count_logs("another instance is applying this record"),
            instance.count_logs("claim lapsed"),
            instance.count_logs("died while applying it"),
        );
    }
    if !verdict.written_twice.is_empty() {
        eprintln!("{}\n---\n{}", a.tail(60), b.tail(60));
    }
    verdict.assert_exactly_once_in_order();
}
