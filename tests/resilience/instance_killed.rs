//! Two instances share one broker and one store; the one consuming is killed with SIGKILL in
//! the middle of a burst. The other takes over its shards: nothing is lost, nothing is applied
//! twice, no record is ever written out of order, and each ends at its newest version.

use crate::SERIAL;
use crate::instance::wait_for_readyz;
use crate::load::{Senders, Tally, accepted_at_least, plan};
use crate::oracle;
use crate::world::World;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;
use tandem::store::Store;
use tokio::time::Instant;

const EVENTS: u64 = 1_000;
const RECORDS: usize = 20;
const SENDERS: usize = 8;
/// Accepted events before the first instance is killed.
const KILL_AFTER: usize = 400;
/// Service time of each sandbox API call: keeps writes in flight when the kill lands.
const LATENCY: Duration = Duration::from_millis(5);

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn killing_the_consuming_instance_loses_nothing_and_keeps_each_record_in_order() {
    let _serial = SERIAL.lock().await;
    let world = World::new(RECORDS, LATENCY).await;
    let store = world.store().await;
    // Started first, `a` is the single active consumer of every shard; `b` stands by.
    let mut a = world.start_instance("a").await;
    let b = world.start_instance("b").await;
    let probe = reqwest::Client::builder()
        .timeout(Duration::from_secs(3))
        .build()
        .unwrap();
    wait_for_readyz(&probe, &a, 200, Duration::from_secs(10)).await;
    wait_for_readyz(&probe, &b, 200, Duration::from_secs(10)).await;

    let started = Instant::now();
    let plan = Arc::new(plan("killed", &world.accounts, EVENTS));
    let (tally, mut progress) = Tally::new();
    let sending = tokio::spawn(
        Senders {
            targets: vec![a.url(""), b.url("")],
            secrets: world.secrets(),
            pace: None,
            concurrency: SENDERS,
            deadline: started + Duration::from_secs(40),
        }
        .run(plan.clone(), tally.clone()),
    );
    accepted_at_least(&mut progress, KILL_AFTER, Duration::from_secs(30)).await;
    let applied_before_kill = store.recent_history(1_000_000).await.unwrap().len();
    a.kill().await;
    let killed = Instant::now();
    let accepted_at_kill = tally.accepted().len();
    sending.await.expect("the senders finish");
    let sent_in = started.elapsed();

    let verdict = oracle::settle(
        &world,
        &store,
        &plan,
        &tally.accepted(),
        Instant::now() + Duration::from_secs(30),
    )
    .await;
    let drained_after_kill = killed.elapsed();
    wait_for_readyz(&probe, &b, 200, Duration::from_secs(5)).await;

    eprintln!(
        "[instance killed] posted {EVENTS} over {RECORDS} records with {SENDERS} senders to 2 \
         instances in {sent_in:?} | 2xx {} | 503 {} | unreachable (resent to the other) {} | \
         killed after {accepted_at_kill} accepted and {applied_before_kill} applied | all applied \
         and acknowledged {drained_after_kill:?} after the kill | total {:?}",
        tally.accepted().len(),
        tally.unavailable.load(Ordering::SeqCst),
        tally.unreachable.load(Ordering::SeqCst),
        world.started.elapsed(),
    );
    verdict.print("instance killed");
    if !verdict.recorded_twice.is_empty() {
        eprintln!(
            "[instance killed] processed again after the kill: {:?}",
            verdict.recorded_twice
        );
    }

    assert!(
        tally.unexpected_answers().is_empty(),
        "{:?}",
        tally.unexpected_answers()
    );
    assert_eq!(tally.accepted().len() as u64, EVENTS);
    assert!(
        applied_before_kill < EVENTS as usize,
        "everything was applied before the kill: the kill proved nothing"
    );
    // The killed instance's claims lapse; the survivor applies what it held, checking the
    // origin stamp of each account first (the killed worker may have written it already).
    eprintln!(
        "[instance killed] survivor: waited for a claim {} times, in doubt {}, of which the \
         account already held the write {}",
        b.count_logs("another instance is applying this record"),
        b.count_logs("died while applying it"),
        b.count_logs("already holds this event's write"),
    );
    verdict.assert_exactly_once_in_order();
}
