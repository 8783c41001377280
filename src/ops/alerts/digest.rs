//! The digest: conditions composed into one message — counts by flow and error code, the
//! first examples with links to the admin API, problems and recoveries — rendered as JSON
//! (the generic webhook) or as text (Slack mrkdwn, e-mail).

use super::conditions::{Conditions, Problem};
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::fmt::Write;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Digest {
    /// Unique per digest; the webhook's `webhook-id`.
    pub id: String,
    pub generated_at: DateTime<Utc>,
    /// New dead letters in all.
    pub dead_letter_total: u64,
    /// New dead letters by flow and error code, most first.
    pub dead_letters: Vec<FlowCount>,
    pub examples: Vec<ExampleView>,
    /// The list of open dead letters, when `alerts.ops_url` is set.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dead_letters_url: Option<String>,
    pub problems: Vec<Line>,
    pub recovered: Vec<Line>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FlowCount {
    pub flow: String,
    pub error_code: String,
    pub count: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExampleView {
    pub id: i64,
    pub flow: String,
    pub record: String,
    pub error_code: String,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Line {
    pub kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub flow: Option<String>,
    pub detail: String,
    /// Where to look: the ops dashboard for a stalled flow, when `alerts.ops_url` is set.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

impl Line {
    fn of(problem: &Problem, detail: &str, base: Option<&str>) -> Self {
        let url = match problem {
            Problem::FlowStalled { .. } => base.map(|base| format!("{base}/ops")),
            _ => None,
        };
        Line {
            kind: problem.kind(),
            flow: problem.flow().map(str::to_owned),
            detail: detail.to_owned(),
            url,
        }
    }

    /// The line as text, with its link in Slack's `<url|label>` form.
    fn text(&self) -> String {
        match &self.url {
            Some(url) => format!("{} (<{url}|ops dashboard>)", self.detail),
            None => self.detail.clone(),
        }
    }
}

impl Digest {
    /// Composes the digest of `conditions`; `ops_url` (no trailing slash needed) adds links.
    pub fn compose(
        conditions: &Conditions,
        ops_url: Option<&str>,
        id: String,
        now: DateTime<Utc>,
    ) -> Self {
        let base = ops_url.map(|url| url.trim_end_matches('/').to_owned());
        let mut dead_letters: Vec<FlowCount> = conditions
            .dead_letters
            .iter()
            .map(|((flow, error_code), count)| FlowCount {
                flow: flow.clone(),
                error_code: error_code.clone(),
                count: *count,
            })
            .collect();
        // Most first; ties keep flow and code order (the sort is stable).
        dead_letters.sort_by_key(|count| std::cmp::Reverse(count.count));
        let examples = conditions
            .examples
            .iter()
            .map(|example| ExampleView {
                id: example.id,
                flow: example.flow.clone(),
                record: example.record.clone(),
                error_code: example.error_code.clone(),
                message: example.message.clone(),
                url: base
                    .as_ref()
                    .map(|base| format!("{base}/api/v1/dead-letters/{}", example.id)),
            })
            .collect();
        Digest {
            id,
            generated_at: now,
            dead_letter_total: conditions.dead_letter_total(),
            dead_letters,
            examples,
            dead_letters_url: base
                .as_ref()
                .filter(|_| conditions.dead_letter_total() > 0)
                .map(|base| format!("{base}/api/v1/dead-letters?status=open")),
            problems: lines(&conditions.raised, base.as_deref()),
            recovered: lines(&conditions.recovered, base.as_deref()),
        }
    }

    /// A one-line summary, for an e-mail subject.
    pub fn subject(&self) -> String {
        let mut parts = Vec::new();
        if self.dead_letter_total > 0 {
            parts.push(format!("{} new dead letters", self.dead_letter_total));
        }
        if !self.problems.is_empty() {
            parts.push(format!("{} problems", self.problems.len()));
        }
        if !self.recovered.is_empty() {
            parts.push(format!("{} recovered", self.recovered.len()));
        }
        format!("tandem: {}", parts.join(", "))
    }

    /// The digest as Slack mrkdwn (also readable as plain text).
    pub fn text(&self) -> String {
        let mut text = format!("*{}*\n", self.subject());
        if self.dead_letter_total > 0 {
            text.push_str("\n*Dead letters by flow and error code*\n");
            for count in &self.dead_letters {
                let _ = writeln!(
                    text,
                    "• `{}` `{}`: {}",
                    count.flow, count.error_code, count.count
                );
            }
            text.push_str("\n*First examples*\n");
            for example in &self.examples {
                let id = match &example.url {
                    Some(url) => format!("<{url}|#{}>", example.id),
                    None => format!("#{}", example.id),
                };
                let _ = writeln!(
                    text,
                    "• {id} `{}` {} `{}`: {}",
                    example.flow, example.record, example.error_code, example.message
                );
            }
            if let Some(url) = &self.dead_letters_url {
                let _ = writeln!(text, "<{url}|Open dead letters>");
            }
        }
        if !self.problems.is_empty() {
            text.push_str("\n*Problems*\n");
            for line in &self.problems {
                let _ = writeln!(text, "• {}", line.text());
            }
        }
        if !self.recovered.is_empty() {
            text.push_str("\n*Recovered since the last digest*\n");
            for line in &self.recovered {
                let _ = writeln!(text, "• {}", line.text());
            }
        }
        text
    }
}

fn lines(problems: &std::collections::BTreeMap<Problem, String>, base: Option<&str>) -> Vec<Line> {
    problems
        .iter()
        .map(|(problem, detail)| Line::of(problem, detail, base))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::alerts::conditions::Example;

    fn outage() -> Conditions {
        let mut conditions = Conditions::default();
        for id in 1..=7 {
            conditions.dead_letter(Example::new(
                id,
                "account_to_customer",
                &format!("salesforce:account:001{id}"),
                "http_503",
                "NetSuite answered 503 Service Unavailable",
            ));
        }
        conditions.dead_letter(Example::new(
            8,
            "contact_to_contact",
            "salesforce:contact:0031",
            "invalid_field",
            "bad phone",
        ));
        conditions.raise(Problem::QueueUnavailable, "the queue does not answer");
        conditions.recover(Problem::StoreUnavailable, "the store answers again");
        conditions
    }

    fn compose(ops_url: Option<&str>) -> Digest {
        Digest::compose(&outage(), ops_url, "msg_1".into(), Utc::now())
    }

    #[test]
    fn counts_are_by_flow_and_error_code_most_first() {
        let digest = compose(None);
        assert_eq!(digest.dead_letter_total, 8);
        assert_eq!(
            digest.dead_letters,
            vec![
                FlowCount {
                    flow: "account_to_customer".into(),
                    error_code: "http_503".into(),
                    count: 7
                },
                FlowCount {
                    flow: "contact_to_contact".into(),
                    error_code: "invalid_field".into(),
                    count: 1
                },
            ]
        );
        assert_eq!(digest.examples.len(), 5);
    }

    #[test]
    fn links_appear_only_with_an_ops_url() {
        let without = compose(None);
        assert!(without.examples.iter().all(|e| e.url.is_none()));
        assert_eq!(without.dead_letters_url, None);
        assert!(!without.text().contains("://"), "{}", without.text());

        let with = compose(Some("https://tandem.acme.com/"));
        assert_eq!(
            with.examples[0].url.as_deref(),
            Some("https://tandem.acme.com/api/v1/dead-letters/1")
        );
        assert!(
            with.text()
                .contains("<https://tandem.acme.com/api/v1/dead-letters/1|#1>"),
            "{}",
            with.text()
        );
    }

    #[test]
    fn the_text_names_flows_codes_problems_and_recoveries() {
        let text = compose(None).text();
        assert!(
            text.starts_with("*tandem: 8 new dead letters, 1 problems, 1 recovered*"),
            "{text}"
        );
        assert!(
            text.contains("• `account_to_customer` `http_503`: 7"),
            "{text}"
        );
        assert!(text.contains("the queue does not answer"), "{text}");
        assert!(
            text.contains("*Recovered since the last digest*\n• the store answers again"),
            "{text}"
        );
    }

    #[test]
    fn a_stalled_flow_is_named_with_a_link_to_the_ops_dashboard() {
        let mut conditions = Conditions::default();
        conditions.raise(
            Problem::FlowStalled {
                flow: "customer_to_account".into(),
            },
            "customer_to_account is stalled",
        );
        let digest = Digest::compose(
            &conditions,
            Some("https://tandem.acme.com/"),
            "msg_2".into(),
            Utc::now(),
        );
        let json = serde_json::to_value(&digest).unwrap();
        assert_eq!(json["problems"][0]["kind"], "flow_stalled");
        assert_eq!(json["problems"][0]["flow"], "customer_to_account");
        assert_eq!(json["problems"][0]["url"], "https://tandem.acme.com/ops");
        assert!(
            digest.text().contains(
                "• customer_to_account is stalled (<https://tandem.acme.com/ops|ops dashboard>)"
            ),
            "{}",
            digest.text()
        );
        let without = Digest::compose(&conditions, None, "msg_3".into(), Utc::now());
        assert!(!without.text().contains("://"), "{}", without.text());
    }

    #[test]
    fn the_json_carries_the_structure() {
        let json = serde_json::to_value(compose(None)).unwrap();
        assert_eq!(json["dead_letters"][0]["count"], 7);
        assert_eq!(json["problems"][0]["kind"], "queue_unavailable");
        assert_eq!(json["recovered"][0]["kind"], "store_unavailable");
        assert!(json.get("dead_letters_url").is_none());
    }
}
