//! Alerts end to end: tandem wired to the sandbox sends digests to a local Slack-like sink, a
//! signed JSON webhook sink and a local SMTP server. An outage with events flowing makes at most
//! one digest per channel per interval, naming the flow and error code with counts, and a later
//! digest reports the recovery; a channel that fails or hangs delays no event and gets what it
//! missed with its next digest.

mod sink;
mod smtp;

use crate::dead_letters::{ADMIN_TOKEN, ops};
use crate::synced::*;
use reqwest::Method;
use serde_json::{Value, json};
use sink::{Mode, Received, Sink};
use smtp::SmtpServer;
use std::collections::BTreeSet;
use std::time::{Duration, Instant};
use tandem::config::{Secret, SmtpTls};
use tandem::ingress::standard_webhooks::{SigningKey, Verifier, WebhookHeaders};
use tandem::sandbox::SandboxConfig;
use tandem::store::DeadLetterStatus;

const INTERVAL: Duration = Duration::from_secs(1);
/// Two digests of one channel may reach the sink this much closer than the interval: each
/// send's own latency differs a little.
const JITTER: Duration = Duration::from_millis(250);
const WEBHOOK_SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const SMTP_PASSWORD: &str = "smtp-pass-93c1";
const OPS_URL: &str = "https://tandem.example.com";
const FLOW: &str = "account_to_customer";

struct Channels {
    slack: Sink,
    webhook: Sink,
    smtp: SmtpServer,
}

impl Channels {
    async fn start(slack: Mode, webhook: Mode) -> Channels {
        Channels {
            slack: Sink::start(slack).await,
            webhook: Sink::start(webhook).await,
            smtp: SmtpServer::start().await,
        }
    }

    fn configure(&self, config: &mut tandem::Config) {
        let alerts = &mut config.alerts;
        alerts.slack_webhook_url = Some(Secret::from(self.slack.url()));
        alerts.webhook_url = Some(Secret::from(self.webhook.url()));
        alerts.webhook_secret = Some(Secret::from(WEBHOOK_SECRET));
        alerts.smtp_url = Some(Secret::from(format!(
            "smtp://alerts:{SMTP_PASSWORD}@{}",
            self.smtp.address
        )));
        alerts.smtp_tls = SmtpTls::None;
        alerts.email_from = Some("tandem@example.com".into());
        alerts.email_to = vec!["integrations@example.com".into()];
        alerts.ops_url = Some(OPS_URL.into());
        alerts.digest_interval = INTERVAL;
        alerts.send_timeout = Duration::from_secs(1);
    }
}

/// The webhook digests, each checked against its Standard Webhooks signature.
fn verified_digests(received: &[Received]) -> Vec<Value> {
    let verifier = Verifier::new(vec![SigningKey::parse(WEBHOOK_SECRET).unwrap()]);
    received
        .iter()
        .map(|request| {
            let headers = WebhookHeaders {
                id: request.header("webhook-id"),
                timestamp: request.header("webhook-timestamp"),
                signature: request.header("webhook-signature"),
            };
            let id = verifier
                .verify(headers, &request.body, chrono::Utc::now().timestamp())
                .expect("the digest is signed with alerts.webhook_secret");
            let digest = request.json();
            assert_eq!(digest["id"], id, "webhook-id is the digest id");
            digest
        })
        .collect()
}

fn slack_texts(received: &[Received]) -> Vec<String> {
    received
        .iter()
        .map(|request| request.json()["text"].as_str().unwrap().to_owned())
        .collect()
}

/// A mail's body with quoted-printable soft line breaks joined.
fn mail_text(data: &str) -> String {
    data.replace("=\n", "").replace("=5F", "_")
}

/// Asserts that no two arrivals are closer than the interval (less the jitter).
fn assert_spaced(channel: &str, arrivals: &[Instant]) {
    for pair in arrivals.windows(2) {
        let gap = pair[1] - pair[0];
        assert!(
            gap + JITTER >= INTERVAL,
            "{channel}: two digests {gap:?} apart, within one interval of {INTERVAL:?}"
        );
    }
}

