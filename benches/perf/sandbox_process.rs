//! `tandem sandbox` as a child process on free ports (no latency, no echoes), and what the
//! benchmarks ask of it: customers created as a person would, the Salesforce accounts, the log
//! of requests it served.

use serde_json::{Value, json};
use std::process::Stdio;
use std::time::Duration;
use tokio::io::AsyncBufReadExt;

pub struct Sandbox {
    _child: tokio::process::Child,
    pub salesforce: String,
    pub netsuite: String,
    http: reqwest::Client,
}

/// One request the emulated Salesforce served, with its arrival time.
pub struct Served {
    pub path: String,
    pub method: String,
    /// Unix time, microseconds: when the request arrived (its logged end less its duration).
    pub arrived_us: i64,
}

impl Sandbox {
    pub async fn start() -> Sandbox {
        let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_tandem"))
            .args([
                "sandbox",
                "--salesforce-listen",
                "127.0.0.1:0",
                "--netsuite-listen",
                "127.0.0.1:0",
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("tandem sandbox starts");
        let mut lines = tokio::io::BufReader::new(child.stdout.take().expect("stdout")).lines();
        let (mut salesforce, mut netsuite) = (None, None);
        let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
        while salesforce.is_none() || netsuite.is_none() {
            let line = tokio::time::timeout_at(deadline, lines.next_line())
                .await
                .expect("the sandbox banner within 30 s")
                .expect("the banner")
                .expect("the sandbox keeps running");
            let url = line.split_whitespace().nth(1).map(str::to_owned);
            if line.starts_with("Salesforce ") {
                salesforce = url;
            } else if line.starts_with("NetSuite ") {
                netsuite = url;
            }
        }
        // Keep reading: a sandbox whose stdout is closed fails its next write.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        Sandbox {
            _child: child,
            salesforce: salesforce.expect("Salesforce URL"),
            netsuite: netsuite.expect("NetSuite URL"),
            http: reqwest::Client::new(),
        }
    }

    pub fn urls(&self) -> crate::tandem_process::SandboxUrls {
        crate::tandem_process::SandboxUrls {
            salesforce: self.salesforce.clone(),
            netsuite: self.netsuite.clone(),
        }
    }

    /// Creates `count` NetSuite customers as a person would (no echo is configured), 16 at a
    /// time; returns their internal ids in order. Names are unique words, so that no Account
    /// matches them by name.
    pub async fn create_customers(&self, count: usize) -> Vec<String> {
        let url = format!("{}/_sandbox/records/customer", self.netsuite);
        let next = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let mut tasks = Vec::new();
        for _ in 0..16 {
            let (http, url, next) = (self.http.clone(), url.clone(), next.clone());
            tasks.push(tokio::spawn(async move {
                let mut made = Vec::new();
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    if i >= count {
                        return made;
                    }
                    let body = json!({ "companyName": format!("Benchco{i} Ltd"), "subsidiary": { "id": "1" } });
                    let response = http.post(&url).json(&body).send().await.expect("the sandbox answers");
                    assert!(response.status().is_success(), "create a customer: {}", response.status());
                    let record: Value = response.json().await.expect("a record");
                    made.push((i, record["id"].as_str().expect("an id").to_owned()));
                }
            }));
        }
        let mut ids = vec![String::new(); count];
        for task in tasks {
            for (i, id) in task.await.expect("a creating task") {
                ids[i] = id;
            }
        }
        ids
    }

    /// Salesforce Account ids by the NetSuite customer id they are linked to.
    pub async fn accounts_by_customer(&self) -> std::collections::HashMap<String, String> {
        let value: Value = self
            .http
            .get(format!("{}/_sandbox/records/Account", self.salesforce))
            .send()
            .await
            .expect("the sandbox answers")
            .json()
            .await
            .expect("JSON");
        let records = value
            .as_array()
            .cloned()
            .or_else(|| value["records"].as_array().cloned());
        records
            .unwrap_or_default()
            .iter()
            .filter_map(|a| {
                Some((
                    a["NetSuite_Id__c"].as_str()?.to_owned(),
                    a["Id"].as_str()?.to_owned(),
                ))
            })
            .collect()
    }

    /// The newest requests the emulated Salesforce served (at most 10,000, its log's size).
    pub async fn salesforce_requests(&self) -> Vec<Served> {
        let log: Vec<Value> = self
            .http
            .get(format!("{}/_sandbox/requests?limit=10000", self.salesforce))
            .send()
            .await
            .expect("the sandbox answers")
            .json()
            .await
            .expect("JSON");
        log.iter()
            .filter_map(|entry| {
                let ended = chrono::DateTime::parse_from_rfc3339(entry["at"].as_str()?).ok()?;
                let took_us = entry["duration_ms"].as_i64().unwrap_or(0) * 1000;
                Some(Served {
                    path: entry["path"].as_str()?.to_owned(),
                    method: entry["method"].as_str()?.to_owned(),
                    arrived_us: ended.timestamp_micros() - took_us,
                })
            })
            .collect()
    }
}
