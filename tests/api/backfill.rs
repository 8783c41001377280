//! `tandem backfill` as an admin runs it at go-live: the real sandbox seeded with accounts that
//! match existing customers, accounts with no customer, one account two customers match, and a
//! customer with no account; the real `tandem serve` applying; `tandem plan`, then
//! `tandem backfill --plan` killed with SIGKILL halfway and run again. Everything the plan lets
//! through ends linked, nothing is written twice, the ambiguous account is held back untouched,
//! and the Salesforce calls per record are printed.

use crate::helpers::{RunningBinary, binary_path, sandbox_config_toml, write_sandbox_config};
use crate::sandbox_binary::{SandboxBinary, requests_after, seed};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

const ACCOUNTS: usize = 80;
/// Every fourth account has a customer on its domain already.
fn has_customer(i: usize) -> bool {
    i.is_multiple_of(4)
}

async fn run_tandem(dir: &Path, args: &[&str]) -> std::process::Output {
    tokio::time::timeout(
        Duration::from_secs(120),
        tokio::process::Command::new(binary_path())
            .args(args)
            .env_remove("RUST_LOG")
            .current_dir(dir)
            .kill_on_drop(true)
            .output(),
    )
    .await
    .expect("finishes within 120 s")
    .unwrap()
}

/// Starts `tandem <args>` in `dir`, output discarded; killed when dropped.
fn spawn_tandem(dir: &Path, args: &[&str]) -> tokio::process::Child {
    tokio::process::Command::new(binary_path())
        .args(args)
        .env_remove("RUST_LOG")
        .current_dir(dir)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap()
}

