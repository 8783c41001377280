//! The broker restarts in the middle of a burst: what was acknowledged is applied exactly once,
//! what was refused is accepted on retry, and readiness follows the broker.

use crate::SERIAL;
use crate::instance::{ReadySampler, wait_for_readyz};
use crate::load::{Senders, Tally, accepted_at_least, plan};
use crate::oracle;
use crate::world::World;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;
use tokio::time::Instant;

const EVENTS: u64 = 2_000;
const RECORDS: usize = 20;
const SENDERS: usize = 8;
/// Accepted events before the broker is stopped.
const STOP_AFTER: usize = 500;
/// How long the broker stays down (counted from `stop_app` returning).
const OUTAGE: Duration = Duration::from_secs(3);

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_broker_restart_mid_burst_loses_nothing_acknowledged_and_applies_it_once() {
    let _serial = SERIAL.lock().await;
    let world = World::new(RECORDS, Duration::ZERO).await;
    let store = world.store().await;
    let tandem = world.start_instance("a").await;
    let probe = reqwest::Client::builder()
        .timeout(Duration::from_secs(3))
        .build()
        .unwrap();
    wait_for_readyz(&probe, &tandem, 200, Duration::from_secs(10)).await;

    let started = Instant::now();
    let plan = Arc::new(plan("restart", &world.accounts, EVENTS));
    let (tally, mut progress) = Tally::new();
    let sampler = ReadySampler::start(probe.clone(), tandem.url("/readyz"));
    let sending = tokio::spawn(
        Senders {
            targets: vec![tandem.url("")],
            secrets: world.secrets(),
            pace: None,
            concurrency: SENDERS,
            deadline: started + Duration::from_secs(50),
        }
        .run(plan.clone(), tally.clone()),
    );

    accepted_at_least(&mut progress, STOP_AFTER, Duration::from_secs(30)).await;
    let stopping = Instant::now();
    let accepted_at_stop = tally.accepted().len();
    let stopped = world.broker.stop().await;
    let accepted_while_stopping = tally.accepted().len() - accepted_at_stop;
    let not_ready = sampler.first(503, stopping, Duration::from_secs(10)).await;
    // The outage itself: the broker stays down this long whatever happens meanwhile.
    tokio::time::sleep_until(stopped + OUTAGE).await;
    let accepted_while_down = tally.accepted().len() - accepted_at_stop - accepted_while_stopping;
    let refused_while_down = tally.unavailable.load(Ordering::SeqCst);
    let restarting = Instant::now();
    let restarted = world.broker.start().await;
    let ready = sampler.first(200, restarted, Duration::from_secs(30)).await;
    sending.await.expect("the senders finish");
    let sent_in = started.elapsed();
    let samples = sampler.finish().await;
    let (gap_from, gap) = tally.longest_gap(stopping, Instant::now());

    let settling = Instant::now();
    let verdict = oracle::settle(
        &world,
        &store,
        &plan,
        &tally.accepted(),
        Instant::now() + Duration::from_secs(30),
    )
    .await;
    let ready_while_down = samples
        .iter()
        .filter(|(at, status)| *at > not_ready && *at < restarting && *status == Some(200))
        .count();

    let settled_in = settling.elapsed();
    eprintln!(
        "[broker restart] posted {EVENTS} with {SENDERS} senders in {sent_in:?} | 2xx {} | 503 {} \
         ({refused_while_down} by the end of the outage; slowest {} ms) | unreachable {} | \
         accepted before stop_app {accepted_at_stop}, while it ran {accepted_while_stopping}, \
         while stopped {accepted_while_down} | stop_app took {:?}, readyz 503 {:?} after it was \
         issued, broker down {:?}, start_app took {:?}, readyz 200 {:?} after it returned | \
         readyz 200 while down: {ready_while_down} | no 2xx for {gap:?} from {:?} after \
         stop_app was issued | all applied and acknowledged {settled_in:?} after the senders finished | \
         total {:?}",
        tally.accepted().len(),
        tally.unavailable.load(Ordering::SeqCst),
        tally.slowest_refusal_ms.load(Ordering::SeqCst),
        tally.unreachable.load(Ordering::SeqCst),
        stopped - stopping,
        not_ready.saturating_duration_since(stopping),
        restarting - stopped,
        restarted - restarting,
        ready.saturating_duration_since(restarted),
        gap_from.saturating_duration_since(stopping),
        world.started.elapsed(),
    );
    verdict.print("broker restart");
    if verdict.undrained.is_some() || !verdict.lost.is_empty() {
        let metrics = probe
            .get(tandem.url("/metrics"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let depth: Vec<&str> = metrics
            .lines()
            .filter(|line| line.starts_with("tandem_queue_depth"))
            .collect();
        eprintln!(
            "[broker restart] tandem's queue depth: {depth:?}\ntandem's log:\n{}",
            tandem.tail(400)
        );
    }

    assert!(
        tally.unexpected_answers().is_empty(),
        "{:?}",
        tally.unexpected_answers()
    );
    assert_eq!(
        tally.accepted().len() as u64,
        EVENTS,
        "every event accepted in the end"
    );
    assert!(
        tally.unavailable.load(Ordering::SeqCst) > 0,
        "the outage refused nothing: did the broker stop?"
    );
    assert_eq!(
        ready_while_down, 0,
        "readyz answered 200 while the broker was down"
    );
    verdict.assert_exactly_once_in_order();
    assert!(
        tandem.count_logs("consuming from RabbitMQ") >= 2,
        "the consumers reconnected:\n{}",
        tandem.tail(20)
    );
}
