//! The soak: a five-minute NetSuite outage with events flowing, a ten-minute digest interval
//! and all three channels; one digest per channel, not hundreds, and every affected record
//! syncs after the outage ends. Not part of `cargo test`: run it with `scripts/soak-outage`.

use super::outage_scenario::{Scenario, run};
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a soak of about eleven minutes: scripts/soak-outage"]
async fn a_five_minute_outage_with_events_flowing_sends_one_digest_per_channel_and_every_record_syncs_after()
 {
    let figures = run(Scenario {
        outage: Duration::from_secs(5 * 60),
        per_second: 3,
        digest_interval: Duration::from_secs(10 * 60),
        stall_after: Duration::from_secs(60),
        drain_within: Duration::from_secs(5 * 60),
    })
    .await;
    println!("five-minute outage: {figures}");
}
