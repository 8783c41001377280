//! A broker that blocks publishing (a memory alarm): ingress answers 503 `queue_busy` with
//! `Retry-After: 1` within milliseconds instead of holding requests until a time-out, nothing
//! refused is queued, and once the alarm clears the same events are accepted and applied once.

use crate::SERIAL;
use crate::broker::{self, MemoryAlarm};
use crate::instance::wait_for_readyz;
use crate::load::{Planned, Senders, Tally, plan, post};
use crate::oracle;
use crate::world::World;
use std::sync::Arc;
use std::time::Duration;
use tandem::ingress::standard_webhooks::SigningKey;
use tokio::time::Instant;

const RECORDS: usize = 20;
const WARM_UP: usize = 20;
/// Posted once tandem has seen the alarm.
const REFUSED: usize = 200;
const SENDERS: usize = 8;
/// What "at once" means for a refusal, generously for a loaded 2-core machine.
const FAST: Duration = Duration::from_millis(250);

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_memory_alarm_gets_fast_503_queue_busy_and_nothing_lost() {
    let _serial = SERIAL.lock().await;
    let world = World::new(RECORDS, Duration::ZERO).await;
    let store = world.store().await;
    let tandem = world.start_instance("a").await;
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(15))
        .build()
        .unwrap();
    wait_for_readyz(&client, &tandem, 200, Duration::from_secs(10)).await;
    let all = plan("blocked", &world.accounts, (WARM_UP + 1 + REFUSED) as u64);
    let (warm_up, rest) = all.split_at(WARM_UP);
    let (probe, refused) = rest.split_at(1);
    let send = |events: &[Planned]| {
        let (tally, _) = Tally::new();
        let senders = Senders {
            targets: vec![tandem.url("")],
            secrets: world.secrets(),
            pace: None,
            concurrency: SENDERS,
            deadline: Instant::now() + Duration::from_secs(30),
        };
        let events = Arc::new(events.to_vec());
        async move {
            senders.run(events, tally.clone()).await;
            tally
        }
    };
    let warmed = send(warm_up).await;
    assert_eq!(warmed.accepted().len(), WARM_UP);

    let alarm = MemoryAlarm::raise().await;
    let raised = Instant::now();
    let url = tandem.url("/webhooks/netsuite/events");
    let key = SigningKey::parse(&world.secrets().netsuite).unwrap();
    // The broker tells publishing connections at once; poll with one event until tandem
    // refuses it as busy (a publish sent before the notice may wait for its confirm).
    let mut first_busy = None;
    while first_busy.is_none() {
        assert!(
            raised.elapsed() < Duration::from_secs(20),
            "tandem never answered queue_busy under a memory alarm"
        );
        let response = post(&client, &url, &key, &probe[0]).await.unwrap();
        let status = response.status().as_u16();
        let body: serde_json::Value = response.json().await.unwrap_or_default();
        if status == 503 && body["error"] == "queue_busy" {
            first_busy = Some(raised.elapsed());
        } else {
            assert!(status == 503 || status == 202, "{status} {body}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    let mut answers = Vec::new();
    for chunk in refused.chunks(SENDERS) {
        let mut posts = tokio::task::JoinSet::new();
        for event in chunk {
            let (client, url, key, event) =
                (client.clone(), url.clone(), key.clone(), event.clone());
            posts.spawn(async move {
                let sent = Instant::now();
                let response = post(&client, &url, &key, &event).await.unwrap();
                let status = response.status().as_u16();
                let retry_after = response
                    .headers()
                    .get("retry-after")
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned);
                let body: serde_json::Value = response.json().await.unwrap_or_default();
                (status, retry_after, body["error"].clone(), sent.elapsed())
            });
        }
        answers.extend(posts.join_all().await);
    }
    let held = broker::messages_under(&world.prefix).await;
    alarm.clear().await;

    // The alarm is over: everything refused is sent again, accepted and applied once.
    let resent = send(&all[WARM_UP..]).await;
    let mut accepted = warmed.accepted();
    accepted.extend(resent.accepted());
    let verdict = oracle::settle(
        &world,
        &store,
        &all,
        &accepted,
        Instant::now() + Duration::from_secs(20),
    )
    .await;

    let slowest = answers.iter().map(|a| a.3).max().unwrap_or_default();
    let mut latencies: Vec<Duration> = answers.iter().map(|a| a.3).collect();
    latencies.sort();
    let p99 = latencies[latencies.len() * 99 / 100];
    let not_busy: Vec<_> = answers
        .iter()
        .filter(|(status, retry_after, error, _)| {
            *status != 503 || retry_after.as_deref() != Some("1") || error != "queue_busy"
        })
        .collect();
    eprintln!(
        "[broker blocked] first queue_busy {first_busy:?} after the alarm | {REFUSED} posted \
         under the alarm: p99 {p99:?}, slowest {slowest:?}, not 503 queue_busy + Retry-After 1: \
         {} | work queues held {:?} | resent after: accepted {} | total {:?}",
        not_busy.len(),
        held.values().sum::<u64>(),
        resent.accepted().len(),
        world.started.elapsed(),
    );
    verdict.print("broker blocked");

    assert!(not_busy.is_empty(), "{not_busy:?}");
    assert!(slowest < FAST, "a refusal took {slowest:?}");
    for tally in [&warmed, &resent] {
        let unexpected = tally.unexpected_answers();
        assert!(unexpected.is_empty(), "{unexpected:?}");
    }
    assert_eq!(resent.accepted().len(), 1 + REFUSED);
    verdict.assert_exactly_once_in_order();
}