/// Waits until the store's backfill checkpoint says records up to at least `id` are queued.
async fn wait_for_checkpoint_past(store: &str, id: &str) {
    let store = tandem::store::open(store).await.unwrap();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        let saved = store
            .checkpoint("backfill:account_to_customer:all")
            .await
            .unwrap();
        let after = saved
            .as_deref()
            .and_then(|text| serde_json::from_str::<Value>(text).ok())
            .and_then(|value| value["after"].as_str().map(str::to_owned));
        if after.is_some_and(|after| after.as_str() >= id) {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the backfill queued nothing past {id} within 60 s (checkpoint {saved:?})"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Every Account the Salesforce sandbox holds.
async fn sandbox_accounts(http: &reqwest::Client, sf: &str) -> Vec<Value> {
    http.get(format!("{sf}/_sandbox/records/Account"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

fn count_matching(requests: &[String], method: &str, needle: &str) -> usize {
    requests
        .iter()
        .filter(|r| r.starts_with(method) && r.split('?').next().unwrap_or("").ends_with(needle))
        .count()
}

#[tokio::test]
async fn backfill_links_everything_the_plan_allows_once_even_when_killed_halfway() {
    let sandbox = SandboxBinary::start(&[]).await;
    let http = reqwest::Client::new();
    let (sf, ns) = (sandbox.salesforce.clone(), sandbox.netsuite.clone());
    let mut accounts = Vec::new();
    let mut matched = BTreeMap::new();
    for i in 0..ACCOUNTS {
        let domain = format!("backfill{i:03}.example");
        let account = seed(
            &http,
            &sf,
            "Account",
            json!({ "Name": format!("Backfill Company {i:03}"), "Website": format!("https://{domain}") }),
        )
        .await;
        if has_customer(i) {
            let customer = seed(
                &http,
                &ns,
                "customer",
                json!({ "companyName": format!("Backfill Co {i:03} Ltd"), "url": format!("http://www.{domain}"), "subsidiary": { "id": "1" } }),
            )
            .await;
            matched.insert(account.clone(), customer);
        }
        accounts.push(account);
    }
    // One account, two customers on its domain: the plan holds it back.
    let ambiguous = seed(
        &http,
        &sf,
        "Account",
        json!({ "Name": "Twice Corp", "Website": "twice.example" }),
    )
    .await;
    for name in ["Twice East", "Twice West"] {
        seed(
            &http,
            &ns,
            "customer",
            json!({ "companyName": name, "email": format!("ap@twice.example"), "subsidiary": { "id": "1" } }),
        )
        .await;
    }

    let dir = tempfile::tempdir().unwrap();
    let config = write_sandbox_config(dir.path(), &sf, &ns, "");
    let config_arg = config.to_str().unwrap();
    let store_url = format!("sqlite://{}", dir.path().join("store.db").display());
    let _serve = RunningBinary::start(&config, &[]).await;

    let plan = run_tandem(
        dir.path(),
        &["plan", "--config", config_arg, "--out", "plan"],
    )
    .await;
    assert_eq!(plan.status.code(), Some(0), "{plan:?}");
    let plan_csv = dir.path().join("plan").join("plan.csv");
    let (_, sf_mark) = requests_after(&http, &sf, Some(0)).await;
    let (_, ns_mark) = requests_after(&http, &ns, Some(0)).await;

    // A small window, so that the run is killed with windows queued and windows to go.
    let backfill_args = [
        "backfill",
        "--config",
        config_arg,
        "--flow",
        "account_to_customer",
        "--plan",
        plan_csv.to_str().unwrap(),
        "--window",
        "10",
    ];
    let mut first = spawn_tandem(dir.path(), &backfill_args);
    let mut sorted = accounts.clone();
    sorted.sort();
    wait_for_checkpoint_past(&store_url, &sorted[ACCOUNTS / 3]).await;
    first.start_kill().unwrap(); // SIGKILL
    let status = first.wait().await.unwrap();
    assert_eq!(status.code(), None, "killed by a signal, not finished");

    let second = run_tandem(dir.path(), &backfill_args).await;
    let stdout = String::from_utf8_lossy(&second.stdout);
    let stderr = String::from_utf8_lossy(&second.stderr);
    assert_eq!(second.status.code(), Some(0), "{stdout}\n{stderr}");
    assert!(stderr.contains("resuming run"), "{stderr}");
    assert!(
        stdout.contains("queued before this run was interrupted"),
        "{stdout}"
    );
    assert!(
        stdout.contains("held back by the plan"),
        "the ambiguous account: {stdout}"
    );

    let (sf_requests, _) = requests_after(&http, &sf, Some(sf_mark)).await;
    let (ns_requests, _) = requests_after(&http, &ns, Some(ns_mark)).await;
    let linked = sandbox_accounts(&http, &sf).await;
    let netsuite_id = |account: &str| -> Option<String> {
        linked
            .iter()
            .find(|row| row["Id"].as_str() == Some(account))
            .and_then(|row| row["NetSuite_Id__c"].as_str().map(str::to_owned))
    };
    for account in &accounts {
        let customer = netsuite_id(account).unwrap_or_else(|| panic!("{account} is linked"));
        match matched.get(account) {
            // Matched by domain: that customer updated once, none created.
            Some(existing) => {
                assert_eq!(&customer, existing, "{account} linked to its match");
                assert_eq!(
                    count_matching(&ns_requests, "PATCH", &format!("/customer/{existing}")),
                    1,
                    "customer {existing} written once"
                );
                assert_eq!(
                    count_matching(&ns_requests, "PUT", &format!("/customer/eid:{account}")),
                    0
                );
            }
            None => assert_eq!(
                count_matching(&ns_requests, "PUT", &format!("/customer/eid:{account}")),
                1,
                "one customer created for {account}: {ns_requests:?}"
            ),
        }
        assert_eq!(
            count_matching(&sf_requests, "PATCH", &format!("/Account/{account}")),
            1,
            "the link written back to {account} once"
        );
    }
    assert_eq!(netsuite_id(&ambiguous), None, "held back: not linked");
    assert!(
        !sf_requests
            .iter()
            .chain(&ns_requests)
            .any(|r| r.contains(&ambiguous)),
        "nothing was written for the held-back account"
    );

    let per_thousand = sf_requests.len() * 1000 / ACCOUNTS;
    let kinds = |requests: &[String]| {
        let mut kinds: BTreeMap<String, usize> = BTreeMap::new();
        for request in requests {
            let path = request.split('?').next().unwrap_or_default();
            let kind = path.rsplit('/').nth(1).unwrap_or(path).to_owned();
            let method = request.split(' ').next().unwrap_or_default();
            *kinds.entry(format!("{method} {kind}")).or_default() += 1;
        }
        kinds
    };
    eprintln!(
        "backfill of {ACCOUNTS} accounts (window 10, one kill): {} Salesforce calls, {per_thousand} per 1,000 records ({:?}); {} NetSuite calls",
        sf_requests.len(),
        kinds(&sf_requests),
        ns_requests.len()
    );
    // One write-back per account is the floor; the rest is listing, tokens and the allowance
    // read before each window.
    assert!(
        per_thousand <= 1400,
        "Salesforce calls per 1,000 records: {per_thousand}: {sf_requests:?}"
    );
}

/// A NetSuite flow: the backfill lists customers by SuiteQL only, and the workers read each
/// whole before applying it; customers with no account get one, each once.
#[tokio::test]
async fn backfill_of_customers_reads_each_in_the_worker_and_creates_missing_accounts_once() {
    let sandbox = SandboxBinary::start(&[]).await;
    let http = reqwest::Client::new();
    let (sf, ns) = (sandbox.salesforce.clone(), sandbox.netsuite.clone());
    let mut customers = Vec::new();
    for i in 0..6 {
        customers.push(
            seed(
                &http,
                &ns,
                "customer",
                json!({ "companyName": format!("Only In NetSuite {i}"), "email": format!("ap@only{i}.example"), "subsidiary": { "id": "1" } }),
            )
            .await,
        );
    }
    let dir = tempfile::tempdir().unwrap();
    let config = write_sandbox_config(dir.path(), &sf, &ns, "");
    let _serve = RunningBinary::start(&config, &[]).await;
    let (_, sf_mark) = requests_after(&http, &sf, Some(0)).await;
    let (_, ns_mark) = requests_after(&http, &ns, Some(0)).await;
    let run = run_tandem(
        dir.path(),
        &[
            "backfill",
            "--config",
            config.to_str().unwrap(),
            "--flow",
            "customer_to_account",
            "--window",
            "4",
        ],
    )
    .await;
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert_eq!(
        run.status.code(),
        Some(0),
        "{stdout}\n{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let (sf_requests, _) = requests_after(&http, &sf, Some(sf_mark)).await;
    let (ns_requests, _) = requests_after(&http, &ns, Some(ns_mark)).await;
    for customer in &customers {
        assert_eq!(
            count_matching(&ns_requests, "GET", &format!("/customer/{customer}")),
            1,
            "the worker read customer {customer} once: {ns_requests:?}"
        );
        assert_eq!(
            count_matching(
                &sf_requests,
                "PATCH",
                &format!("/Account/NetSuite_Id__c/{customer}")
            ),
            1,
            "one account upserted for customer {customer}: {sf_requests:?}"
        );
    }
    assert!(
        ns_requests
            .iter()
            .filter(|r| r.starts_with("POST "))
            .all(|r| r.contains("/suiteql")),
        "the backfill itself only listed: {ns_requests:?}"
    );
}

/// With less than the floor of the org's daily allowance left, a backfill queues nothing and
/// says so; the same command resumes once there is room.
#[tokio::test]
async fn backfill_stops_before_spending_the_last_of_the_api_allowance() {
    let sandbox = SandboxBinary::start(&[]).await;
    let http = reqwest::Client::new();
    let spent = http
        .put(format!("{}/_sandbox/api-usage", sandbox.salesforce))
        .json(&json!({ "used": 14_000 }))
        .send()
        .await
        .unwrap();
    assert!(spent.status().is_success());
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("tandem.toml");
    std::fs::write(
        &config,
        sandbox_config_toml(dir.path(), &sandbox.salesforce, &sandbox.netsuite),
    )
    .unwrap();
    let args = [
        "backfill",
        "--config",
        config.to_str().unwrap(),
        "--flow",
        "account_to_customer",
    ];
    let run = run_tandem(dir.path(), &args).await;
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("999 of 15000 calls left today, below 10%"),
        "{stderr}"
    );
    let (requests, _) = requests_after(&http, &sandbox.salesforce, Some(0)).await;
    assert!(
        requests
            .iter()
            .all(|r| r.starts_with("GET ") || r.contains("oauth2")),
        "nothing listed or written: {requests:?}"
    );
    assert!(
        !requests.iter().any(|r| r.contains("/query")),
        "not even listed: {requests:?}"
    );
}

/// A live event sent while a backfill runs is applied while it still runs, a window later at
/// most, and not after the whole backfill.
#[tokio::test]
async fn live_events_are_applied_while_a_backfill_is_still_running() {
    const LIVE_ACCOUNTS: usize = 90;
    let sandbox = SandboxBinary::start(&[]).await;
    let http = reqwest::Client::new();
    let (sf, ns) = (sandbox.salesforce.clone(), sandbox.netsuite.clone());
    let mut accounts = Vec::new();
    for i in 0..LIVE_ACCOUNTS {
        accounts.push(
            seed(
                &http,
                &sf,
                "Account",
                json!({ "Name": format!("Go Live Company {i:03}"), "Website": format!("https://golive{i:03}.example") }),
            )
            .await,
        );
    }
    accounts.sort();
    let dir = tempfile::tempdir().unwrap();
    let config = write_sandbox_config(dir.path(), &sf, &ns, "");
    let config_arg = config.to_str().unwrap();
    let store_url = format!("sqlite://{}", dir.path().join("store.db").display());
    let serve = RunningBinary::start(&config, &[]).await;

    let mut backfill = spawn_tandem(
        dir.path(),
        &[
            "backfill",
            "--config",
            config_arg,
            "--flow",
            "account_to_customer",
            "--window",
            "3",
        ],
    );
    wait_for_checkpoint_past(&store_url, &accounts[5]).await;

    // Someone edits a linked customer in NetSuite; its script posts the change.
    let customer = tandem::sandbox::seed_links::INITECH_CUSTOMER.to_string();
    let live_id = "live-during-backfill-1";
    let body = json!({
        "object": "customer",
        "record_id": customer,
        "change": "updated",
        "version": chrono::Utc::now().to_rfc3339(),
        "modified_by": "-5",
        "origin": null,
        "fields": { "companyname": "Initech Go-Live Edit" },
    })
    .to_string();
    let secret = tandem::sandbox::SandboxCredentials::default().netsuite_webhook_secret;
    let accepted = crate::helpers::post_signed_to(
        &http,
        &serve.url("/webhooks/netsuite/events"),
        &secret,
        live_id,
        &body,
    )
    .await
    .unwrap();
    assert!(accepted.status().is_success(), "{}", accepted.status());

    let store = tandem::store::open(&store_url).await.unwrap();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        let history = store
            .history_of_id(tandem::domain::System::Netsuite, &customer, 20)
            .await
            .unwrap();
        if history
            .iter()
            .any(|entry| entry.event_id.starts_with(&format!("netsuite:{live_id}#")))
        {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the live event was not applied within 60 s: {history:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let checkpoint = store
        .checkpoint("backfill:account_to_customer:all")
        .await
        .unwrap();
    assert!(
        backfill.try_wait().unwrap().is_none() && checkpoint.is_some(),
        "the live event was applied only after the backfill ended"
    );

    let finished = tokio::time::timeout(Duration::from_secs(120), backfill.wait())
        .await
        .expect("the backfill finishes")
        .unwrap();
    assert_eq!(finished.code(), Some(0));
    let linked = sandbox_accounts(&http, &sf).await;
    let unlinked: Vec<&String> = accounts
        .iter()
        .filter(|id| {
            !linked
                .iter()
                .any(|row| row["Id"] == **id && row["NetSuite_Id__c"].is_string())
        })
        .collect();
    assert!(unlinked.is_empty(), "not linked: {unlinked:?}");
}
