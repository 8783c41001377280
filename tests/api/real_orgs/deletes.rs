//! `sync.delete_policy` for every flow that can mark its target inactive: a deleted contact or
//! item marks its linked NetSuite contact or Salesforce product inactive, and `ignore` leaves
//! both as they are.

use crate::helpers::{SALESFORCE_SECRET, post_signed_to};
use crate::synced::*;
use serde_json::json;
use tandem::config::DeletePolicy;
use tandem::sandbox::SandboxConfig;

/// Links Wile E. Coyote's contact to a NetSuite contact; returns (Salesforce id, NetSuite id).
async fn linked_contact(synced: &Synced) -> (String, String) {
    let contact = synced.salesforce_id("Contact", "LastName", "Coyote").await;
    synced
        .edit_in_salesforce("Contact", &contact, json!({ "Title": "Genius" }))
        .await;
    let netsuite_id = eventually("the contact linked", || async {
        let record = synced.salesforce_record("Contact", &contact).await;
        field(&record, "NetSuite_Id__c").as_str().map(str::to_owned)
    })
    .await;
    synced.settled().await;
    (contact, netsuite_id)
}

async fn delete_both(synced: &Synced, contact: &str) {
    let version = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let event = json!({ "object": "Contact", "record_id": contact, "change": "deleted",
                        "version": version, "modified_by": "0055e000000HumnAAA", "fields": {} });
    let response = post_signed_to(
        &synced.http,
        &synced.app.url("/webhooks/salesforce/events"),
        SALESFORCE_SECRET,
        "msg_contact_deleted",
        &event.to_string(),
    )
    .await
    .unwrap();
    assert_eq!(response.status(), 202);
    let item = json!({ "object": "inventoryitem", "record_id": "202", "change": "deleted",
                       "version": version, "modified_by": "42", "role": "3", "fields": {} });
    synced.post_netsuite_events("msg_item_deleted", &item).await;
}

on_both_backends!(a_deleted_contact_or_item_marks_its_linked_record_inactive);
async fn a_deleted_contact_or_item_marks_its_linked_record_inactive(backend: Backend) {
    let synced = spawn_synced_on(backend).await;
    let (contact, netsuite_contact) = linked_contact(&synced).await;
    delete_both(&synced, &contact).await;
    eventually("the NetSuite contact inactive", || async {
        let record = synced.netsuite_record("contact", &netsuite_contact).await;
        (field(&record, "isInactive") == true).then_some(())
    })
    .await;
    eventually("the product of item 202 inactive", || async {
        let products = synced.salesforce_records("Product2").await;
        find(&products, "NetSuite_Item_Id__c", "202")
            .filter(|p| field(p, "IsActive") == false)
            .map(|_| ())
    })
    .await;
}

on_both_backends!(with_delete_policy_ignore_a_deleted_contact_or_item_changes_nothing);
async fn with_delete_policy_ignore_a_deleted_contact_or_item_changes_nothing(backend: Backend) {
    let synced = spawn_synced_with(backend, SandboxConfig::default(), |config| {
        config.sync.delete_policy = DeletePolicy::Ignore;
    })
    .await;
    let (contact, netsuite_contact) = linked_contact(&synced).await;
    delete_both(&synced, &contact).await;
    synced
        .wait_for_history(&format!("salesforce:contact:{contact}"), "ignored")
        .await;
    synced
        .wait_for_history("netsuite:inventoryitem:202", "ignored")
        .await;
    synced.settled().await;
    let record = synced.netsuite_record("contact", &netsuite_contact).await;
    assert_ne!(field(&record, "isInactive"), true);
    let products = synced.salesforce_records("Product2").await;
    let product = find(&products, "NetSuite_Item_Id__c", "202").unwrap();
    assert_eq!(field(product, "IsActive"), true);
}
