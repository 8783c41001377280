use super::*;
use std::sync::atomic::AtomicUsize;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_hundred_tasks_never_exceed_the_limit() {
    let governor = Governor::new(7);
    let inside = Arc::new(AtomicUsize::new(0));
    let most_inside = Arc::new(AtomicUsize::new(0));
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..200 {
        let governor = governor.clone();
        let inside = Arc::clone(&inside);
        let most_inside = Arc::clone(&most_inside);
        tasks.spawn(async move {
            let permit = governor.acquire().await;
            let now = inside.fetch_add(1, Ordering::SeqCst) + 1;
            most_inside.fetch_max(now, Ordering::SeqCst);
            for _ in 0..5 {
                tokio::task::yield_now().await;
            }
            inside.fetch_sub(1, Ordering::SeqCst);
            drop(permit);
        });
    }
    while let Some(done) = tasks.join_next().await {
        done.unwrap();
    }
    assert!(most_inside.load(Ordering::SeqCst) <= 7);
    assert!(governor.peak_in_flight() <= 7);
    assert!(governor.peak_in_flight() >= 1);
    assert_eq!(governor.in_flight(), 0);
}

#[test]
fn a_throttle_halves_the_limit_and_successes_win_it_back_slowly() {
    let governor = Governor::new(8);
    governor.on_throttled();
    assert_eq!(governor.effective_limit(), 4);
    governor.on_throttled();
    assert_eq!(governor.effective_limit(), 2);

    governor.on_success();
    assert_eq!(governor.effective_limit(), 2, "one success is not a window");
    let mut successes = 1;
    while governor.effective_limit() < 8 {
        governor.on_success();
        successes += 1;
        assert!(successes < 100, "the limit never came back");
    }
    // Windows of 2, 3, 4, 5, 6 and 7 successes.
    assert_eq!(successes, 2 + 3 + 4 + 5 + 6 + 7);
    for _ in 0..50 {
        governor.on_success();
    }
    assert_eq!(
        governor.effective_limit(),
        8,
        "never past the configured limit"
    );
}

#[test]
fn the_limit_never_drops_below_one() {
    let governor = Governor::new(3);
    for _ in 0..10 {
        governor.on_throttled();
    }
    assert_eq!(governor.effective_limit(), 1);
    assert!(governor.try_acquire().is_some());
}

#[test]
fn a_lowered_limit_is_enforced_once_the_permits_in_use_come_back() {
    let governor = Governor::new(4);
    let held: Vec<Permit> = (0..4).map(|_| governor.try_acquire().unwrap()).collect();
    governor.on_throttled();
    assert_eq!(governor.effective_limit(), 2);
    assert!(governor.try_acquire().is_none());
    drop(held);

    let first = governor.try_acquire().unwrap();
    let second = governor.try_acquire().unwrap();
    assert!(
        governor.try_acquire().is_none(),
        "only two permits are left"
    );
    assert_eq!(governor.in_flight(), 2);
    drop((first, second));

    for _ in 0..2 {
        governor.on_success();
    }
    assert_eq!(governor.effective_limit(), 3);
    let three: Vec<Permit> = (0..3).map(|_| governor.try_acquire().unwrap()).collect();
    assert!(governor.try_acquire().is_none());
    drop(three);
}

#[test]
fn a_burst_of_429s_for_one_limit_lowers_it_once() {
    let governor = Governor::new(8);
    let permits: Vec<Permit> = (0..8).map(|_| governor.try_acquire().unwrap()).collect();
    for permit in &permits {
        permit.throttled();
    }
    assert_eq!(governor.effective_limit(), 4);
    drop(permits);

    let later = governor.try_acquire().unwrap();
    later.throttled();
    assert_eq!(
        governor.effective_limit(),
        2,
        "a request admitted after the cut counts again"
    );
}
