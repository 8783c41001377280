//! Resolving a parked conflict over the ops API, end to end through the sandbox: a later event
//! of the record joins the open conflict; linking applies both events to the chosen customer,
//! creating makes a new customer, ignoring finishes the events and writes nothing; a second
//! resolution and a candidate that is not one are refused.

use crate::dead_letters::{ADMIN_TOKEN, ops};
use crate::sync_netsuite_flows::{two_umbrella_customers, umbrella_account};
use crate::synced::*;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tandem::config::Secret;
use tandem::sandbox::SandboxConfig;
use tandem::store::{Conflict, ConflictStatus};

async fn spawn(backend: Backend) -> Synced {
    spawn_synced_with(backend, SandboxConfig::default(), |config| {
        config.server.admin_token = Some(Secret::from(ADMIN_TOKEN));
    })
    .await
}

/// The open conflict of an account, once there is one.
async fn open_conflict_of(synced: &Synced, account_id: &str) -> Conflict {
    let store = synced.app.store.clone();
    eventually(&format!("an open conflict for {account_id}"), || async {
        let open = store
            .conflicts(Some(ConflictStatus::Open), 50)
            .await
            .unwrap();
        open.into_iter()
            .find(|conflict| conflict.event.record_id == account_id)
    })
    .await
}

async fn resolve(synced: &Synced, id: i64, body: Value) -> (StatusCode, Value) {
    let response = synced
        .app
        .client
        .post(synced.app.url(&format!("/api/v1/conflicts/{id}/resolve")))
        .bearer_auth(ADMIN_TOKEN)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = response.status();
    (status, response.json().await.unwrap())
}

/// An ambiguous account, and a second edit of it that joins its conflict.
async fn parked_account_with_a_later_edit(synced: &Synced) -> (Vec<String>, String, Conflict) {
    let customers = two_umbrella_customers(synced).await;
    let account_id = umbrella_account(synced).await;
    let conflict = open_conflict_of(synced, &account_id).await;
    synced
        .edit_in_salesforce("Account", &account_id, json!({ "Phone": "+1 555 0100" }))
        .await;
    let store = synced.app.store.clone();
    eventually("the edit joins the open conflict", || async {
        let conflict = store.conflict(conflict.id).await.unwrap();
        (conflict.attached == 1).then_some(())
    })
    .await;
    synced.settled().await;
    let open = synced
        .app
        .store
        .conflicts(Some(ConflictStatus::Open), 50)
        .await
        .unwrap();
    let of_account = open
        .iter()
        .filter(|c| c.event.record_id == account_id)
        .count();
    assert_eq!(of_account, 1, "the later event parked no second conflict");
    (customers, account_id, conflict)
}

on_both_backends!(linking_a_conflict_applies_its_events_to_the_chosen_customer);
async fn linking_a_conflict_applies_its_events_to_the_chosen_customer(backend: Backend) {
    let synced = spawn(backend).await;
    let (customers, account_id, conflict) = parked_account_with_a_later_edit(&synced).await;
    let customers_before = synced.netsuite_records("customer").await;

    let (status, body) = resolve(
        &synced,
        conflict.id,
        json!({ "action": "link", "candidate": "no-such-customer" }),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(
        body["message"].as_str().unwrap().contains(&customers[0]),
        "names the candidates: {body}"
    );

    let chosen = &customers[1];
    let (status, body) = resolve(
        &synced,
        conflict.id,
        json!({ "action": "link", "candidate": chosen }),
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    assert_eq!(body["action"], "link");
    assert_eq!(body["replayed"].as_array().unwrap().len(), 2, "{body}");

    eventually("the account carries the chosen customer's id", || async {
        let account = synced.salesforce_record("Account", &account_id).await;
        (field(&account, "NetSuite_Id__c") == &json!(chosen)).then_some(())
    })
    .await;
    eventually("the later edit reaches the chosen customer", || async {
        let customer = synced.netsuite_record("customer", chosen).await;
        (field(&customer, "phone") == &json!("+1 555 0100")).then_some(())
    })
    .await;
    synced.settled().await;
    let customers_after = synced.netsuite_records("customer").await;
    assert_eq!(
        customers_after.len(),
        customers_before.len(),
        "none created"
    );

    let (status, shown) = ops(
        &synced.app,
        Method::GET,
        &format!("/api/v1/conflicts/{}", conflict.id),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{shown}");
    assert_eq!(shown["status"], "resolved");
    assert_eq!(shown["resolution"], format!("link:{chosen}"));
    assert_eq!(shown["attached"].as_array().unwrap().len(), 1, "{shown}");

    let (status, body) = resolve(&synced, conflict.id, json!({ "action": "ignore" })).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("already resolved"),
        "{body}"
    );
}

#[tokio::test]
async fn creating_from_a_conflict_makes_a_new_customer_for_the_account() {
    let synced = spawn(Backend::Embedded).await;
    let (customers, account_id, conflict) = parked_account_with_a_later_edit(&synced).await;
    let (status, body) = resolve(&synced, conflict.id, json!({ "action": "create" })).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");

    let created = eventually("a new customer for the account", || async {
        let account = synced.salesforce_record("Account", &account_id).await;
        field(&account, "NetSuite_Id__c")
            .as_str()
            .map(str::to_owned)
    })
    .await;
    assert!(
        !customers.contains(&created),
        "a new customer, not a candidate"
    );
    let customer = synced.netsuite_record("customer", &created).await;
    assert_eq!(field(&customer, "externalId"), &json!(account_id));
}

#[tokio::test]
async fn ignoring_a_conflict_finishes_its_events_and_writes_nothing() {
    let synced = spawn(Backend::Embedded).await;
    let (_customers, account_id, conflict) = parked_account_with_a_later_edit(&synced).await;
    let customers_before = synced.netsuite_records("customer").await;
    let (status, body) = resolve(&synced, conflict.id, json!({ "action": "ignore" })).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    let key = format!("salesforce:account:{account_id}");
    let history = synced.history(&key).await;
    let ignored = history
        .iter()
        .filter(|entry| entry.starts_with("ignored: "))
        .count();
    assert_eq!(ignored, 2, "both events finished as ignored: {history:?}");
    assert_eq!(synced.netsuite_records("customer").await, customers_before);
    let account = synced.salesforce_record("Account", &account_id).await;
    assert_eq!(field(&account, "NetSuite_Id__c"), &Value::Null);
}
