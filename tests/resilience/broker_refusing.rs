//! A stopped broker: ingress refuses every event with 503 and the JSON error body,
//! queues none of them; readiness says why; a new instance refuses to start;
//! and once the broker is back the same events are accepted and applied once.

use crate::SERIAL;
use crate::broker;
use crate::instance::{Instance, wait_for_readyz};
use crate::load::{Planned, Senders, Tally, plan, post};
use crate::oracle;
use crate::world::World;
use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;
use tandem::ingress::standard_webhooks::SigningKey;
use tokio::time::Instant;

const RECORDS: usize = 20;
/// Accepted before the broker stops, to show the path works and to have something applied.
const WARM_UP: usize = 20;
/// Posted while it is stopped.
const REFUSED: usize = 200;
const SENDERS: usize = 8;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_stopped_broker_gets_every_event_refused_with_503_and_none_queued() {
    let _serial = SERIAL.lock().await;
    let world = World::new(RECORDS, Duration::ZERO).await;
    let store = world.store().await;
    let mut tandem = world.start_instance("a").await;
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(15))
        .build()
        .unwrap();
    wait_for_readyz(&client, &tandem, 200, Duration::from_secs(10)).await;
    let all = plan("refusing", &world.accounts, (WARM_UP + REFUSED) as u64);
    let (warm_up, refused) = all.split_at(WARM_UP);
    let url = tandem.url("/webhooks/netsuite/events");
    let send = |events: &[Planned], targets: Vec<String>| {
        let (tally, _) = Tally::new();
        let senders = Senders {
            targets,
            secrets: world.secrets(),
            pace: None,
            concurrency: SENDERS,
            deadline: Instant::now() + Duration::from_secs(20),
        };
        let events = Arc::new(events.to_vec());
        async move {
            senders.run(events, tally.clone()).await;
            tally
        }
    };
    let warmed = send(warm_up, vec![tandem.url("")]).await;
    let verdict = oracle::settle(
        &world,
        &store,
        &all,
        &warmed.accepted(),
        Instant::now() + Duration::from_secs(15),
    )
    .await;
    verdict.assert_exactly_once_in_order();

    let stopped = world.broker.stop().await;
    // Posted right away, before readiness is looked at: the publisher may not have noticed yet.
    let mut answers = Vec::new();
    for chunk in refused.chunks(SENDERS) {
        let mut posts = tokio::task::JoinSet::new();
        for event in chunk.iter().cloned() {
            let (client, url) = (client.clone(), url.clone());
            let key = SigningKey::parse(&world.secrets().netsuite).unwrap();
            posts.spawn(async move {
                let sent = Instant::now();
                let response = post(&client, &url, &key, &event)
                    .await
                    .expect("tandem answers");
                let status = response.status().as_u16();
                let retry_after = response.headers().get("retry-after").is_some();
                let body: serde_json::Value = response.json().await.unwrap_or_default();
                (event.n, status, retry_after, body, sent.elapsed())
            });
        }
        answers.extend(posts.join_all().await);
    }
    let refused_in = stopped.elapsed();
    wait_for_readyz(&client, &tandem, 503, Duration::from_secs(10)).await;
    let readiness = client.get(tandem.url("/readyz")).send().await.unwrap();
    let readiness_status = readiness.status().as_u16();
    let readiness_body: serde_json::Value = readiness.json().await.unwrap();

    // A new instance cannot reach the broker: it refuses to start instead of taking traffic.
    let starting = Instant::now();
    let mut late = Instance::start_unchecked("late", &world.write_config("late"));
    let exit = late.exited(Duration::from_secs(30)).await;
    let refused_to_start_in = starting.elapsed();
    let late_said = late
        .wait_for_log("queue.amqp_url", Duration::from_secs(5))
        .await["message"]
        .as_str()
        .unwrap_or_default()
        .to_owned();

    // Nothing may consume while we count what the broker holds once it is back.
    tandem.kill().await;
    world.broker.start().await;
    let held = broker::messages_under(&world.prefix).await;
    // Back up: the refused events, sent again, are accepted and applied once.
    let recovered = world.start_instance("b").await;
    let resent = send(refused, vec![recovered.url("")]).await;
    let mut accepted: HashSet<u64> = warmed.accepted();
    accepted.extend(resent.accepted());
    let verdict = oracle::settle(
        &world,
        &store,
        &all,
        &accepted,
        Instant::now() + Duration::from_secs(20),
    )
    .await;

    let statuses: HashSet<u16> = answers.iter().map(|a| a.1).collect();
    let slowest = answers.iter().map(|a| a.4).max().unwrap_or_default();
    let bad: Vec<_> = answers
        .iter()
        .filter(|(_, status, retry_after, body, _)| {
            *status != 503 || !retry_after || body["error"] != "queue_unavailable"
        })
        .collect();
    eprintln!(
        "[broker refusing] warm-up accepted {} | posted {REFUSED} while stopped in {refused_in:?}: \
         statuses {statuses:?}, slowest answer {slowest:?}, not a 503+Retry-After+JSON: {} | \
         readyz {readiness_status} {readiness_body} | late instance exited {exit} after \
         {refused_to_start_in:?}: {late_said} | queued while stopped {:?} | resent after recovery: accepted {}, 503 {} | total {:?}",
        warmed.accepted().len(),
        bad.len(),
        held.values().sum::<u64>(),
        resent.accepted().len(),
        resent.unavailable.load(std::sync::atomic::Ordering::SeqCst),
        world.started.elapsed(),
    );
    verdict.print("broker refusing");

    for tally in [&warmed, &resent] {
        let unexpected = tally.unexpected_answers();
        assert!(unexpected.is_empty(), "{unexpected:?}");
    }
    assert!(bad.is_empty(), "{bad:?}");
    assert_eq!(readiness_status, 503);
    assert_eq!(readiness_body["error"], "not_ready");
    assert_ne!(readiness_body["checks"]["queue"], "ok");
    assert!(!exit.success(), "an instance started without a broker");
    assert!(late_said.contains("queue.amqp_url"), "{late_said}");
    assert_eq!(
        held.values().sum::<u64>(),
        0,
        "refused events reached the broker: {held:?}"
    );
    assert_eq!(resent.accepted().len(), REFUSED);
    verdict.assert_exactly_once_in_order();
}
