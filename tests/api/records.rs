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