/// The value of a counter in the app's `/metrics`, 0 when absent.
async fn counter(synced: &Synced, series: &str) -> f64 {
    let text = synced
        .http
        .get(synced.app.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    text.lines()
        .find_map(|line| line.strip_prefix(series))
        .and_then(|value| value.trim().parse().ok())
        .unwrap_or(0.0)
}

async fn create_account(synced: &Synced, name: &str) -> String {
    let created = synced
        .create_in_salesforce("Account", json!({ "Name": name }))
        .await;
    field(&created, "Id")
        .as_str()
        .expect("a created id")
        .to_owned()
}

async fn customer_of(synced: &Synced, account_id: &str) -> Option<Value> {
    let customers = synced.netsuite_records("customer").await;
    find(&customers, "externalId", account_id).cloned()
}

#[tokio::test]
async fn an_outage_sends_one_digest_per_channel_per_interval_and_a_later_digest_reports_recovery() {
    const EVENTS: usize = 20;
    let channels = Channels::start(Mode::Accept, Mode::Accept).await;
    let synced = spawn_synced_with(Backend::Embedded, SandboxConfig::default(), |config| {
        config.sync.retry_schedule = vec![Duration::from_millis(300)];
        config.server.admin_token = Some(Secret::from(ADMIN_TOKEN));
        channels.configure(config);
    })
    .await;
    // NetSuite is down: every call answers 503, so every account's event is retried once and
    // dead-lettered.
    synced
        .inject_netsuite_faults(json!({ "kind": "status", "status": 503 }))
        .await;
    let started = Instant::now();
    // 20 accounts over about five intervals (pacing the load, not waiting for anything).
    let mut pace = tokio::time::interval(INTERVAL / 4);
    let mut accounts = Vec::new();
    for n in 0..EVENTS {
        pace.tick().await;
        accounts.push(create_account(&synced, &format!("Outage {n} Ltd")).await);
    }
    let keys: BTreeSet<String> = accounts
        .iter()
        .map(|id| format!("salesforce:account:{id}"))
        .collect();
    let letters = eventually("a dead letter for every account", || async {
        let open = synced
            .app
            .store
            .dead_letters(Some(DeadLetterStatus::Open), 1000)
            .await
            .unwrap();
        let ours: Vec<_> = open
            .into_iter()
            .filter(|letter| keys.contains(&letter.event.record_key()))
            .collect();
        (ours.len() == EVENTS).then_some(ours)
    })
    .await;
    let code = letters[0].error_code.clone().expect("an error code");
    assert!(
        letters
            .iter()
            .all(|l| l.error_code.as_deref() == Some(&code)),
        "{letters:#?}"
    );

    // Every dead letter is reported once, in digests at least an interval apart.
    let digests = eventually("webhook digests reporting every dead letter", || async {
        let digests = verified_digests(&channels.webhook.accepted());
        let reported: u64 = digests
            .iter()
            .map(|d| d["dead_letter_total"].as_u64().unwrap())
            .sum();
        (reported >= EVENTS as u64).then_some(digests)
    })
    .await;
    let outage = started.elapsed();
    let per_code: u64 = digests
        .iter()
        .flat_map(|d| d["dead_letters"].as_array().unwrap().clone())
        .filter(|count| count["flow"] == FLOW && count["error_code"] == code.as_str())
        .map(|count| count["count"].as_u64().unwrap())
        .sum();
    assert_eq!(per_code, EVENTS as u64, "{digests:#?}");
    let example = &digests[0]["examples"][0];
    assert_eq!(example["flow"], FLOW, "{example}");
    assert!(
        example["url"]
            .as_str()
            .unwrap()
            .starts_with(&format!("{OPS_URL}/api/v1/dead-letters/")),
        "{example}"
    );
    let webhook_times: Vec<Instant> = channels.webhook.accepted().iter().map(|r| r.at).collect();
    assert_spaced("webhook", &webhook_times);
    let most = (outage.as_secs_f64() / INTERVAL.as_secs_f64()).ceil() as usize + 1;
    assert!(
        digests.len() <= most && digests.len() < EVENTS,
        "{} webhook digests in {outage:?}: not one per event",
        digests.len()
    );

    let slack = eventually("a Slack digest naming the flow and code", || async {
        let texts = slack_texts(&channels.slack.accepted());
        texts
            .iter()
            .any(|text| text.contains(&format!("• `{FLOW}` `{code}`")))
            .then_some(texts)
    })
    .await;
    let slack_times: Vec<Instant> = channels.slack.accepted().iter().map(|r| r.at).collect();
    assert_spaced("slack", &slack_times);
    assert!(slack.len() < EVENTS, "{} Slack messages", slack.len());

    let mails = eventually("an e-mailed digest naming the flow", || async {
        let mails = channels.smtp.mails();
        mails
            .iter()
            .any(|mail| mail_text(&mail.data).contains(FLOW))
            .then_some(mails)
    })
    .await;
    assert_eq!(
        mails[0].auth.as_deref(),
        Some(format!("alerts:{SMTP_PASSWORD}").as_str())
    );
    assert!(
        mails[0].data.contains("Subject: tandem:"),
        "{}",
        mails[0].data
    );
    assert_eq!(mails[0].from, "<tandem@example.com>");
    assert_eq!(mails[0].to, vec!["<integrations@example.com>".to_owned()]);
    let mail_times: Vec<Instant> = mails.iter().map(|m| m.at).collect();
    assert_spaced("email", &mail_times);
    assert!(mails.len() < EVENTS, "{} mails", mails.len());
    eprintln!(
        "outage of {EVENTS} events over {outage:?}: {} webhook digests, {} Slack messages, {} mails",
        digests.len(),
        slack.len(),
        mails.len()
    );

    // NetSuite is back; the operator replays the dead letters and every account syncs.
    let cleared = synced
        .http
        .delete(format!("{}/_sandbox/faults", synced.sandbox.netsuite_url))
        .send()
        .await
        .unwrap();
    assert!(cleared.status().is_success());
    for letter in &letters {
        let path = format!("/api/v1/dead-letters/{}/replay", letter.id);
        let (status, body) = ops(&synced.app, Method::POST, &path).await;
        assert_eq!(status, reqwest::StatusCode::ACCEPTED, "{body}");
    }
    for account in &accounts {
        eventually("the account's customer in NetSuite", || {
            customer_of(&synced, account)
        })
        .await;
    }
    let recovered = eventually("a webhook digest reporting the recovery", || async {
        verified_digests(&channels.webhook.accepted())
            .into_iter()
            .find(|digest| {
                digest["recovered"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|line| line["kind"] == "dead_letters" && line["flow"] == FLOW)
            })
    })
    .await;
    assert!(
        recovered["recovered"][0]["detail"]
            .as_str()
            .unwrap()
            .contains(FLOW),
        "{recovered}"
    );
    eventually("a Slack digest reporting the recovery", || async {
        slack_texts(&channels.slack.accepted())
            .iter()
            .any(|text| text.contains("*Recovered since the last digest*") && text.contains(FLOW))
            .then_some(())
    })
    .await;
    let all_webhook: Vec<Instant> = channels.webhook.accepted().iter().map(|r| r.at).collect();
    assert_spaced("webhook", &all_webhook);
}

#[tokio::test]
async fn a_channel_that_fails_or_hangs_delays_no_event_and_its_digest_comes_with_the_next_one() {
    let channels = Channels::start(Mode::Fail, Mode::Hang).await;
    let synced = spawn_synced_with(Backend::Embedded, SandboxConfig::default(), |config| {
        config.sync.retry_schedule = vec![Duration::from_millis(100)];
        channels.configure(config);
    })
    .await;
    let failed_before = counter(&synced, "tandem_alerts_failed_total{channel=\"webhook\"}").await;
    // Both attempts of the first account's event meet a 503: one dead letter.
    synced
        .inject_netsuite_faults(json!({ "kind": "status", "status": 503, "count": 2 }))
        .await;
    let first = create_account(&synced, "Dead Letter Ltd").await;
    let letter = eventually("the first account's dead letter", || async {
        let open = synced
            .app
            .store
            .dead_letters(Some(DeadLetterStatus::Open), 100)
            .await
            .unwrap();
        open.into_iter()
            .find(|letter| letter.event.record_key() == format!("salesforce:account:{first}"))
    })
    .await;
    eventually("the digest to reach both failing sinks", || async {
        (channels.slack.attempts() >= 1 && channels.webhook.attempts() >= 1).then_some(())
    })
    .await;

    // While the webhook sink holds its request open, events are applied as usual.
    let applying = Instant::now();
    let second = create_account(&synced, "Unhindered Ltd").await;
    eventually("the second account's customer", || {
        customer_of(&synced, &second)
    })
    .await;
    let applied_in = applying.elapsed();
    assert!(
        applied_in < Duration::from_secs(5),
        "an event took {applied_in:?} while an alert channel hung"
    );

    eventually("the hung send to be counted as failed", || async {
        let failed = counter(&synced, "tandem_alerts_failed_total{channel=\"webhook\"}").await;
        (failed > failed_before).then_some(())
    })
    .await;
    eventually("the Slack 500 to be counted as failed", || async {
        (counter(&synced, "tandem_alerts_failed_total{channel=\"slack\"}").await >= 1.0)
            .then_some(())
    })
    .await;
    assert!(channels.webhook.accepted().is_empty());
    assert!(channels.slack.accepted().is_empty());

    // Both sinks answer again: the missed dead letter arrives with the next digest.
    channels.slack.set_mode(Mode::Accept);
    channels.webhook.set_mode(Mode::Accept);
    let digest = eventually("the carried-over webhook digest", || async {
        verified_digests(&channels.webhook.accepted())
            .into_iter()
            .find(|digest| {
                digest["examples"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|example| example["id"] == letter.id)
            })
    })
    .await;
    assert_eq!(digest["dead_letters"][0]["flow"], FLOW, "{digest}");
    let link = format!(
        "<{OPS_URL}/api/v1/dead-letters/{}|#{}>",
        letter.id, letter.id
    );
    eventually("the carried-over Slack digest", || async {
        slack_texts(&channels.slack.accepted())
            .iter()
            .any(|text| text.contains(&link))
            .then_some(())
    })
    .await;
    assert!(counter(&synced, "tandem_alerts_sent_total{channel=\"webhook\"}").await >= 1.0);
    eprintln!("an event applied in {applied_in:?} while the webhook sink hung");
}

#[tokio::test]
async fn email_insists_on_starttls_by_default_and_sends_nothing_to_a_server_without_it() {
    let channels = Channels::start(Mode::Accept, Mode::Accept).await;
    let synced = spawn_synced_with(Backend::Embedded, SandboxConfig::default(), |config| {
        config.sync.retry_schedule = vec![Duration::from_millis(100)];
        channels.configure(config);
        // The test server offers no STARTTLS.
        config.alerts.smtp_tls = SmtpTls::Starttls;
    })
    .await;
    let failed_before = counter(&synced, "tandem_alerts_failed_total{channel=\"email\"}").await;
    synced
        .inject_netsuite_faults(json!({ "kind": "status", "status": 503, "count": 2 }))
        .await;
    create_account(&synced, "Plain Text Ltd").await;
    eventually("the webhook digest of the dead letter", || async {
        (!channels.webhook.accepted().is_empty()).then_some(())
    })
    .await;
    eventually("the e-mail to be counted as failed", || async {
        let failed = counter(&synced, "tandem_alerts_failed_total{channel=\"email\"}").await;
        (failed > failed_before).then_some(())
    })
    .await;
    assert!(
        channels.smtp.mails().is_empty(),
        "no mail (and no password) went over plain text"
    );
}
