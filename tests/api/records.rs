//! One record from the operator's side: after an account syncs, its link, its event and the
//! customer written; from the ops API and from `tandem records`.

use crate::dead_letters::{ADMIN_TOKEN, ops};
use crate::synced::*;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tandem::config::Secret;
use tandem::sandbox::SandboxConfig;

#[tokio::test]
async fn a_synced_account_shows_its_link_its_event_and_the_customer_written() {
    let synced = spawn_synced_with(Backend::Embedded, SandboxConfig::default(), |config| {
        config.server.admin_token = Some(Secret::from(ADMIN_TOKEN));
    })
    .await;
    let account_id = synced.salesforce_id("Account", "Name", "Globex GmbH").await;
    synced
        .edit_in_salesforce(
            "Account",
            &account_id,
            json!({ "Phone": "+49 30 5550 100" }),
        )
        .await;
    let account_key = format!("salesforce:account:{account_id}");
    synced.wait_for_history(&account_key, "written").await;
    let customer = eventually("the customer", || async {
        let customers = synced.netsuite_records("customer").await;
        find(&customers, "externalId", &account_id).cloned()
    })
    .await;
    let customer_id = field(&customer, "id").as_str().unwrap().to_owned();

    let path = format!("/api/v1/records/salesforce/{account_id}");
    let (status, record) = ops(&synced.app, Method::GET, &path).await;
    assert_eq!(status, StatusCode::OK, "{record}");
    assert_eq!(
        record["links"],
        json!([{ "kind": "account_customer", "other_system": "netsuite", "other_id": customer_id }])
    );
    let events = record["events"].as_array().unwrap();
    assert!(
        events
            .iter()
            .any(|event| event["outcome"] == "written"
                && event["record_key"] == account_key.as_str()),
        "{record}"
    );
    let writes = record["writes"].as_array().unwrap();
    assert!(
        writes.iter().any(|write| write["system"] == "netsuite"
            && write["object"] == "customer"
            && write["id"] == customer_id.as_str()),
        "{record}"
    );
    assert_eq!(record["last_error"], Value::Null);

    let (status, unseen) = ops(&synced.app, Method::GET, "/api/v1/records/netsuite/999999").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(unseen["events"], json!([]));
    assert_eq!(unseen["links"], json!([]));
    let (status, _) = ops(&synced.app, Method::GET, "/api/v1/records/sap/1").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn tandem_records_prints_what_the_store_knows_of_a_record() {
    use crate::helpers::{binary_path, write_config};
    use tandem::domain::System;
    use tandem::store::{Completion, HistoryEntry, LedgerWrite, Link, LinkKind, RecordRef};
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path());
    let store_url = format!("sqlite://{}", dir.path().join("store.db").display());
    let store = tandem::store::open(&store_url).await.unwrap();
    store
        .complete(Completion {
            event_id: "04l000000000001AAA".into(),
            processed: true,
            applied: None,
            writes: vec![LedgerWrite {
                record: RecordRef::new(System::Netsuite, "customer", "647"),
                fields_hash: "h".into(),
                field_names: vec!["companyname".into(), "phone".into()],
            }],
            links: vec![Link {
                kind: LinkKind::AccountCustomer,
                salesforce_id: "001Sbx0000000002AAA".into(),
                netsuite_id: "647".into(),
            }],
            history: HistoryEntry {
                record_key: "salesforce:account:001Sbx0000000002AAA".into(),
                event_id: "04l000000000001AAA".into(),
                action: "written".into(),
                detail: "customer 647".into(),
                at_ms: 1_796_284_800_000,
            },
            latency_ms: None,
        })
        .await
        .unwrap();
    let output = tokio::process::Command::new(binary_path())
        .args(["records", "salesforce", "001Sbx0000000002AAA", "--config"])
        .arg(&config)
        .kill_on_drop(true)
        .output()
        .await
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let text = String::from_utf8(output.stdout).unwrap();
    println!("{text}");
    assert_eq!(
        text,
        "salesforce 001Sbx0000000002AAA\n\
         linked (account_customer): netsuite 647\n\
         events (1), newest first:\n  \
         2026-12-03 08:00:00Z  written        04l000000000001AAA  customer 647\n\
         wrote netsuite customer 647 (companyname, phone) for 04l000000000001AAA\n"
    );
}
