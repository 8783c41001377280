//! The faults of a mixed run on a schedule: a broker restart, `kill -9` of an instance and its
//! restart where it listened, an outage of both emulated vendors, and NetSuite's concurrency
//! limit dropping. Each step starts at its offset from the run's start (sleeps that pace the
//! timeline, not synchronisation) and is recorded with when it began and when it took effect.

use crate::instance::Instance;
use crate::world::World;
use serde_json::json;
use std::time::Duration;
use tokio::time::Instant;

/// When each fault happens, as offsets from the start of the load.
#[derive(Debug, Clone)]
pub struct Schedule {
    /// The broker is stopped at `.0` and started again `.1` after it stopped.
    pub broker_down: (Duration, Duration),
    /// Instance `a` is killed at `.0` and started again `.1` later.
    pub kill: (Duration, Duration),
    /// Both vendors answer 503 to every API call from `.0`, for `.1`.
    pub outage: (Duration, Duration),
    /// At `.0`, NetSuite's concurrency limit drops to `.1`.
    pub limit_drop: (Duration, usize),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    StopBroker,
    StartBroker,
    Kill,
    Restart,
    OutageBegins,
    OutageEnds,
    LimitDrops(usize),
}

impl Step {
    fn describe(self) -> String {
        match self {
            Step::StopBroker => "broker stopped (stop_app)".into(),
            Step::StartBroker => "broker started (start_app)".into(),
            Step::Kill => "instance a killed (SIGKILL)".into(),
            Step::Restart => "instance a started again, consuming".into(),
            Step::OutageBegins => "sandbox outage begins (both vendors 503)".into(),
            Step::OutageEnds => "sandbox outage ends".into(),
            Step::LimitDrops(to) => format!("NetSuite concurrency limit drops to {to}"),
        }
    }
}

/// One step as it happened: when it was due, when it was issued, when it had taken effect.
#[derive(Debug, Clone)]
pub struct Happened {
    pub what: String,
    pub issued: Instant,
    pub done: Instant,
}

/// What the timeline did, and what the killed instance had counted before it died.
#[derive(Debug, Default)]
pub struct Record {
    pub steps: Vec<Happened>,
    /// Retries and NetSuite 429s instance `a` had counted when it was killed.
    pub killed_retries: f64,
    pub killed_throttled: f64,
}

impl Record {
    /// When the last step took effect.
    pub fn last_fault(&self) -> Option<Instant> {
        self.steps.iter().map(|step| step.done).max()
    }

    /// One line per step, as offsets from `start`, with how long after the step took effect
    /// everything accepted until then was applied (`drained_after`).
    pub fn describe(&self, start: Instant, drained_after: impl Fn(Instant) -> Duration) -> String {
        self.steps
            .iter()
            .map(|step| {
                format!(
                    "  {:>7.1} s  {} (in effect at {:.1} s; what was accepted by then was all \
                     applied {:.1} s later)",
                    step.issued.saturating_duration_since(start).as_secs_f64(),
                    step.what,
                    step.done.saturating_duration_since(start).as_secs_f64(),
                    drained_after(step.done).as_secs_f64(),
                )
            })
            .collect::<Vec<_>>()
            .join("\n")
    }
}

impl Schedule {
    fn steps(&self) -> Vec<(Duration, Step)> {
        let mut steps = vec![
            (self.broker_down.0, Step::StopBroker),
            (self.kill.0, Step::Kill),
            (self.kill.0 + self.kill.1, Step::Restart),
            (self.outage.0, Step::OutageBegins),
            (self.outage.0 + self.outage.1, Step::OutageEnds),
            (self.limit_drop.0, Step::LimitDrops(self.limit_drop.1)),
        ];
        steps.sort_by_key(|(at, _)| *at);
        steps
    }

    /// Runs every step in order; `a` is replaced by its restarted self.
    pub async fn run(
        &self,
        world: &World,
        a: &mut Instance,
        probe: &reqwest::Client,
        start: Instant,
    ) -> Record {
        let mut record = Record::default();
        let mut steps = self.steps();
        let mut index = 0;
        while index < steps.len() {
            let (at, step) = steps[index];
            index += 1;
            // Pacing the timeline, not waiting for anything.
            tokio::time::sleep_until(start + at).await;
            let issued = Instant::now();
            match step {
                Step::StopBroker => {
                    let stopped = world.broker.stop().await;
                    // Down for its time from when it stopped, whatever else is due meanwhile.
                    let back = stopped.saturating_duration_since(start) + self.broker_down.1;
                    steps.insert(index, (back, Step::StartBroker));
                    steps[index..].sort_by_key(|(at, _)| *at);
                }
                Step::StartBroker => {
                    world.broker.start().await;
                }
                Step::Kill => {
                    record.killed_retries = a
                        .metric(probe, "tandem_events_processed_total", "outcome=\"retry\"")
                        .await
                        .unwrap_or_default();
                    record.killed_throttled = a
                        .metric(probe, "tandem_netsuite_throttled_total", "")
                        .await
                        .unwrap_or_default();
                    a.kill().await;
                }
                Step::Restart => {
                    *a = world.start_instance_at("a", a.address).await;
                }
                Step::OutageBegins => {
                    let fault = json!({ "kind": "status", "status": 503 });
                    for emulator in emulators(world) {
                        let set = world
                            .http
                            .post(format!("{emulator}/_sandbox/faults"))
                            .json(&fault)
                            .send()
                            .await
                            .expect("the sandbox takes the fault plan");
                        assert!(set.status().is_success(), "{}", set.status());
                    }
                }
                Step::OutageEnds => {
                    for emulator in emulators(world) {
                        let cleared = world
                            .http
                            .delete(format!("{emulator}/_sandbox/faults"))
                            .send()
                            .await
                            .expect("the sandbox clears its faults");
                        assert!(cleared.status().is_success(), "{}", cleared.status());
                    }
                }
                Step::LimitDrops(to) => {
                    let url = format!("{}/_sandbox/concurrency", world.sandbox.netsuite_url);
                    let set = world
                        .http
                        .put(url)
                        .json(&json!({ "limit": to }))
                        .send()
                        .await
                        .expect("the sandbox takes the new limit");
                    assert!(set.status().is_success(), "{}", set.status());
                }
            }
            let done = Instant::now();
            eprintln!(
                "[timeline] {:>7.1} s  {}",
                done.saturating_duration_since(start).as_secs_f64(),
                step.describe()
            );
            record.steps.push(Happened {
                what: step.describe(),
                issued,
                done,
            });
        }
        record
    }
}

fn emulators(world: &World) -> [&str; 2] {
    [&world.sandbox.salesforce_url, &world.sandbox.netsuite_url]
}
