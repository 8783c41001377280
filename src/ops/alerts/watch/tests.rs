use super::*;

const SECOND: Duration = Duration::from_secs(1);

fn watch() -> Watch {
    Watch::new(Thresholds {
        salesforce_usage_percent: 80,
        netsuite_throttles: 3,
        throttle_window: 10 * SECOND,
        stall_after: 30 * SECOND,
    })
}

fn letter(id: i64, flow: &str) -> Letter {
    Letter {
        id,
        flow: flow.into(),
        record: format!("salesforce:account:{id}"),
        error_code: "http_503".into(),
        reason: "NetSuite answered 503".into(),
    }
}

/// A healthy sample with these open letters (newest first, as the store lists them).
fn with_letters(letters: Vec<Letter>) -> Sample {
    Sample {
        open_letters: Some(letters),
        letters_complete: true,
        queue: Some(QueueDepth::default()),
        readings: Readings::default(),
        flows: None,
    }
}

#[test]
fn letters_already_there_at_start_are_not_news_but_later_ones_are() {
    let start = Instant::now();
    let mut watch = watch();
    let first = watch.observe(&with_letters(vec![letter(7, "account_to_customer")]), start);
    assert!(first.is_empty(), "{first:?}");
    let later = watch.observe(
        &with_letters(vec![
            letter(9, "account_to_customer"),
            letter(8, "account_to_customer"),
            letter(7, "account_to_customer"),
        ]),
        start + SECOND,
    );
    assert_eq!(later.dead_letter_total(), 2);
    let ids: Vec<i64> = later.examples.iter().map(|e| e.id).collect();
    assert_eq!(ids, vec![8, 9], "oldest first");
    let again = watch.observe(
        &with_letters(vec![letter(9, "account_to_customer")]),
        start + 2 * SECOND,
    );
    assert_eq!(again.dead_letter_total(), 0, "each letter is news once");
}

#[test]
fn a_flow_recovers_once_none_of_its_letters_is_open() {
    let start = Instant::now();
    let mut watch = watch();
    watch.observe(&with_letters(vec![]), start);
    watch.observe(
        &with_letters(vec![letter(1, "account_to_customer")]),
        start + SECOND,
    );
    let replayed = watch.observe(&with_letters(vec![]), start + 2 * SECOND);
    assert_eq!(
        replayed.recovered.keys().collect::<Vec<_>>(),
        vec![&Problem::DeadLetters {
            flow: "account_to_customer".into()
        }]
    );
    assert!(
        watch
            .observe(&with_letters(vec![]), start + 3 * SECOND)
            .is_empty()
    );
}

#[test]
fn a_listing_cut_at_its_limit_declares_no_flow_recovered() {
    let start = Instant::now();
    let mut watch = watch();
    watch.observe(&with_letters(vec![]), start);
    watch.observe(
        &with_letters(vec![letter(1, "account_to_customer")]),
        start + SECOND,
    );
    // Newer letters of another flow fill the listing; the first flow's may be further down.
    let mut cut = with_letters(vec![
        letter(3, "contact_to_contact"),
        letter(2, "contact_to_contact"),
    ]);
    cut.letters_complete = false;
    let news = watch.observe(&cut, start + 2 * SECOND);
    assert_eq!(news.dead_letter_total(), 2);
    assert!(news.recovered.is_empty(), "{news:?}");
}

#[test]
fn an_unavailable_store_and_queue_are_raised_once_and_recovered_once() {
    let start = Instant::now();
    let mut watch = watch();
    watch.observe(&with_letters(vec![]), start);
    let down = Sample::default();
    let raised = watch.observe(&down, start + SECOND);
    assert!(raised.raised.contains_key(&Problem::StoreUnavailable));
    assert!(raised.raised.contains_key(&Problem::QueueUnavailable));
    assert!(watch.observe(&down, start + 2 * SECOND).is_empty());
    let back = watch.observe(&with_letters(vec![]), start + 3 * SECOND);
    assert_eq!(back.recovered.len(), 2, "{back:?}");
    assert!(back.raised.is_empty());
}

