//! The fields a link would change: for each pair the plan links (or finds linked), what the
//! account flow would write over the customer (the fields Salesforce owns) and what the
//! customer flow would write over the account (the fields NetSuite owns), compared as
//! reconciliation compares them. Each customer is read whole once (REST, within NetSuite's
//! concurrency limit); what was read is kept in the report folder as it arrives, so a run that
//! was interrupted does not read those customers again, and the file goes once a run finishes.

use crate::connectors::NetsuiteClient;
use crate::connectors::netsuite::RecordId;
use crate::domain::System;
use crate::domain::mapping::{Flow, Mapping, Scope};
use crate::reconcile::differences;
use anyhow::Context;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::{BTreeMap, HashMap};
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use tokio::task::JoinSet;

/// Per (account, customer): the changes, as lines such as `NetSuite companyname: "Acme" →
/// "Acme Corp"`.
pub type Changes = BTreeMap<(String, String), Vec<String>>;

/// The customers an interrupted run already read.
pub struct ReadSoFar {
    path: PathBuf,
    customers: HashMap<String, Map<String, Value>>,
}

#[derive(Serialize, Deserialize)]
struct Line {
    id: String,
    fields: Map<String, Value>,
}

impl ReadSoFar {
    /// What an interrupted run left in `out` (nothing when the last run finished).
    pub fn open(out: &Path) -> anyhow::Result<ReadSoFar> {
        let path = out.join("customers-read.partial.jsonl");
        let mut customers = HashMap::new();
        if let Ok(file) = std::fs::File::open(&path) {
            // A line cut short by the interruption is read again.
            for line in std::io::BufReader::new(file).lines() {
                if let Ok(line) = serde_json::from_str::<Line>(&line?) {
                    customers.insert(line.id, line.fields);
                }
            }
        }
        Ok(ReadSoFar { path, customers })
    }

    /// How many customers the interrupted run had read.
    pub fn len(&self) -> usize {
        self.customers.len()
    }

    pub fn is_empty(&self) -> bool {
        self.customers.is_empty()
    }

    fn keep(&mut self, id: String, fields: Map<String, Value>) -> anyhow::Result<()> {
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.path)
            .with_context(|| format!("cannot write {}", self.path.display()))?;
        let line = serde_json::to_string(&Line {
            id: id.clone(),
            fields: fields.clone(),
        })?;
        writeln!(file, "{line}")?;
        self.customers.insert(id, fields);
        Ok(())
    }

    /// The run finished: the next one reads afresh.
    pub fn finish(self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// The changes for `pairs`, reading the customers not read yet, `parallel` at a time.
pub async fn field_changes(
    mapping: &Mapping,
    netsuite: &NetsuiteClient,
    accounts: &HashMap<String, Map<String, Value>>,
    pairs: &[(String, String)],
    read: &mut ReadSoFar,
    parallel: usize,
) -> anyhow::Result<Changes> {
    let mut wanted: Vec<String> = pairs
        .iter()
        .map(|(_, customer)| customer.clone())
        .filter(|customer| !read.customers.contains_key(customer))
        .collect();
    wanted.sort();
    wanted.dedup();
    let total = wanted.len();
    for (done, chunk) in wanted.chunks(parallel.max(1)).enumerate() {
        let mut reads = JoinSet::new();
        for id in chunk {
            let (netsuite, id) = (netsuite.clone(), id.clone());
            reads.spawn(async move {
                let fields = netsuite
                    .get("customer", &RecordId::Internal(id.clone()), None)
                    .await;
                (id, fields)
            });
        }
        while let Some(result) = reads.join_next().await {
            let (id, fields) = result?;
            let fields = fields.with_context(|| format!("cannot read customer {id}"))?;
            read.keep(id, fields)?;
        }
        eprint!(
            "\rread {}/{total} customers for their fields",
            (done * parallel.max(1) + chunk.len()).min(total)
        );
    }
    if total > 0 {
        eprintln!();
    }
    let mut changes = Changes::new();
    for (account_id, customer_id) in pairs {
        let (Some(account), Some(customer)) =
            (accounts.get(account_id), read.customers.get(customer_id))
        else {
            continue;
        };
        let lines = pair_changes(mapping, account, customer)?;
        if !lines.is_empty() {
            changes.insert((account_id.clone(), customer_id.clone()), lines);
        }
    }
    Ok(changes)
}

/// What syncing the pair both ways would change, NetSuite's side first.
pub fn pair_changes(
    mapping: &Mapping,
    account: &Map<String, Value>,
    customer: &Map<String, Value>,
) -> anyhow::Result<Vec<String>> {
    let mut lines = Vec::new();
    let directions = [
        (
            Flow::AccountToCustomer,
            System::Salesforce,
            account,
            customer,
            "NetSuite",
        ),
        (
            Flow::CustomerToAccount,
            System::Netsuite,
            customer,
            account,
            "Salesforce",
        ),
    ];
    for (flow, owner, source, target, written) in directions {
        let expected = mapping.flow(flow).map(source, Scope::OwnedBy(owner))?;
        for (field, difference) in differences(&expected, target) {
            lines.push(format!(
                "{written} {field}: {} → {}",
                shown(&difference.found),
                shown(&difference.expected)
            ));
        }
    }
    Ok(lines)
}

fn shown(value: &Value) -> String {
    match value {
        Value::Null => "empty".to_owned(),
        Value::String(text) if text.trim().is_empty() => "empty".to_owned(),
        Value::Object(reference) if reference.contains_key("id") => {
            let id = &reference["id"];
            match reference.get("refName").and_then(Value::as_str) {
                Some(name) => format!("{name} ({id})"),
                None => id.to_string(),
            }
        }
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_pair_lists_what_each_side_would_write_over_the_other() {
        let mapping = Mapping::shipped();
        let account = json!({ "Id": "001A", "Name": "Acme Corp", "Credit_Limit__c": 5000 });
        let customer = json!({ "id": "101", "companyName": "Acme", "creditLimit": 50000 });
        let lines = pair_changes(
            &mapping,
            account.as_object().unwrap(),
            customer.as_object().unwrap(),
        )
        .unwrap();
        assert!(
            lines.contains(&"NetSuite companyname: \"Acme\" → \"Acme Corp\"".to_owned()),
            "{lines:?}"
        );
        assert!(
            lines.contains(&"Salesforce Credit_Limit__c: 5000 → 50000".to_owned()),
            "{lines:?}"
        );
    }

    #[test]
    fn customers_read_before_an_interruption_are_kept_and_forgotten_once_a_run_finishes() {
        let dir = tempfile::tempdir().unwrap();
        let mut read = ReadSoFar::open(dir.path()).unwrap();
        read.keep(
            "7".into(),
            json!({ "id": "7" }).as_object().unwrap().clone(),
        )
        .unwrap();
        drop(read);
        let path = dir.path().join("customers-read.partial.jsonl");
        // A line cut short by a kill.
        let mut file = std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap();
        write!(file, "{{\"id\":\"8\",\"fie").unwrap();
        let again = ReadSoFar::open(dir.path()).unwrap();
        assert_eq!(again.len(), 1);
        again.finish();
        assert!(!path.exists());
        assert!(ReadSoFar::open(dir.path()).unwrap().is_empty());
    }
}
