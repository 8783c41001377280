//! The real `tandem sandbox` binary on free ports, as users start it: the URLs its banner
//! prints, and the requests each emulator logged.

use crate::helpers::binary_path;
use serde_json::Value;
use std::time::Duration;
use tokio::io::AsyncBufReadExt;

/// A running `tandem sandbox` and the URLs its banner printed.
pub struct SandboxBinary {
    _child: tokio::process::Child,
    pub salesforce: String,
    pub netsuite: String,
    /// The Pub/Sub API's URL, when started with `--salesforce-pubsub-listen`.
    pub salesforce_pubsub: Option<String>,
}

impl SandboxBinary {
    pub async fn start(without_fields: &[&str]) -> SandboxBinary {
        let mut args = Vec::new();
        for field in without_fields {
            args.extend(["--without-field".to_owned(), (*field).to_owned()]);
        }
        Self::start_with(&args).await
    }

    /// `tandem sandbox` on free ports with these further arguments.
    pub async fn start_with(args: &[String]) -> SandboxBinary {
        let mut command = tokio::process::Command::new(binary_path());
        command.args([
            "sandbox",
            "--salesforce-listen",
            "127.0.0.1:0",
            "--netsuite-listen",
            "127.0.0.1:0",
        ]);
        command.args(args);
        let mut child = command
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        let mut lines = tokio::io::BufReader::new(child.stdout.take().unwrap()).lines();
        let (mut salesforce, mut netsuite, mut salesforce_pubsub) = (None, None, None);
        let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
        while salesforce.is_none() || netsuite.is_none() {
            let line = tokio::time::timeout_at(deadline, lines.next_line())
                .await
                .expect("the banner within 30 s")
                .unwrap()
                .expect("the sandbox keeps running");
            let url = line.split_whitespace().nth(1).map(str::to_owned);
            if let Some(url) = line.trim_start().strip_prefix("Pub/Sub API") {
                salesforce_pubsub = Some(url.trim().to_owned());
            } else if line.starts_with("Salesforce ") {
                salesforce = url;
            } else if line.starts_with("NetSuite ") {
                netsuite = url;
            }
        }
        // Keep reading: a sandbox whose stdout is closed fails its next write.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        SandboxBinary {
            _child: child,
            salesforce: salesforce.unwrap(),
            netsuite: netsuite.unwrap(),
            salesforce_pubsub,
        }
    }

    /// The requests each emulator logged, as `METHOD path`.
    pub async fn requests(&self) -> Vec<String> {
        let http = reqwest::Client::new();
        let mut all = Vec::new();
        for base in [&self.salesforce, &self.netsuite] {
            all.extend(requests_after(&http, base, None).await.0);
        }
        all
    }
}

/// The requests the emulator at `base` logged (after sequence number `after` when given, else
/// the newest 1,000), as `METHOD path`, with the last sequence number seen.
pub async fn requests_after(
    http: &reqwest::Client,
    base: &str,
    after: Option<u64>,
) -> (Vec<String>, u64) {
    let page = match after {
        Some(after) => format!("after={after}&limit=10000"),
        None => "limit=1000".to_owned(),
    };
    let log: Vec<Value> = http
        .get(format!("{base}/_sandbox/requests?{page}"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let last = log
        .iter()
        .filter_map(|entry| entry["seq"].as_u64())
        .max()
        .unwrap_or(after.unwrap_or(0));
    let lines = log
        .iter()
        .map(|entry| {
            format!(
                "{} {}",
                entry["method"].as_str().unwrap_or_default(),
                entry["path"].as_str().unwrap_or_default()
            )
        })
        .collect();
    (lines, last)
}

/// Creates a record through the emulator's `/_sandbox/records` (as a person; not logged) and
/// returns its id.
pub async fn seed(http: &reqwest::Client, base: &str, object: &str, fields: Value) -> String {
    let response = http
        .post(format!("{base}/_sandbox/records/{object}"))
        .json(&fields)
        .send()
        .await
        .unwrap();
    assert!(response.status().is_success(), "{}", response.status());
    let record: Value = response.json().await.unwrap();
    record["Id"]
        .as_str()
        .or_else(|| record["id"].as_str())
        .expect("the new record's id")
        .to_owned()
}

/// Only reads went out: GETs, the token request and SuiteQL queries.
pub fn assert_read_only(requests: &[String], who: &str) {
    assert!(!requests.is_empty());
    for request in requests {
        let request = request.split('?').next().unwrap_or_default();
        let read = request.starts_with("GET ")
            || request == "POST /services/oauth2/token"
            || request == "POST /services/rest/query/v1/suiteql";
        assert!(read, "{who} sent {request}");
    }
}
