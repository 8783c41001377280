//! The outage scenario, at any length: NetSuite answers 503 to every call while accounts and
//! contacts are created in Salesforce at a steady rate, each reaching tandem as the org's
//! Outbound Message; the retry schedule outlasts the outage, so nothing is dead-lettered. With
//! a digest interval longer than the outage, each channel gets exactly one digest from the
//! start of the outage until every record has reached NetSuite, naming the flow that stalled
//! first; and one more an interval after the first, in which both held-up flows have been
//! named stalled and are reported writing again.
//! CI runs it for 20 seconds (`outage.rs`), the soak for five minutes (`outage_soak.rs`).

use super::wired::{Timings, Wired, within};
use super::*;

/// The flows whose events the outage holds up.
const AFFECTED: [&str; 2] = ["account_to_customer", "contact_to_contact"];

pub struct Scenario {
    /// How long NetSuite answers 503.
    pub outage: Duration,
    /// Records created per second during the outage; every third is a contact.
    pub per_second: u32,
    /// Longer than the outage, so that one digest per channel is the most it may send.
    pub digest_interval: Duration,
    pub stall_after: Duration,
    /// How long after the outage every record must be in NetSuite.
    pub drain_within: Duration,
}

/// What a run measured.
#[derive(Debug)]
pub struct Figures {
    pub accounts: usize,
    pub contacts: usize,
    /// Events tandem accepted during the outage (its own count).
    pub events_accepted: f64,
    /// Attempts that failed and were retried.
    pub retries: f64,
    /// Digests received per channel (webhook, Slack, e-mail) from the outage's start until
    /// every record was in NetSuite.
    pub during: [usize; 3],
    pub first_digest_after: Duration,
    pub drained_in: Duration,
    /// Digests per channel once the recovery digest arrived.
    pub total: [usize; 3],
}

impl std::fmt::Display for Figures {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} records created ({} accounts, {} contacts), {} events accepted, {} retries; \
             digests until drained (webhook, Slack, e-mail): {:?}, the first {:.1?} into the outage; \
             every record in NetSuite {:.1?} after the outage; digests in all: {:?}",
            self.accounts + self.contacts,
            self.accounts,
            self.contacts,
            self.events_accepted,
            self.retries,
            self.during,
            self.first_digest_after,
            self.drained_in,
            self.total,
        )
    }
}

/// Delays that outlast `outage` by about a quarter: two short ones, then a tenth of the outage
/// twelve times (14 delays; `queue.max_deliveries` is 20).
fn retry_schedule(outage: Duration) -> Vec<Duration> {
    let step = outage / 10;
    let mut schedule = vec![step / 4, step / 2];
    schedule.extend(std::iter::repeat_n(step, 12));
    schedule
}

fn counts(wired: &Wired) -> [usize; 3] {
    [
        wired.webhook_digests().len(),
        wired.channels.slack.accepted().len(),
        wired.channels.smtp.mails().len(),
    ]
}

fn lines_of<'a>(digest: &'a Value, list: &str) -> Vec<&'a Value> {
    digest[list].as_array().unwrap().iter().collect()
}

