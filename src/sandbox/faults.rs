//! Injected trouble: service latency, and faults (5xx, hangs, lock errors) by count or by rate.
//! Each emulator renders a fault with its own vendor's status and error body.

use serde::{Deserialize, Serialize};
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum FaultKind {
    /// Answer with this status (500, 502, 503…) and the vendor's error body.
    Status { status: u16 },
    /// Never answer: the client's timeout fires.
    Timeout,
    /// A record-lock error (Salesforce `UNABLE_TO_LOCK_ROW`; NetSuite `RCRD_LOCKED_BY_ANOTHER_USER`).
    Lock,
}

/// When to inject: the next `count` API calls, or each call with probability `rate`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct FaultPlan {
    #[serde(flatten)]
    pub kind: FaultKind,
    #[serde(default)]
    pub count: Option<u32>,
    #[serde(default)]
    pub rate: Option<f64>,
}

#[derive(Clone, Default)]
pub struct Faults {
    plan: Arc<Mutex<Option<FaultPlan>>>,
    latency: Arc<Mutex<Duration>>,
}

impl Faults {
    pub fn with_latency(latency: Duration) -> Self {
        let faults = Self::default();
        faults.set_latency(latency);
        faults
    }

    pub fn set_plan(&self, plan: Option<FaultPlan>) {
        *self.plan.lock().unwrap_or_else(|p| p.into_inner()) = plan;
    }

    pub fn set_latency(&self, latency: Duration) {
        *self.latency.lock().unwrap_or_else(|p| p.into_inner()) = latency;
    }

    pub fn latency(&self) -> Duration {
        *self.latency.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The fault for this call, if any; a counted plan is used up and then removed.
    pub fn next(&self) -> Option<FaultKind> {
        let mut plan = self.plan.lock().unwrap_or_else(|p| p.into_inner());
        let current = (*plan)?;
        if let Some(count) = current.count {
            if count <= 1 {
                *plan = None;
            } else if let Some(p) = plan.as_mut() {
                p.count = Some(count - 1);
            }
            return (count > 0).then_some(current.kind);
        }
        let rate = current.rate.unwrap_or(1.0);
        (rand::random::<f64>() < rate).then_some(current.kind)
    }

    /// Sleeps for the service latency, then says whether to inject a fault.
    pub async fn before_call(&self) -> Option<FaultKind> {
        let latency = self.latency();
        if !latency.is_zero() {
            tokio::time::sleep(latency).await;
        }
        let fault = self.next();
        if fault == Some(FaultKind::Timeout) {
            // Hang like an overloaded server; the client gives up first.
            tokio::time::sleep(Duration::from_secs(600)).await;
        }
        fault
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_counted_plan_fires_exactly_count_times() {
        let faults = Faults::default();
        faults.set_plan(Some(FaultPlan {
            kind: FaultKind::Status { status: 503 },
            count: Some(2),
            rate: None,
        }));
        assert_eq!(faults.next(), Some(FaultKind::Status { status: 503 }));
        assert_eq!(faults.next(), Some(FaultKind::Status { status: 503 }));
        assert_eq!(faults.next(), None);
    }

    #[test]
    fn a_rate_of_zero_never_fires_and_one_always_fires() {
        let faults = Faults::default();
        faults.set_plan(Some(FaultPlan {
            kind: FaultKind::Lock,
            count: None,
            rate: Some(0.0),
        }));
        assert!((0..100).all(|_| faults.next().is_none()));
        faults.set_plan(Some(FaultPlan {
            kind: FaultKind::Lock,
            count: None,
            rate: Some(1.0),
        }));
        assert!((0..100).all(|_| faults.next() == Some(FaultKind::Lock)));
    }

    #[test]
    fn plans_parse_from_json() {
        let plan: FaultPlan =
            serde_json::from_str(r#"{"kind":"status","status":500,"count":3}"#).unwrap();
        assert_eq!(plan.kind, FaultKind::Status { status: 500 });
        assert_eq!(plan.count, Some(3));
        let plan: FaultPlan = serde_json::from_str(r#"{"kind":"lock","rate":0.25}"#).unwrap();
        assert_eq!(plan.rate, Some(0.25));
    }
}
