//! NetSuite answering 429 past `alerts.netsuite_throttles` is reported as a problem, while
//! the throttled event still syncs.

use super::*;

#[tokio::test]
async fn netsuite_429s_past_the_threshold_are_reported_and_the_event_still_syncs() {
    let channels = Channels::start(Mode::Accept, Mode::Accept).await;
    let synced = spawn_synced_with(Backend::Embedded, SandboxConfig::default(), |config| {
        channels.configure(config);
        config.alerts.netsuite_throttles = 3;
    })
    .await;
    synced
        .inject_netsuite_faults(json!({ "kind": "status", "status": 429, "count": 3 }))
        .await;
    let account = create_account(&synced, "Throttled Ltd").await;
    eventually("the account's customer", || customer_of(&synced, &account)).await;
    let digest = eventually("a digest naming NetSuite throttling", || async {
        verified_digests(&channels.webhook.accepted())
            .into_iter()
            .find(|digest| {
                digest["problems"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|line| line["kind"] == "netsuite_throttling")
            })
    })
    .await;
    assert_eq!(digest["dead_letter_total"], 0, "{digest}");
}
