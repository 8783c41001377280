//! Every 2xx means durable: answered events survive `kill -9` of the real binary and a restart.
//! Shutdown by SIGTERM finishes the request in flight.

use crate::helpers::*;
use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tandem::queue::Queue;
use tandem::queue::embedded::{EmbeddedQueue, EmbeddedSettings};
use tokio::sync::Notify;

fn queue_settings(dir: &std::path::Path) -> EmbeddedSettings {
    EmbeddedSettings {
        path: dir.join("queue.db"),
        shards: 64,
        visibility_timeout: Duration::from_secs(60),
        max_deliveries: 20,
        dedupe_retention: Duration::from_secs(3600),
    }
}

#[tokio::test]
async fn answered_events_survive_kill_9_and_a_restart_of_the_binary() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path());
    let mut tandem = RunningBinary::start(&config, &[]).await;
    let url = tandem.url("/webhooks/netsuite/events");
    let client = reqwest::Client::new();

    // Eight senders post as fast as they can; the process is killed once 200 were answered.
    let answered = Arc::new(Mutex::new(HashSet::new()));
    let enough = Arc::new(Notify::new());
    let senders: Vec<_> = (0..8)
        .map(|sender| {
            let (client, url, answered, enough) = (
                client.clone(),
                url.clone(),
                answered.clone(),
                enough.clone(),
            );
            tokio::spawn(async move {
                for n in 0..1000 {
                    let id = format!("msg_{sender}_{n}");
                    let body = netsuite_event(&format!("{}", n % 37), "2026-11-27T10:00:00Z");
                    match post_signed_to(&client, &url, NETSUITE_SECRET, &id, &body).await {
                        Ok(response) if response.status() == 202 => {
                            let mut answered = answered.lock().unwrap();
                            answered.insert(id);
                            if answered.len() >= 200 {
                                enough.notify_one();
                            }
                        }
                        Ok(response) => panic!("unexpected {}", response.status()),
                        // The process is gone: unanswered requests are the sender's to retry.
                        Err(_) => return,
                    }
                }
            })
        })
        .collect();
    tokio::time::timeout(Duration::from_secs(60), enough.notified())
        .await
        .expect("200 events answered within 60 s");
    tandem.child.kill().await.unwrap(); // SIGKILL: no shutdown, no flush
    for sender in senders {
        sender.await.unwrap();
    }
    let answered = answered.lock().unwrap().clone();
    println!("{} events answered 202 before kill -9", answered.len());

    // Restart the binary on the same file: a redelivery of an answered id is a duplicate.
    let mut restarted = RunningBinary::start(&config, &[]).await;
    let some_id = answered.iter().next().unwrap().clone();
    let replay = post_signed_to(
        &client,
        &restarted.url("/webhooks/netsuite/events"),
        NETSUITE_SECRET,
        &some_id,
        &netsuite_event("1", "2026-11-27T10:00:00Z"),
    )
    .await
    .unwrap();
    assert_eq!(replay.status(), 202);
    assert_eq!(
        replay.json::<serde_json::Value>().await.unwrap()["duplicates"],
        1
    );
    restarted.child.kill().await.unwrap();
    let _ = restarted.child.wait().await;

    // Every answered event is in the queue file.
    let queued = queued_webhook_ids(dir.path()).await;
    let lost: Vec<_> = answered.difference(&queued).collect();
    assert!(lost.is_empty(), "answered but lost: {lost:?}");
}

#[tokio::test]
async fn sigterm_lets_the_request_in_flight_finish_then_exits_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path());
    let mut tandem = RunningBinary::start(&config, &[("RUST_LOG", "info,tower_http=debug")]).await;

    // A body that arrives in two parts: the request is in flight until the second part is sent.
    let body = netsuite_event("77", "2026-11-27T10:00:00Z");
    let (first, second) = body.split_at(body.len() / 2);
    let (send_part, parts) = tokio::sync::mpsc::channel::<Result<Vec<u8>, std::io::Error>>(2);
    send_part.send(Ok(first.as_bytes().to_vec())).await.unwrap();
    let stream = tokio_stream::wrappers::ReceiverStream::new(parts);
    let timestamp = chrono::Utc::now().timestamp();
    let signature = tandem::ingress::standard_webhooks::SigningKey::parse(NETSUITE_SECRET)
        .unwrap()
        .sign("msg_inflight", timestamp, body.as_bytes());
    let request = reqwest::Client::new()
        .post(tandem.url("/webhooks/netsuite/events"))
        .header("content-type", "application/json")
        .header("webhook-id", "msg_inflight")
        .header("webhook-timestamp", timestamp.to_string())
        .header("webhook-signature", signature)
        .body(reqwest::Body::wrap_stream(stream))
        .send();
    let in_flight = tokio::spawn(request);
    tandem.wait_for_log("started processing request").await;

    let pid = tandem.child.id().unwrap();
    let status = std::process::Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    tandem.wait_for_log("shutting down").await;

    send_part
        .send(Ok(second.as_bytes().to_vec()))
        .await
        .unwrap();
    drop(send_part);
    let response = in_flight.await.unwrap().unwrap();
    assert_eq!(response.status(), 202, "the request in flight is answered");
    let exit = tokio::time::timeout(Duration::from_secs(30), tandem.child.wait())
        .await
        .expect("exits within the grace period")
        .unwrap();
    assert!(exit.success(), "{exit:?}");

    let queue = EmbeddedQueue::open(queue_settings(dir.path()))
        .await
        .unwrap();
    let leases = queue.receive(10, Duration::ZERO).await.unwrap();
    assert_eq!(leases.len(), 1);
    assert_eq!(leases[0].event.id, "netsuite:msg_inflight#0");
}
