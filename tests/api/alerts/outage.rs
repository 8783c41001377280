//! An outage with events flowing: one digest per channel per interval, naming the flow and
//! error code with counts; after the replay every record syncs and a digest reports recovery.
//! And the outage scenario of the soak (`outage_scenario.rs`) at 20 seconds: retries outlast
//! the outage, one digest per channel names the stalled flow, every record syncs after it.

use super::*;

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
    assert_composed_apart(&digests);
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
    assert_composed_apart(&verified_digests(&channels.webhook.accepted()));
}

/// The soak's scenario (`outage_soak.rs`) scaled down to a 20-second outage.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_twenty_second_outage_with_events_flowing_sends_one_digest_per_channel_and_every_record_syncs_after()
 {
    let figures = super::outage_scenario::run(super::outage_scenario::Scenario {
        outage: Duration::from_secs(20),
        per_second: 4,
        digest_interval: Duration::from_secs(25),
        stall_after: Duration::from_secs(2),
        drain_within: Duration::from_secs(60),
    })
    .await;
    eprintln!("20-second outage: {figures}");
}