#[test]
fn a_queue_that_holds_events_and_settles_none_is_stalled_until_one_is_settled() {
    let start = Instant::now();
    let mut watch = watch();
    let mut sample = with_letters(vec![]);
    sample.queue = Some(QueueDepth {
        total: 5,
        ..QueueDepth::default()
    });
    assert!(watch.observe(&sample, start).is_empty());
    assert!(watch.observe(&sample, start + 29 * SECOND).is_empty());
    let stalled = watch.observe(&sample, start + 30 * SECOND);
    assert!(
        stalled.raised.contains_key(&Problem::QueueStalled),
        "{stalled:?}"
    );
    assert!(watch.observe(&sample, start + 31 * SECOND).is_empty());
    sample.readings.events_settled = 1;
    let moving = watch.observe(&sample, start + 32 * SECOND);
    assert!(
        moving.recovered.contains_key(&Problem::QueueStalled),
        "{moving:?}"
    );
}

#[test]
fn events_waiting_out_a_retry_delay_are_not_a_stall() {
    let start = Instant::now();
    let mut watch = watch();
    let mut sample = with_letters(vec![]);
    sample.queue = Some(QueueDepth {
        total: 5,
        delayed: 5,
        ..QueueDepth::default()
    });
    watch.observe(&sample, start);
    assert!(watch.observe(&sample, start + 300 * SECOND).is_empty());
}

#[test]
fn salesforce_usage_past_the_threshold_is_raised_once_and_recovers_below_it() {
    let start = Instant::now();
    let mut watch = watch();
    let mut sample = with_letters(vec![]);
    sample.readings.salesforce_api_limit = 1000;
    sample.readings.salesforce_api_used = 799;
    assert!(watch.observe(&sample, start).is_empty());
    sample.readings.salesforce_api_used = 800;
    let high = watch.observe(&sample, start + SECOND);
    assert!(
        high.raised[&Problem::SalesforceUsage].contains("80%"),
        "{high:?}"
    );
    assert!(watch.observe(&sample, start + 2 * SECOND).is_empty());
    // A new 24-hour window.
    sample.readings.salesforce_api_used = 10;
    let low = watch.observe(&sample, start + 3 * SECOND);
    assert!(low.recovered.contains_key(&Problem::SalesforceUsage));
}

#[test]
fn netsuite_429s_past_the_threshold_in_one_window_are_throttling_until_a_quiet_window() {
    let start = Instant::now();
    let mut watch = watch();
    let mut sample = with_letters(vec![]);
    sample.readings.netsuite_throttled = 100;
    assert!(
        watch.observe(&sample, start).is_empty(),
        "429s before the first sample are old"
    );
    sample.readings.netsuite_throttled = 102;
    assert!(watch.observe(&sample, start + SECOND).is_empty());
    sample.readings.netsuite_throttled = 103;
    let throttled = watch.observe(&sample, start + 2 * SECOND);
    assert!(throttled.raised.contains_key(&Problem::NetsuiteThrottling));
    // The window ends with 3 429s: still throttling; the next window sees none.
    assert!(watch.observe(&sample, start + 10 * SECOND).is_empty());
    let quiet = watch.observe(&sample, start + 20 * SECOND);
    assert!(
        quiet.recovered.contains_key(&Problem::NetsuiteThrottling),
        "{quiet:?}"
    );
}

#[test]
fn a_flow_whose_events_fail_with_nothing_written_is_stalled_by_name() {
    use crate::ops::alerts::stall::{Activity, FlowReading};
    let start = Instant::now();
    let mut watch = watch();
    let mut sample = with_letters(vec![]);
    let mut flows = FlowReading::default();
    flows.activity.insert(
        "customer_to_account".into(),
        Activity {
            failed: 2,
            written: 0,
        },
    );
    sample.flows = Some(flows);
    assert!(watch.observe(&sample, start).is_empty());
    let stalled = watch.observe(&sample, start + 30 * SECOND);
    assert_eq!(
        stalled.raised.keys().collect::<Vec<_>>(),
        [&Problem::FlowStalled {
            flow: "customer_to_account".into()
        }]
    );
    // A sample that could not read the flows changes nothing.
    sample.flows = None;
    assert!(watch.observe(&sample, start + 35 * SECOND).is_empty());
}
