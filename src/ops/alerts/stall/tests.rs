use super::*;

const SECOND: Duration = Duration::from_secs(1);
const STALLED: &str = "customer_to_account";
const HEALTHY: &str = "account_to_customer";

fn stalls() -> FlowStalls {
    FlowStalls::new(30 * SECOND)
}

/// A reading of these flows' (failed, written) counts.
fn reading(flows: &[(&str, u64, u64)]) -> FlowReading {
    FlowReading {
        activity: flows
            .iter()
            .map(|(flow, failed, written)| {
                (
                    (*flow).to_owned(),
                    Activity {
                        failed: *failed,
                        written: *written,
                    },
                )
            })
            .collect(),
        paused: BTreeSet::new(),
    }
}

fn stall_of(flow: &str) -> Problem {
    Problem::FlowStalled { flow: flow.into() }
}

/// Observes `reading` every 5 seconds over `seconds`; what was raised and recovered.
fn run(
    stalls: &mut FlowStalls,
    start: Instant,
    seconds: std::ops::RangeInclusive<u64>,
    reading: &FlowReading,
) -> Conditions {
    let mut news = Conditions::default();
    for second in seconds.step_by(5) {
        stalls.observe(reading, start + Duration::from_secs(second), &mut news);
    }
    news
}

#[test]
fn a_flow_that_keeps_failing_and_writes_nothing_is_stalled_after_the_threshold() {
    let start = Instant::now();
    let mut stalls = stalls();
    let failing = reading(&[(STALLED, 3, 0)]);
    assert!(run(&mut stalls, start, 0..=25, &failing).is_empty());
    let news = run(&mut stalls, start, 30..=30, &failing);
    let detail = &news.raised[&stall_of(STALLED)];
    assert!(
        detail.contains(
            "customer_to_account is stalled: 21 failed attempts and nothing written for 30s"
        ),
        "{detail}"
    );
    assert!(
        run(&mut stalls, start, 35..=60, &failing).is_empty(),
        "raised once"
    );
    assert_eq!(stalls.stalled().collect::<Vec<_>>(), [STALLED]);
}

#[test]
fn a_flow_that_fails_but_also_writes_is_not_stalled_and_only_the_stuck_flow_is_named() {
    let start = Instant::now();
    let mut stalls = stalls();
    let news = run(
        &mut stalls,
        start,
        0..=120,
        &reading(&[(STALLED, 2, 0), (HEALTHY, 5, 40)]),
    );
    let raised: Vec<&Problem> = news.raised.keys().collect();
    assert_eq!(raised, [&stall_of(STALLED)]);
}

#[test]
fn a_stalled_flow_recovers_when_it_writes_again() {
    let start = Instant::now();
    let mut stalls = stalls();
    run(&mut stalls, start, 0..=30, &reading(&[(STALLED, 1, 0)]));
    let news = run(&mut stalls, start, 35..=35, &reading(&[(STALLED, 0, 4)]));
    assert_eq!(
        news.recovered[&stall_of(STALLED)],
        "customer_to_account writes again (4 events written)"
    );
    assert!(stalls.stalled().next().is_none());
}

#[test]
fn a_stalled_flow_stays_stalled_while_its_events_wait_out_a_retry_delay() {
    let start = Instant::now();
    let mut stalls = stalls();
    run(&mut stalls, start, 0..=30, &reading(&[(STALLED, 1, 0)]));
    let quiet = run(&mut stalls, start, 35..=600, &reading(&[]));
    assert!(quiet.is_empty(), "{quiet:?}");
    assert_eq!(stalls.stalled().collect::<Vec<_>>(), [STALLED]);
}

#[test]
fn a_write_within_the_threshold_starts_the_count_again() {
    let start = Instant::now();
    let mut stalls = stalls();
    run(&mut stalls, start, 0..=25, &reading(&[(STALLED, 1, 0)]));
    run(&mut stalls, start, 30..=30, &reading(&[(STALLED, 1, 1)]));
    let news = run(&mut stalls, start, 35..=55, &reading(&[(STALLED, 1, 0)]));
    assert!(news.is_empty(), "{news:?}");
    let news = run(&mut stalls, start, 60..=65, &reading(&[(STALLED, 1, 0)]));
    assert!(news.raised.contains_key(&stall_of(STALLED)), "{news:?}");
}

#[test]
fn failures_that_stop_before_the_threshold_are_not_a_stall() {
    let start = Instant::now();
    let mut stalls = stalls();
    // One event fails twice and is dead-lettered; the flow has nothing else to do.
    run(&mut stalls, start, 0..=5, &reading(&[(STALLED, 1, 0)]));
    let news = run(&mut stalls, start, 10..=60, &reading(&[]));
    assert!(news.is_empty(), "{news:?}");
    // Much later, one failure alone is not a stall either: the count starts afresh.
    let news = run(&mut stalls, start, 300..=300, &reading(&[(STALLED, 1, 0)]));
    assert!(news.is_empty(), "{news:?}");
}

#[test]
fn a_paused_flow_is_not_stalled_and_pausing_a_stalled_flow_ends_its_stall() {
    let start = Instant::now();
    let mut stalls = stalls();
    let mut paused = reading(&[(STALLED, 2, 0)]);
    paused.paused.insert(STALLED.to_owned());
    assert!(run(&mut stalls, start, 0..=120, &paused).is_empty());

    let mut stalls = FlowStalls::new(30 * SECOND);
    run(&mut stalls, start, 0..=30, &reading(&[(STALLED, 2, 0)]));
    let news = run(&mut stalls, start, 35..=35, &paused);
    assert!(
        news.recovered[&stall_of(STALLED)].contains("is paused"),
        "{news:?}"
    );
}
