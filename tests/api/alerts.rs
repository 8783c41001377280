//! Alerts end to end: tandem wired to the sandbox sends digests to a local Slack-like sink, a
//! signed JSON webhook sink and a local SMTP server. An outage with events flowing makes at most
//! one digest per channel per interval, naming the flow and error code with counts, and a later
//! digest reports the recovery; a channel that fails or hangs delays no event and gets what it
//! missed with its next digest. A flow that keeps failing while it writes nothing is reported
//! stalled by name. The soak (`outage_soak`, ignored) runs the outage for five minutes.

mod failing_channels;
mod flow_stall;
mod outage;
mod outage_scenario;
mod outage_soak;
mod sink;
mod smtp;
mod throttling;
mod wired;

use crate::dead_letters::{ADMIN_TOKEN, ops};
use crate::synced::*;
use reqwest::Method;
use serde_json::{Value, json};
use sink::{Mode, Received, Sink};
use smtp::SmtpServer;
use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};
use tandem::config::{Secret, SmtpTls};
use tandem::ingress::standard_webhooks::{SigningKey, Verifier, WebhookHeaders};
use tandem::sandbox::SandboxConfig;
use tandem::store::DeadLetterStatus;

const INTERVAL: Duration = Duration::from_secs(1);
/// Two digests of one channel may reach the sink this much closer than the interval: each
/// send's own latency (an SMTP session, on a busy machine) differs.
const JITTER: Duration = Duration::from_millis(400);
/// Digests are composed when the limit allows; their `generated_at` (wall clock, read just
/// after the monotonic clock the limit uses) may differ from it by this much.
const CLOCKS: Duration = Duration::from_millis(20);
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

/// The webhook digests, each checked against its Standard Webhooks signature as of its
/// arrival (a soak reads digests older than the timestamp tolerance).
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
                .verify(headers, &request.body, request.unix_time)
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

/// Asserts that no two webhook digests were composed within one interval.
fn assert_composed_apart(digests: &[Value]) {
    let times: Vec<chrono::DateTime<chrono::Utc>> = digests
        .iter()
        .map(|digest| digest["generated_at"].as_str().unwrap().parse().unwrap())
        .collect();
    for pair in times.windows(2) {
        let gap = (pair[1] - pair[0]).to_std().expect("in order");
        assert!(
            gap + CLOCKS >= INTERVAL,
            "webhook: two digests composed {gap:?} apart, within one interval of {INTERVAL:?}"
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
