//! Conditions: what the watch saw since a channel's last digest — new dead letters counted by
//! flow and error code with the first few as examples, problems raised and problems recovered.
//! A channel whose send fails merges the unsent conditions back into what comes next.

use std::collections::BTreeMap;

/// Dead letters shown in full in one digest; the rest are only counted.
pub const MAX_EXAMPLES: usize = 5;
/// Characters of a dead letter's reason shown in an example.
pub const MAX_MESSAGE_CHARS: usize = 200;

/// Something wrong that is not a single dead letter; raised once, then reported recovered.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Problem {
    /// The store does not answer its check.
    StoreUnavailable,
    /// The queue does not answer its check or its depth.
    QueueUnavailable,
    /// The queue holds events and none has been settled for `alerts.stall_after`.
    QueueStalled,
    /// The Salesforce org's API usage is past `alerts.salesforce_usage_percent`.
    SalesforceUsage,
    /// NetSuite answered 429 at least `alerts.netsuite_throttles` times in one interval.
    NetsuiteThrottling,
    /// A flow has open dead letters (recovered once none is open).
    DeadLetters { flow: String },
    /// A flow's events keep failing and it has written nothing for `alerts.stall_after`
    /// (recovered once it writes again, or is paused).
    FlowStalled { flow: String },
}

impl Problem {
    /// A stable name for the JSON digest.
    pub fn kind(&self) -> &'static str {
        match self {
            Problem::StoreUnavailable => "store_unavailable",
            Problem::QueueUnavailable => "queue_unavailable",
            Problem::QueueStalled => "queue_stalled",
            Problem::SalesforceUsage => "salesforce_api_usage",
            Problem::NetsuiteThrottling => "netsuite_throttling",
            Problem::DeadLetters { .. } => "dead_letters",
            Problem::FlowStalled { .. } => "flow_stalled",
        }
    }

    /// The flow a problem is about, when it is about one.
    pub fn flow(&self) -> Option<&str> {
        match self {
            Problem::DeadLetters { flow } | Problem::FlowStalled { flow } => Some(flow),
            _ => None,
        }
    }
}

/// One dead letter as a digest shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Example {
    pub id: i64,
    pub flow: String,
    /// The record key (`salesforce:account:001…`).
    pub record: String,
    pub error_code: String,
    /// The reason, cut at [`MAX_MESSAGE_CHARS`].
    pub message: String,
}

impl Example {
    pub fn new(id: i64, flow: &str, record: &str, error_code: &str, reason: &str) -> Self {
        Self {
            id,
            flow: flow.to_owned(),
            record: record.to_owned(),
            error_code: error_code.to_owned(),
            message: truncate(reason, MAX_MESSAGE_CHARS),
        }
    }
}

/// What happened since a channel's last digest. Empty: nothing to send.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Conditions {
    /// New dead letters by (flow, error code).
    pub dead_letters: BTreeMap<(String, String), u64>,
    /// The first new dead letters, oldest first, at most [`MAX_EXAMPLES`].
    pub examples: Vec<Example>,
    /// Problems raised, each with what was seen last.
    pub raised: BTreeMap<Problem, String>,
    /// Problems that went away, each with a line saying how.
    pub recovered: BTreeMap<Problem, String>,
}

impl Conditions {
    pub fn is_empty(&self) -> bool {
        self.dead_letters.is_empty()
            && self.examples.is_empty()
            && self.raised.is_empty()
            && self.recovered.is_empty()
    }

    /// Counts one new dead letter, and keeps it as an example while there is room.
    pub fn dead_letter(&mut self, example: Example) {
        *self
            .dead_letters
            .entry((example.flow.clone(), example.error_code.clone()))
            .or_default() += 1;
        if self.examples.len() < MAX_EXAMPLES {
            self.examples.push(example);
        }
    }

    pub fn raise(&mut self, problem: Problem, detail: impl Into<String>) {
        self.raised.insert(problem, detail.into());
    }

    pub fn recover(&mut self, problem: Problem, detail: impl Into<String>) {
        self.recovered.insert(problem, detail.into());
    }

    /// Adds `newer` to what is pending: counts add up, examples fill the free places, a
    /// problem keeps its newest detail. A problem raised and recovered in the same span shows
    /// in both lists, unless the newer part raises it again (then it is not recovered); new
    /// dead letters of a flow likewise undo its recovery.
    pub fn merge(&mut self, newer: Conditions) {
        for (flow, _) in newer.dead_letters.keys() {
            self.recovered
                .remove(&Problem::DeadLetters { flow: flow.clone() });
        }
        for (key, count) in newer.dead_letters {
            *self.dead_letters.entry(key).or_default() += count;
        }
        for example in newer.examples {
            if self.examples.len() >= MAX_EXAMPLES {
                break;
            }
            self.examples.push(example);
        }
        for (problem, detail) in newer.raised {
            self.recovered.remove(&problem);
            self.raised.insert(problem, detail);
        }
        self.recovered.extend(newer.recovered);
    }

    /// Dead letters counted in all.
    pub fn dead_letter_total(&self) -> u64 {
        self.dead_letters.values().sum()
    }
}

/// `text` cut at `max` characters (not bytes), with `…` when cut.
pub fn truncate(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn letter(id: i64, flow: &str, code: &str) -> Example {
        Example::new(
            id,
            flow,
            &format!("salesforce:account:{id}"),
            code,
            "NetSuite answered 503",
        )
    }

    #[test]
    fn dead_letters_are_counted_by_flow_and_code_and_only_the_first_are_examples() {
        let mut conditions = Conditions::default();
        for id in 0..8 {
            conditions.dead_letter(letter(id, "account_to_customer", "http_503"));
        }
        conditions.dead_letter(letter(8, "contact_to_contact", "invalid_field"));
        assert_eq!(
            conditions.dead_letters[&("account_to_customer".into(), "http_503".into())],
            8
        );
        assert_eq!(conditions.dead_letter_total(), 9);
        let ids: Vec<i64> = conditions.examples.iter().map(|e| e.id).collect();
        assert_eq!(ids, vec![0, 1, 2, 3, 4]);
    }

    #[test]
    fn merging_carries_unsent_counts_over_and_a_problem_raised_again_is_not_recovered() {
        let mut unsent = Conditions::default();
        unsent.dead_letter(letter(1, "account_to_customer", "http_503"));
        unsent.recover(Problem::StoreUnavailable, "the store answers again");
        let mut newer = Conditions::default();
        newer.dead_letter(letter(2, "account_to_customer", "http_503"));
        newer.raise(Problem::StoreUnavailable, "store check failed");
        unsent.merge(newer);
        assert_eq!(unsent.dead_letter_total(), 2);
        assert_eq!(unsent.examples.len(), 2);
        assert!(unsent.raised.contains_key(&Problem::StoreUnavailable));
        assert!(unsent.recovered.is_empty(), "{unsent:?}");
    }

    #[test]
    fn long_messages_are_cut_on_a_character_boundary() {
        let long = "é".repeat(MAX_MESSAGE_CHARS + 10);
        let example = Example::new(1, "f", "r", "c", &long);
        assert_eq!(example.message.chars().count(), MAX_MESSAGE_CHARS + 1);
        assert!(example.message.ends_with('…'));
        assert_eq!(truncate("short", 10), "short");
    }

    #[test]
    fn nothing_seen_is_empty() {
        assert!(Conditions::default().is_empty());
        let mut conditions = Conditions::default();
        conditions.recover(Problem::QueueUnavailable, "back");
        assert!(!conditions.is_empty());
    }
}
