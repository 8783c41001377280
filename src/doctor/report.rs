//! The checklist `tandem doctor` prints: sections of lines, each passed (`✓`), failed (`✗`, with
//! the fix under it) or a note (`·`, something tandem cannot verify), as text or as JSON.

use serde::Serialize;
use std::fmt::Write;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Pass,
    Fail,
    /// Said for information: not verifiable from here, never a failure.
    Note,
}

/// One line of the checklist.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Check {
    pub status: Status,
    pub text: String,
    /// What to do about a failure: one or two concrete lines.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fix: Vec<String>,
}

impl Check {
    pub fn pass(text: impl Into<String>) -> Self {
        Self {
            status: Status::Pass,
            text: text.into(),
            fix: Vec::new(),
        }
    }

    pub fn fail(text: impl Into<String>, fix: impl IntoIterator<Item = String>) -> Self {
        Self {
            status: Status::Fail,
            text: text.into(),
            fix: fix.into_iter().collect(),
        }
    }

    pub fn note(text: impl Into<String>) -> Self {
        Self {
            status: Status::Note,
            text: text.into(),
            fix: Vec::new(),
        }
    }
}

/// The checks about one system.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Section {
    pub name: String,
    pub checks: Vec<Check>,
}

impl Section {
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            checks: Vec::new(),
        }
    }

    pub fn push(&mut self, check: Check) {
        self.checks.push(check);
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Report {
    pub sections: Vec<Section>,
}

impl Report {
    /// No check failed.
    pub fn passed(&self) -> bool {
        self.failures() == 0
    }

    pub fn failures(&self) -> usize {
        self.sections
            .iter()
            .flat_map(|section| &section.checks)
            .filter(|check| check.status == Status::Fail)
            .count()
    }

    /// The checklist as people read it.
    pub fn text(&self) -> String {
        let mut out = String::new();
        for section in &self.sections {
            let _ = writeln!(out, "{}", section.name);
            for check in &section.checks {
                let mark = match check.status {
                    Status::Pass => '✓',
                    Status::Fail => '✗',
                    Status::Note => '·',
                };
                let _ = writeln!(out, "  {mark} {}", check.text);
                for line in &check.fix {
                    let _ = writeln!(out, "      → {line}");
                }
            }
            let _ = writeln!(out);
        }
        let failures = self.failures();
        let _ = match failures {
            0 => writeln!(out, "All checks passed."),
            1 => writeln!(out, "1 check failed."),
            n => writeln!(out, "{n} checks failed."),
        };
        out
    }

    /// The checklist as JSON, for scripts.
    pub fn json(&self) -> String {
        serde_json::json!({ "passed": self.passed(), "sections": self.sections }).to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failure_prints_its_fix_and_fails_the_report() {
        let mut section = Section::new("Salesforce");
        section.push(Check::pass("token accepted"));
        section.push(Check::fail(
            "Account.NetSuite_Id__c is missing",
            ["create it: Text(64), External ID, Unique".to_owned()],
        ));
        section.push(Check::note("concurrency: 10 configured"));
        let report = Report {
            sections: vec![section],
        };
        assert!(!report.passed());
        let text = report.text();
        assert!(text.contains("  ✓ token accepted\n"), "{text}");
        assert!(
            text.contains(
                "  ✗ Account.NetSuite_Id__c is missing\n      → create it: Text(64), External ID, Unique\n"
            ),
            "{text}"
        );
        assert!(text.contains("  · concurrency"), "{text}");
        assert!(text.ends_with("1 check failed.\n"), "{text}");
        let json: serde_json::Value = serde_json::from_str(&report.json()).unwrap();
        assert_eq!(json["passed"], false);
        assert_eq!(json["sections"][0]["checks"][1]["status"], "fail");
    }
}
