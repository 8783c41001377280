//! `tandem plan` as an admin runs it before go-live: the real `tandem sandbox` binary seeded
//! with duplicates, name variants, a broken link and unlinked pairs on both sides, a query page
//! size that forces paging, and the real `tandem plan` binary. Its CSV names each case, its page
//! shows them, and both request logs hold reads only.

use crate::helpers::binary_path;
use crate::sandbox_binary::{SandboxBinary, seed};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::time::Duration;

async fn customer(http: &reqwest::Client, sandbox: &SandboxBinary, fields: Value) -> String {
    let mut body = json!({ "subsidiary": { "id": "1" } });
    body.as_object_mut()
        .unwrap()
        .extend(fields.as_object().unwrap().clone());
    seed(http, &sandbox.netsuite, "customer", body).await
}

/// Rows of the CSV keyed by finding, each as `(salesforce_ids, netsuite_ids, matched_by)`.
fn findings(csv: &str) -> BTreeMap<String, Vec<(String, String, String)>> {
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let mut rows: BTreeMap<String, Vec<(String, String, String)>> = BTreeMap::new();
    for record in reader.records() {
        let record = record.unwrap();
        rows.entry(record[0].to_owned()).or_default().push((
            record[2].to_owned(),
            record[4].to_owned(),
            record[1].to_owned(),
        ));
    }
    rows
}

fn has(
    rows: &BTreeMap<String, Vec<(String, String, String)>>,
    kind: &str,
    sf: &str,
    ns: &str,
) -> bool {
    rows.get(kind)
        .is_some_and(|rows| rows.iter().any(|(s, n, _)| s == sf && n == ns))
}