pub async fn run(scenario: Scenario) -> Figures {
    assert!(scenario.digest_interval > scenario.outage);
    let wired = Wired::start(&Timings {
        digest_interval: scenario.digest_interval,
        stall_after: scenario.stall_after,
        retry_schedule: retry_schedule(scenario.outage),
    })
    .await;
    let netsuite = wired.sandbox.netsuite_url.clone();
    // Before the outage: an account syncs, and nothing is worth a digest.
    let before = wired
        .create_in_salesforce("Account", json!({ "Name": "Before The Outage Ltd" }))
        .await;
    within(
        "the first account's customer",
        Duration::from_secs(30),
        || async {
            let customers = wired.records(&netsuite, "customer").await;
            find(&customers, "externalId", &before).map(drop)
        },
    )
    .await;
    assert_eq!(counts(&wired), [0, 0, 0], "no digest before the outage");
    let accepted_before = wired
        .counter_sum("tandem_events_received_total", &["outcome=\"accepted\""])
        .await;

    wired
        .fail(&netsuite, json!({ "kind": "status", "status": 503 }))
        .await;
    let outage_started = Instant::now();
    let (accounts, contacts) = create_records(&wired, &scenario).await;
    let mut first_digest_after = None;
    if let Some(first) = wired.channels.webhook.accepted().first() {
        first_digest_after = Some(first.at - outage_started);
    }
    let events_accepted = wired
        .counter_sum("tandem_events_received_total", &["outcome=\"accepted\""])
        .await
        - accepted_before;
    wired.heal(&netsuite).await;
    let outage_ended = Instant::now();

    for (object, record_type, ids) in [
        ("account", "customer", &accounts),
        ("contact", "contact", &contacts),
    ] {
        within(
            &format!("every {object} in NetSuite"),
            scenario.drain_within,
            || async {
                let records = wired.records(&netsuite, record_type).await;
                let there: BTreeSet<&str> = records
                    .iter()
                    .filter_map(|record| field(record, "externalId").as_str())
                    .collect();
                ids.iter()
                    .all(|id| there.contains(id.as_str()))
                    .then_some(())
            },
        )
        .await;
    }
    let drained_in = outage_ended.elapsed();
    let during = counts(&wired);
    assert_eq!(
        during,
        [1, 1, 1],
        "one digest per channel (webhook, Slack, e-mail) from the outage's start until every \
         record synced"
    );
    let outage_digest = wired.webhook_digests().remove(0);
    let first_digest_after = first_digest_after.unwrap_or_else(|| {
        panic!(
            "the first digest came after the outage ({:?})",
            scenario.outage
        )
    });
    assert_eq!(outage_digest["dead_letter_total"], 0, "{outage_digest}");
    let stalls = lines_of(&outage_digest, "problems");
    assert!(
        !stalls.is_empty(),
        "the outage digest names a stall: {outage_digest}"
    );
    for stall in &stalls {
        assert_eq!(stall["kind"], "flow_stalled", "{outage_digest}");
        assert!(
            AFFECTED.contains(&stall["flow"].as_str().unwrap()),
            "{stall}"
        );
        assert_eq!(stall["url"], format!("{OPS_URL}/ops"));
    }
    let named = stalls[0]["detail"].as_str().unwrap().to_owned();
    let slack = slack_texts(&wired.channels.slack.accepted()).remove(0);
    assert!(slack.contains(&named), "{slack}");
    let mail = mail_text(&wired.channels.smtp.mails()[0].data);
    assert!(mail.contains(" is stalled: "), "{mail}");

    // An interval after the first, one more digest per channel: both flows were named stalled
    // (the one that stalled second is raised in it), and both are reported writing again.
    let wait = scenario.digest_interval + Duration::from_secs(30);
    let recovery = within("the recovery digest", wait, || async {
        wired.webhook_digests().get(1).cloned()
    })
    .await;
    let raised: BTreeSet<&str> = stalls
        .iter()
        .copied()
        .chain(lines_of(&recovery, "problems"))
        .map(|line| line["flow"].as_str().unwrap())
        .collect();
    let recovered: BTreeSet<&str> = lines_of(&recovery, "recovered")
        .into_iter()
        .filter(|line| line["kind"] == "flow_stalled")
        .map(|line| line["flow"].as_str().unwrap())
        .collect();
    assert_eq!(
        raised,
        BTreeSet::from(AFFECTED),
        "{outage_digest}\n{recovery}"
    );
    assert_eq!(recovered, BTreeSet::from(AFFECTED), "{recovery}");
    assert_eq!(recovery["dead_letter_total"], 0, "{recovery}");
    within(
        "the recovery digest in Slack and e-mail",
        Duration::from_secs(30),
        || async {
            let [_, slack, mail] = counts(&wired);
            (slack >= 2 && mail >= 2).then_some(())
        },
    )
    .await;
    let total = counts(&wired);
    assert_eq!(total, [2, 2, 2], "no digest beyond the recovery one");
    let retries = wired
        .counter_sum("tandem_events_processed_total", &["outcome=\"retry\""])
        .await;
    let dead_letters = wired
        .counter_sum(
            "tandem_events_processed_total",
            &["outcome=\"dead_letter\""],
        )
        .await;
    assert_eq!(dead_letters, 0.0, "the retry schedule outlasts the outage");
    Figures {
        accounts: accounts.len(),
        contacts: contacts.len(),
        events_accepted,
        retries,
        during,
        first_digest_after,
        drained_in,
        total,
    }
}

/// Creates records in Salesforce at the scenario's rate for the length of the outage: every
/// third a contact of an account created earlier. Paces the load; waits for nothing.
async fn create_records(wired: &Wired, scenario: &Scenario) -> (Vec<String>, Vec<String>) {
    let started = Instant::now();
    let mut pace = tokio::time::interval(Duration::from_secs(1) / scenario.per_second);
    pace.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let (mut accounts, mut contacts) = (Vec::new(), Vec::new());
    let mut n = 0;
    while started.elapsed() < scenario.outage {
        pace.tick().await;
        if n % 3 == 2 {
            let account = &accounts[n / 3 % accounts.len()];
            let contact = wired
                .create_in_salesforce(
                    "Contact",
                    json!({
                        "FirstName": "Dana",
                        "LastName": format!("Outage{n}"),
                        "Email": format!("dana.{n}@outage{n}.example"),
                        "AccountId": account,
                    }),
                )
                .await;
            contacts.push(contact);
        } else {
            let account = wired
                .create_in_salesforce("Account", json!({ "Name": format!("Outage {n} Ltd") }))
                .await;
            accounts.push(account);
        }
        n += 1;
    }
    (accounts, contacts)
}
