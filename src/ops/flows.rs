//! What operators see and do with flows: each flow's pause state, open dead letters and the
//! last hour's outcomes, and pausing or resuming one (shared by the ops API and `tandem flows`).

use crate::domain::mapping::Flow;
use crate::store::{FlowLatency, Store, StoreError};
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

/// Why a flow could not be shown, paused or resumed.
#[derive(Debug, thiserror::Error)]
pub enum FlowError {
    #[error("no flow {0:?}; flows: {1}")]
    Unknown(String, String),
    #[error("store: {0}")]
    Store(#[from] StoreError),
}

/// One flow as the ops page shows it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct FlowStatus {
    pub flow: &'static str,
    /// The system read, and the system written.
    pub source: &'static str,
    pub target: &'static str,
    pub paused: bool,
    /// Since when, when paused.
    pub paused_at: Option<DateTime<Utc>>,
    /// Dead letters of the flow still open.
    pub open_dead_letters: u64,
    /// Events finished in the last hour, by outcome (`written`, `echo_dropped`, `ignored`…).
    pub last_hour: BTreeMap<String, u64>,
    /// Events that failed and wait for a retry (a failed attempt in the last day, neither
    /// finished nor a dead letter).
    pub retrying: u64,
    /// Milliseconds from receipt to applied, over the last hour's written events (none yet: `None`).
    pub latency_p50_ms: Option<u64>,
    pub latency_p95_ms: Option<u64>,
}

/// A flow by name, or `Unknown` listing the names.
pub fn parse(name: &str) -> Result<Flow, FlowError> {
    name.parse::<Flow>()
        .map_err(|_| FlowError::Unknown(name.to_owned(), Flow::ALL.map(Flow::as_str).join(", ")))
}

/// Every flow, in the mapping's order.
pub async fn statuses(store: &dyn Store) -> Result<Vec<FlowStatus>, FlowError> {
    let paused: HashMap<String, i64> = store.paused_flows().await?.into_iter().collect();
    let letters: HashMap<String, u64> = store
        .open_dead_letters_by_flow()
        .await?
        .into_iter()
        .collect();
    let hour_ago = Utc::now().timestamp_millis() - 3_600_000;
    let retrying: HashMap<String, u64> = store
        .flow_retrying(hour_ago - 23 * 3_600_000)
        .await?
        .into_iter()
        .collect();
    let latencies: HashMap<String, FlowLatency> = store
        .flow_latencies(hour_ago)
        .await?
        .into_iter()
        .map(|latency| (latency.flow.clone(), latency))
        .collect();
    let mut outcomes: HashMap<String, BTreeMap<String, u64>> = HashMap::new();
    for counted in store.flow_outcomes(hour_ago).await? {
        outcomes
            .entry(counted.flow)
            .or_default()
            .insert(counted.action, counted.count);
    }
    Ok(Flow::ALL
        .into_iter()
        .map(|flow| {
            let since = paused.get(flow.as_str()).copied();
            FlowStatus {
                flow: flow.as_str(),
                source: flow.source_system().as_str(),
                target: flow.target_system().as_str(),
                paused: since.is_some(),
                paused_at: since.and_then(DateTime::from_timestamp_millis),
                open_dead_letters: letters.get(flow.as_str()).copied().unwrap_or(0),
                last_hour: outcomes.remove(flow.as_str()).unwrap_or_default(),
                retrying: retrying.get(flow.as_str()).copied().unwrap_or(0),
                latency_p50_ms: latencies.get(flow.as_str()).map(|l| l.p50_ms),
                latency_p95_ms: latencies.get(flow.as_str()).map(|l| l.p95_ms),
            }
        })
        .collect())
}

/// Pauses (`true`) or resumes a flow; the flow's status afterwards.
pub async fn set_paused(
    store: &dyn Store,
    name: &str,
    paused: bool,
) -> Result<FlowStatus, FlowError> {
    let flow = parse(name)?;
    let changed = if paused {
        store.pause_flow(flow.as_str()).await?
    } else {
        store.resume_flow(flow.as_str()).await?
    };
    if changed {
        tracing::info!(%flow, paused, "flow pause state changed");
    }
    let status = statuses(store).await?;
    status
        .into_iter()
        .find(|status| status.flow == flow.as_str())
        .ok_or_else(|| FlowError::Unknown(name.to_owned(), String::new()))
}

/// The table `tandem flows` prints.
pub fn render(flows: &[FlowStatus]) -> String {
    let mut lines = vec![format!(
        "{:<38} {:<10} {:<10} {:<7} {:>8} {:>17} {:>10} {:>10}",
        "FLOW",
        "SOURCE",
        "TARGET",
        "STATE",
        "RETRYING",
        "OPEN DEAD LETTERS",
        "P50 (1H)",
        "P95 (1H)"
    )];
    for flow in flows {
        let state = if flow.paused { "paused" } else { "running" };
        lines.push(format!(
            "{:<38} {:<10} {:<10} {:<7} {:>8} {:>17} {:>10} {:>10}",
            flow.flow,
            flow.source,
            flow.target,
            state,
            flow.retrying,
            flow.open_dead_letters,
            millis(flow.latency_p50_ms),
            millis(flow.latency_p95_ms)
        ));
    }
    lines.join("\n")
}

/// A latency for the table: `850 ms`, `2.4 s`, or `-` when nothing was measured.
fn millis(latency: Option<u64>) -> String {
    match latency {
        None => "-".into(),
        Some(ms) if ms < 1000 => format!("{ms} ms"),
        Some(ms) => format!("{:.1} s", ms as f64 / 1000.0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unknown_flow_names_the_known_ones() {
        let error = parse("accounts").unwrap_err();
        assert!(error.to_string().contains("account_to_customer"), "{error}");
        assert_eq!(
            parse("customer_to_account").unwrap(),
            Flow::CustomerToAccount
        );
    }

    #[test]
    fn the_table_has_a_line_a_flow_and_reads_the_state() {
        let flows = [FlowStatus {
            flow: "account_to_customer",
            source: "salesforce",
            target: "netsuite",
            paused: true,
            paused_at: None,
            open_dead_letters: 3,
            last_hour: BTreeMap::new(),
            retrying: 0,
            latency_p50_ms: None,
            latency_p95_ms: None,
        }];
        let table = render(&flows);
        assert_eq!(table.lines().count(), 2);
        let line = table.lines().nth(1).unwrap();
        assert!(line.contains("paused"), "{table}");
        assert!(line.split_whitespace().any(|cell| cell == "3"), "{table}");
        assert!(line.trim_end().ends_with("-"), "{table}");
        assert_eq!(millis(Some(850)), "850 ms");
        assert_eq!(millis(Some(2400)), "2.4 s");
    }
}