#[tokio::test]
async fn plan_reports_links_duplicates_ambiguities_and_creations_and_writes_nothing() {
    let sandbox = SandboxBinary::start(&[]).await;
    let http = reqwest::Client::new();
    let sf = sandbox.salesforce.clone();
    // A name variant on each side: the same company once with a legal form.
    let piper = seed(&http, &sf, "Account", json!({ "Name": "Pied Piper, Inc." })).await;
    let piper_ns = customer(&http, &sandbox, json!({ "companyName": "PIED PIPER LLC" })).await;
    // One domain, two spellings: linked by the website and the customer's web address.
    let vandelay = seed(
        &http,
        &sf,
        "Account",
        json!({ "Name": "Vandelay Industries", "Website": "https://www.vandelay.example/" }),
    )
    .await;
    let vandelay_ns = customer(
        &http,
        &sandbox,
        json!({ "companyName": "Vandelay Imports", "url": "http://vandelay.example" }),
    )
    .await;
    // Two customers on one domain: duplicates in NetSuite, and the account is ambiguous.
    let stark = seed(
        &http,
        &sf,
        "Account",
        json!({ "Name": "Stark Industries", "Website": "stark.example" }),
    )
    .await;
    let stark_east = customer(
        &http,
        &sandbox,
        json!({ "companyName": "Stark East", "email": "ap@stark.example" }),
    )
    .await;
    let stark_west = customer(
        &http,
        &sandbox,
        json!({ "companyName": "Stark West", "email": "billing@stark.example" }),
    )
    .await;
    // Two accounts with one name: duplicates in Salesforce, both wanting one customer.
    let wayne_a = seed(
        &http,
        &sf,
        "Account",
        json!({ "Name": "Wayne Enterprises" }),
    )
    .await;
    let wayne_b = seed(
        &http,
        &sf,
        "Account",
        json!({ "Name": "Wayne Enterprises Ltd" }),
    )
    .await;
    let wayne_ns = customer(
        &http,
        &sandbox,
        json!({ "companyName": "Wayne Enterprises" }),
    )
    .await;
    // Only on one side each.
    let umbrella = seed(
        &http,
        &sf,
        "Account",
        json!({ "Name": "Umbrella Corporation" }),
    )
    .await;
    let hooli_ns = customer(
        &http,
        &sandbox,
        json!({ "companyName": "Hooli", "email": "hello@gmail.com" }),
    )
    .await;
    // A customer whose external id names no account.
    let orphan_ns = customer(
        &http,
        &sandbox,
        json!({ "companyName": "Soylent", "externalId": "001000000000000AAA" }),
    )
    .await;
    // Two records per query page, so every page link is followed.
    let page = http
        .put(format!("{sf}/_sandbox/query-page-size"))
        .json(&json!({ "size": 2 }))
        .send()
        .await
        .unwrap();
    assert!(page.status().is_success());
    // Seeding through `/_sandbox` is not logged: the logs hold only what `plan` sends.
    assert!(sandbox.requests().await.is_empty());

    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("tandem.toml");
    std::fs::write(
        &config,
        crate::helpers::sandbox_config_toml(dir.path(), &sandbox.salesforce, &sandbox.netsuite),
    )
    .unwrap();
    let out = dir.path().join("report");
    let output = tokio::time::timeout(
        Duration::from_secs(60),
        tokio::process::Command::new(binary_path())
            .args(["plan", "--config"])
            .arg(&config)
            .arg("--out")
            .arg(&out)
            .env_remove("RUST_LOG")
            .current_dir(dir.path())
            .kill_on_drop(true)
            .output(),
    )
    .await
    .expect("plan finishes within 60 s")
    .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stdout}\n{stderr}");
    assert!(
        stdout.contains("Nothing was written to either system."),
        "{stdout}"
    );
    assert!(
        stderr.contains("Salesforce accounts"),
        "progress on stderr: {stderr}"
    );

    let csv = std::fs::read_to_string(out.join("plan.csv")).unwrap();
    let rows = findings(&csv);
    assert!(has(&rows, "link", &piper, &piper_ns), "{csv}");
    assert!(has(&rows, "link", &vandelay, &vandelay_ns), "{csv}");
    assert!(
        has(
            &rows,
            "ambiguous",
            &stark,
            &format!("{stark_east}; {stark_west}")
        ),
        "{csv}"
    );
    assert!(
        has(
            &rows,
            "duplicate_netsuite",
            "",
            &format!("{stark_east}; {stark_west}")
        ),
        "{csv}"
    );
    assert!(
        has(
            &rows,
            "duplicate_salesforce",
            &format!("{wayne_a}; {wayne_b}"),
            ""
        ),
        "{csv}"
    );
    assert!(
        has(
            &rows,
            "ambiguous",
            &format!("{wayne_a}; {wayne_b}"),
            &wayne_ns
        ),
        "{csv}"
    );
    assert!(has(&rows, "create_in_netsuite", &umbrella, ""), "{csv}");
    assert!(
        has(&rows, "create_in_salesforce", "", &hooli_ns),
        "a free-mail domain matches nothing: {csv}"
    );
    assert!(has(&rows, "broken_link", "", &orphan_ns), "{csv}");
    // The sandbox's own seeded pairs are linked by their stored ids.
    assert!(
        rows.get("linked").is_some_and(|linked| !linked.is_empty()),
        "{csv}"
    );
    for (kind, matched_by) in [("link", &piper), ("link", &vandelay)] {
        let how = rows[kind].iter().find(|(s, _, _)| s == matched_by).unwrap();
        let expected = if matched_by == &piper {
            "company name"
        } else {
            "domain"
        };
        assert_eq!(how.2, expected);
    }
    // What the link would change, both ways: the name Salesforce owns goes to NetSuite.
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let vandelay_changes = reader
        .records()
        .map(Result::unwrap)
        .find(|row| &row[0] == "link" && row[2] == vandelay)
        .map(|row| row[7].to_owned())
        .unwrap();
    assert!(
        vandelay_changes
            .contains("NetSuite companyname: \"Vandelay Imports\" → \"Vandelay Industries\""),
        "{vandelay_changes}"
    );
    let summary_link = rows["link"].len();
    assert!(
        stdout.contains(&format!("{summary_link:>6}  would be linked")),
        "the summary counts what the CSV lists: {stdout}"
    );

    let html = std::fs::read_to_string(out.join("plan.html")).unwrap();
    for text in [
        "Pied Piper, Inc.",
        "PIED PIPER LLC",
        "Stark East",
        "would be created in NetSuite",
    ] {
        assert!(html.contains(text), "{text} in the page");
    }
    assert!(
        !html.contains("<script"),
        "the page is self-contained and static"
    );

    let requests = sandbox.requests().await;
    crate::sandbox_binary::assert_read_only(&requests, "plan");
    assert_paged(&requests);
}

/// The Account query went past its first page.
fn assert_paged(requests: &[String]) {
    let pages = requests
        .iter()
        .filter(|r| r.starts_with("GET ") && r.contains("/query/") && !r.contains("?q="))
        .count();
    assert!(pages >= 2, "query pages followed: {requests:#?}");
}
