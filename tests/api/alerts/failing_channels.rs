//! A channel that answers 500 or never answers delays no event, is counted as failed and gets
//! what it missed with its next digest; e-mail refuses a server without STARTTLS by default.

use super::*;

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
