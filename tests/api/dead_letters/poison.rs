//! A poison event: retried on `sync.retry_schedule`, dead-lettered after exactly its attempts,
//! listed by the ops API, and applied exactly once when replayed after the cause is gone.

use super::{ADMIN_TOKEN, ops};
use crate::synced::*;
use chrono::{DateTime, Utc};
use reqwest::{Method, StatusCode};
use serde_json::json;
use std::time::Duration;
use tandem::config::Secret;
use tandem::sandbox::SandboxConfig;
use tandem::store::DeadLetterStatus;

/// Two retries: three attempts in all.
const SCHEDULE: [Duration; 2] = [Duration::from_secs(1), Duration::from_secs(2)];
const NEW_PHONE: &str = "+49 30 5550 404";

/// One API call the emulated NetSuite served, from its request log.
#[derive(Debug, serde::Deserialize)]
struct Served {
    at: DateTime<Utc>,
    method: String,
    path: String,
    status: u16,
}

impl Served {
    /// The path without the query.
    fn resource(&self) -> &str {
        self.path.split('?').next().unwrap_or_default()
    }
}

/// The calls NetSuite served to the record at `resource` (a path suffix), oldest first.
async fn netsuite_calls(synced: &Synced, resource: &str) -> Vec<Served> {
    let url = format!(
        "{}/_sandbox/requests?limit=10000",
        synced.sandbox.netsuite_url
    );
    let served: Vec<Served> = synced
        .http
        .get(url)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    served
        .into_iter()
        .filter(|call| call.resource().ends_with(resource))
        .collect()
}

on_both_backends!(
    a_poison_event_is_dead_lettered_after_its_scheduled_attempts_and_one_replay_applies_it_once
);
async fn a_poison_event_is_dead_lettered_after_its_scheduled_attempts_and_one_replay_applies_it_once(
    backend: Backend,
) {
    let synced = spawn_synced_with(backend, SandboxConfig::default(), |config| {
        config.sync.retry_schedule = SCHEDULE.to_vec();
        config.server.admin_token = Some(Secret::from(ADMIN_TOKEN));
    })
    .await;
    let account_id = synced.salesforce_id("Account", "Name", "Globex GmbH").await;
    let record_key = format!("salesforce:account:{account_id}");
    // Every NetSuite call answers 503 until the fault is cleared: transient, so retried.
    synced
        .inject_netsuite_faults(json!({ "kind": "status", "status": 503 }))
        .await;
    synced
        .edit_in_salesforce("Account", &account_id, json!({ "Phone": NEW_PHONE }))
        .await;

    let letter = eventually("an open dead letter for the account", || async {
        let open = synced
            .app
            .store
            .dead_letters(Some(DeadLetterStatus::Open), 10)
            .await
            .unwrap();
        open.into_iter()
            .find(|letter| letter.event.record_key() == record_key)
    })
    .await;
    synced.settled().await;

    // Each attempt starts by looking the customer up by the account id, and stops at its 503.
    let lookup = format!("/customer/eid:{account_id}");
    let attempts = netsuite_calls(&synced, &lookup).await;
    let expected = SCHEDULE.len() + 1;
    assert_eq!(attempts.len(), expected, "attempts: {attempts:#?}");
    assert!(
        attempts.iter().all(|call| call.status == 503),
        "{attempts:#?}"
    );
    assert_eq!(letter.attempts as usize, expected, "{letter:?}");
    let gaps: Vec<Duration> = attempts
        .windows(2)
        .map(|pair| (pair[1].at - pair[0].at).to_std().unwrap())
        .collect();
    for (retry, (gap, scheduled)) in gaps.iter().zip(SCHEDULE).enumerate() {
        assert!(
            *gap >= scheduled,
            "retry {} came {gap:?} after the failure; the schedule says {scheduled:?}",
            retry + 1
        );
    }
    eprintln!(
        "{backend:?}: dead-lettered after {} attempts; gaps {gaps:?} for scheduled {SCHEDULE:?}",
        attempts.len()
    );

    // Listed by the ops API as the store holds it.
    let (status, listed) = ops(&synced.app, Method::GET, "/api/v1/dead-letters?status=open").await;
    assert_eq!(status, StatusCode::OK, "{listed}");
    let shown = listed["dead_letters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|shown| shown["id"] == letter.id)
        .unwrap_or_else(|| panic!("letter {} is not listed: {listed}", letter.id))
        .clone();
    assert_eq!(shown["status"], "open");
    assert_eq!(shown["record_key"], record_key.as_str());
    assert_eq!(shown["event_id"], letter.event.id.as_str());
    assert_eq!(shown["attempts"], expected);
    assert_eq!(shown["event"]["fields"]["Phone"], NEW_PHONE);
    assert!(
        shown.get("failures").is_none(),
        "lists leave the attempts out"
    );

    // Shown alone, with how each attempt failed.
    let one = format!("/api/v1/dead-letters/{}", letter.id);
    let (status, shown) = ops(&synced.app, Method::GET, &one).await;
    assert_eq!(status, StatusCode::OK, "{shown}");
    let failures = shown["failures"].as_array().unwrap();
    let numbers: Vec<u64> = failures
        .iter()
        .map(|f| f["attempt"].as_u64().unwrap())
        .collect();
    let wanted: Vec<u64> = (1..=expected as u64).collect();
    assert_eq!(numbers, wanted, "{shown}");
    assert!(
        failures
            .iter()
            .all(|f| f["error"].as_str().unwrap().contains("503")),
        "{shown}"
    );

    // NetSuite is back: one replay applies the change, once.
    let cleared = synced
        .http
        .delete(format!("{}/_sandbox/faults", synced.sandbox.netsuite_url))
        .send()
        .await
        .unwrap();
    assert!(cleared.status().is_success());
    let replay = format!("/api/v1/dead-letters/{}/replay", letter.id);
    let (status, replayed) = ops(&synced.app, Method::POST, &replay).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{replayed}");
    assert_eq!(replayed["status"], "replayed");
    assert_eq!(replayed["event_id"], letter.event.id.as_str());
    let customer = eventually("the new phone on the customer", || async {
        let customers = synced.netsuite_records("customer").await;
        find(&customers, "externalId", &account_id)
            .filter(|customer| field(customer, "phone") == NEW_PHONE)
            .cloned()
    })
    .await;
    synced.settled().await;
    let customer_id = field(&customer, "id").as_str().unwrap().to_owned();
    let writes: Vec<Served> = netsuite_calls(&synced, &format!("/customer/{customer_id}"))
        .await
        .into_iter()
        .filter(|call| call.method != "GET")
        .collect();
    assert_eq!(writes.len(), 1, "one write to the customer: {writes:#?}");
    let history = synced.history(&record_key).await;
    let applied = history
        .iter()
        .filter(|line| line.starts_with("written:"))
        .count();
    assert_eq!(applied, 1, "{history:#?}");

    let (status, shown) = ops(
        &synced.app,
        Method::GET,
        &format!("/api/v1/dead-letters/{}", letter.id),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(shown["status"], "replayed");
    let stored = synced.app.store.dead_letter(letter.id).await.unwrap();
    assert_eq!(stored.status, DeadLetterStatus::Replayed);
    let (status, again) = ops(&synced.app, Method::POST, &replay).await;
    assert_eq!(status, StatusCode::CONFLICT, "{again}");
    assert_eq!(again["error"], "conflict");
    assert!(
        again["message"].as_str().unwrap().contains("replayed"),
        "{again}"
    );
}
