//! `tandem sandbox` as users run it: the real binary prints where both APIs listen and serves them.

use crate::helpers::binary_path;
use tokio::io::AsyncBufReadExt;

#[tokio::test]
async fn tandem_sandbox_prints_both_urls_and_serves_both_apis() {
    let mut child = tokio::process::Command::new(binary_path())
        .args([
            "sandbox",
            "--salesforce-listen",
            "127.0.0.1:0",
            "--netsuite-listen",
            "127.0.0.1:0",
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = tokio::io::BufReader::new(child.stdout.take().unwrap()).lines();
    let (mut salesforce, mut netsuite) = (None, None);
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(30);
    while salesforce.is_none() || netsuite.is_none() {
        let line = tokio::time::timeout_at(deadline, lines.next_line())
            .await
            .expect("the banner within 30 s")
            .unwrap()
            .expect("the sandbox keeps running");
        let url = line.split_whitespace().nth(1).map(str::to_owned);
        if line.starts_with("Salesforce ") {
            salesforce = url;
        } else if line.starts_with("NetSuite ") {
            netsuite = url;
        }
    }
    let http = reqwest::Client::new();
    let versions = http
        .get(format!("{}/services/data/", salesforce.as_deref().unwrap()))
        .send()
        .await
        .unwrap();
    assert_eq!(versions.status(), 200);
    // Salesforce takes a trailing slash: the route is found, so the missing session is what
    // is refused (an unknown resource would be 404 whatever the session).
    let slashed = http
        .post(format!(
            "{}/services/data/v67.0/sobjects/Account/",
            salesforce.as_deref().unwrap()
        ))
        .json(&serde_json::json!({"Name": "Slash"}))
        .send()
        .await
        .unwrap();
    assert_eq!(slashed.status(), 401);
    let unsigned = http
        .get(format!(
            "{}/services/rest/record/v1/customer/101",
            netsuite.unwrap()
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(
        unsigned.status(),
        401,
        "NetSuite refuses an unsigned request"
    );
    let body: serde_json::Value = unsigned.json().await.unwrap();
    assert_eq!(body["o:errorDetails"][0]["o:errorCode"], "INVALID_LOGIN");
    child.kill().await.unwrap();
}
