//! `[reconcile]`: the scheduled comparison of linked records, and its start-up checks.

use super::{ConfigError, text};
use crate::domain::mapping::Flow;
use serde::Deserialize;
use std::time::Duration;

/// The flows reconciliation compares.
pub const RECONCILED_FLOWS: [Flow; 2] = [Flow::AccountToCustomer, Flow::CustomerToAccount];

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ReconcileConfig {
    /// Compare linked records on a schedule. Default `false`.
    pub enabled: bool,
    /// Time between runs. Default `15m`.
    #[serde(with = "humantime_serde")]
    pub interval: Duration,
    /// The flows compared, by name. Default both account flows.
    #[serde(deserialize_with = "text::name_list")]
    pub flows: Vec<String>,
    /// What a difference becomes. Default `repair`.
    pub on_difference: OnDifference,
    /// Changes younger than this are left to the events on their way. Default `2m`.
    #[serde(with = "humantime_serde")]
    pub settle_time: Duration,
    /// Each window starts this long before the previous one ended. Default `15m`.
    #[serde(with = "humantime_serde")]
    pub overlap: Duration,
    /// How far back the first run reads. Default `24h`.
    #[serde(with = "humantime_serde")]
    pub first_window: Duration,
}

/// What reconciliation does with a difference no event explains.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OnDifference {
    /// Queue a repair: the source record's owned fields written over the other side.
    Repair,
    /// Park a conflict for review; resolving it with the linked record applies the repair.
    Review,
}

impl Default for ReconcileConfig {
    fn default() -> Self {
        Self {
            enabled: false,
            interval: Duration::from_secs(15 * 60),
            flows: RECONCILED_FLOWS
                .map(|flow| flow.as_str().to_owned())
                .to_vec(),
            on_difference: OnDifference::Repair,
            settle_time: Duration::from_secs(120),
            overlap: Duration::from_secs(15 * 60),
            first_window: Duration::from_secs(24 * 3600),
        }
    }
}

impl ReconcileConfig {
    /// The configured flows (checked by `validate`).
    pub fn flows(&self) -> Vec<Flow> {
        self.flows
            .iter()
            .filter_map(|name| name.parse().ok())
            .collect()
    }

    pub(super) fn validate(&self) -> Result<(), ConfigError> {
        if self.interval.is_zero() {
            return Err(ConfigError::new(
                "reconcile.interval",
                "must be more than 0",
            ));
        }
        for name in &self.flows {
            let known = name
                .parse::<Flow>()
                .is_ok_and(|flow| RECONCILED_FLOWS.contains(&flow));
            if !known {
                return Err(ConfigError::new(
                    "reconcile.flows",
                    format!(
                        "{name:?} is not reconciled; the flows are {}",
                        RECONCILED_FLOWS.map(Flow::as_str).join(", ")
                    ),
                ));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use crate::config::load_str;

    #[test]
    fn an_unknown_flow_or_a_zero_interval_is_refused_by_key() {
        let error = load_str("[reconcile]\nflows = [\"item_to_product\"]\n").unwrap_err();
        assert_eq!(error.key, "reconcile.flows");
        assert!(error.reason.contains("account_to_customer"), "{error}");
        let error = load_str("[reconcile]\ninterval = \"0s\"\n").unwrap_err();
        assert_eq!(error.key, "reconcile.interval");
        let config =
            load_str("[reconcile]\nenabled = true\nflows = \"customer_to_account\"\n").unwrap();
        assert_eq!(
            config.reconcile.flows(),
            vec![crate::domain::mapping::Flow::CustomerToAccount]
        );
    }
}
