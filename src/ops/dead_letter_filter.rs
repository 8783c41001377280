//! The filter operators give dead letters (`?flow=…&older_than=1h`, a JSON `filter`, the
//! `tandem dlq` flags), checked and turned into the store's [`DeadLetterFilter`].

use crate::domain::mapping::Flow;
use crate::store::{DeadLetterFilter, DeadLetterStatus};
use chrono::{DateTime, Utc};
use serde::Deserialize;

/// A filter as given, every key optional; unknown keys are refused in a JSON body.
#[derive(Debug, Clone, Default, Deserialize, clap::Args)]
#[serde(deny_unknown_fields)]
pub struct FilterInput {
    /// Only letters of this flow (`account_to_customer`…).
    #[arg(long)]
    pub flow: Option<String>,
    /// Only letters with this vendor error code (`INVALID_FIELD`…).
    #[arg(long)]
    pub error_code: Option<String>,
    /// Only letters of this record: an id, or a key `source:object:id`.
    #[arg(long)]
    pub record: Option<String>,
    /// Only letters that failed longer ago than this: `90s`, `30m`, `1h`, `2d`, `1w`, or an
    /// RFC 3339 time.
    #[arg(long)]
    pub older_than: Option<String>,
    /// Only letters that failed more recently than this (same forms as `older_than`).
    #[arg(long)]
    pub newer_than: Option<String>,
    /// Only letters in this state: `open`, `replayed` or `discarded`.
    #[arg(long)]
    pub status: Option<String>,
}

/// A filter value that makes no sense; the message names the key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{key}: {why}")]
pub struct FilterError {
    pub key: &'static str,
    pub why: String,
}

fn invalid(key: &'static str, why: impl Into<String>) -> FilterError {
    FilterError {
        key,
        why: why.into(),
    }
}

impl FilterInput {
    /// Reads the filter's keys from a query string (other keys are left to the caller).
    pub fn set(&mut self, key: &str, value: String) -> bool {
        let slot = match key {
            "flow" => &mut self.flow,
            "error_code" => &mut self.error_code,
            "record" => &mut self.record,
            "older_than" => &mut self.older_than,
            "newer_than" => &mut self.newer_than,
            "status" => &mut self.status,
            _ => return false,
        };
        *slot = Some(value);
        true
    }

    /// The store's filter, times relative to `now`.
    pub fn resolve(&self, now: DateTime<Utc>) -> Result<DeadLetterFilter, FilterError> {
        let flow = match &self.flow {
            Some(name) => Some(
                name.parse::<Flow>()
                    .map_err(|_| invalid("flow", format!("one of {}", flow_names())))?
                    .as_str()
                    .to_owned(),
            ),
            None => None,
        };
        let status = match &self.status {
            Some(text) => Some(
                DeadLetterStatus::parse(text)
                    .ok_or_else(|| invalid("status", "one of open, replayed, discarded"))?,
            ),
            None => None,
        };
        let time = |key: &'static str, text: &Option<String>| {
            text.as_deref()
                .map(|text| point_in_time(text, now).map_err(|why| invalid(key, why)))
                .transpose()
        };
        Ok(DeadLetterFilter {
            flow,
            error_code: non_empty("error_code", &self.error_code)?,
            record: non_empty("record", &self.record)?,
            failed_before_ms: time("older_than", &self.older_than)?,
            failed_after_ms: time("newer_than", &self.newer_than)?,
            status,
        })
    }
}

fn flow_names() -> String {
    Flow::ALL.map(Flow::as_str).join(", ")
}

fn non_empty(key: &'static str, value: &Option<String>) -> Result<Option<String>, FilterError> {
    match value.as_deref().map(str::trim) {
        Some("") => Err(invalid(key, "must not be empty")),
        other => Ok(other.map(str::to_owned)),
    }
}

/// `now` minus a duration (`90s`, `30m`, `1h`, `2d`, `1w`), or an RFC 3339 time; in ms.
fn point_in_time(text: &str, now: DateTime<Utc>) -> Result<i64, String> {
    if let Ok(time) = DateTime::parse_from_rfc3339(text) {
        return Ok(time.timestamp_millis());
    }
    let why = || "a duration such as 90s, 30m, 1h, 2d, 1w, or an RFC 3339 time".to_owned();
    // The unit is the last character, whatever its width.
    let (split, _) = text.char_indices().last().ok_or_else(why)?;
    let (number, unit) = text.split_at(split);
    let number: i64 = number.parse().ok().filter(|n| *n >= 0).ok_or_else(why)?;
    let seconds = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        "w" => 604_800,
        _ => return Err(why()),
    };
    let millis = number
        .checked_mul(seconds * 1000)
        .filter(|ms| *ms <= now.timestamp_millis())
        .ok_or_else(why)?;
    Ok(now.timestamp_millis() - millis)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-12-03T12:00:00Z")
            .unwrap()
            .into()
    }

    #[test]
    fn durations_count_back_from_now_and_times_are_taken_as_given() {
        let input = FilterInput {
            older_than: Some("1h".into()),
            newer_than: Some("2026-12-01T00:00:00Z".into()),
            flow: Some("account_to_customer".into()),
            status: Some("open".into()),
            ..Default::default()
        };
        let filter = input.resolve(now()).unwrap();
        assert_eq!(
            filter.failed_before_ms,
            Some(now().timestamp_millis() - 3_600_000)
        );
        assert_eq!(filter.failed_after_ms, Some(1_796_083_200_000));
        assert_eq!(filter.flow.as_deref(), Some("account_to_customer"));
        assert_eq!(filter.status, Some(DeadLetterStatus::Open));
    }

    #[test]
    fn a_duration_ending_in_a_wide_character_is_refused_not_a_panic() {
        for text in ["\u{80}", "5\u{e4}", "\u{1f600}", "", "h"] {
            let refused = point_in_time(text, now()).unwrap_err();
            assert!(refused.contains("duration"), "{text:?}: {refused}");
        }
    }

    #[test]
    fn an_unknown_flow_status_or_duration_names_its_key() {
        let cases = [
            (
                FilterInput {
                    flow: Some("accounts".into()),
                    ..Default::default()
                },
                "flow",
            ),
            (
                FilterInput {
                    status: Some("closed".into()),
                    ..Default::default()
                },
                "status",
            ),
            (
                FilterInput {
                    older_than: Some("1y".into()),
                    ..Default::default()
                },
                "older_than",
            ),
            (
                FilterInput {
                    newer_than: Some("h".into()),
                    ..Default::default()
                },
                "newer_than",
            ),
            (
                FilterInput {
                    record: Some(" ".into()),
                    ..Default::default()
                },
                "record",
            ),
        ];
        for (input, key) in cases {
            assert_eq!(input.resolve(now()).unwrap_err().key, key);
        }
    }

    #[test]
    fn query_keys_of_the_filter_are_taken_and_others_left() {
        let mut input = FilterInput::default();
        assert!(input.set("error_code", "INVALID_FIELD".into()));
        assert!(!input.set("limit", "5".into()));
        assert_eq!(input.error_code.as_deref(), Some("INVALID_FIELD"));
    }
}
