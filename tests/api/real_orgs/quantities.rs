//! Quantities that reach every product (linked, matched by code, or not there yet), and
//! steady-state updates that write nothing they need not.

use crate::helpers::{SALESFORCE_SECRET, post_signed_to};
use crate::synced::*;
use serde_json::{Value, json};

/// Salesforce's API calls (the token excluded), and their count by operation.
async fn salesforce_calls(synced: &Synced) -> (u64, Value) {
    let counters = synced.salesforce_counters().await;
    (api_calls(&counters), counters["operations"].clone())
}

fn operation(operations: &Value, name: &str) -> u64 {
    operations[name].as_u64().unwrap_or(0)
}

fn millis(at: chrono::DateTime<chrono::Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

on_both_backends!(
    a_thousand_quantities_reach_products_that_are_linked_matched_by_code_or_not_there_yet
);
async fn a_thousand_quantities_reach_products_that_are_linked_matched_by_code_or_not_there_yet(
    backend: Backend,
) {
    const ITEMS: usize = 100;
    const ROUNDS: usize = 10;
    let synced = spawn_synced_on(backend).await;
    // Set up both orgs as they were before tandem: nothing is announced while they are built.
    synced.pause_echoes();
    let mut items = Vec::with_capacity(ITEMS);
    for i in 0..ITEMS {
        let item = synced
            .create_in_netsuite(
                "inventoryItem",
                json!({
                    "itemId": format!("BULK-{i}"),
                    "displayName": format!("Bulk part {i}"),
                    "basePrice": 10 + i,
                }),
            )
            .await;
        let id = field(&item, "id").as_str().unwrap().to_owned();
        let product = match i {
            // Linked: the product carries the item's id.
            0..40 => Some(json!({ "NetSuite_Item_Id__c": id })),
            // Made in Salesforce with the item's code only.
            40..70 => Some(json!({})),
            // No product at all.
            _ => None,
        };
        if let Some(mut product) = product {
            product["Name"] = json!(format!("Bulk part {i}"));
            product["ProductCode"] = json!(format!("BULK-{i}"));
            product["IsActive"] = json!(true);
            synced.create_in_salesforce("Product2", product).await;
        }
        items.push(id);
    }
    synced.resume_echoes();
    synced.reset_salesforce_counters().await;

    synced.post_quantity_rounds(&items, ROUNDS).await;
    let last_quantity = |i: usize| last_quantity(ROUNDS, i);

    eventually("every item's product to hold its last quantity", || async {
        let products = synced.salesforce_records("Product2").await;
        (0..ITEMS)
            .all(|i| {
                find(&products, "NetSuite_Item_Id__c", &items[i]).is_some_and(|product| {
                    field(product, "Quantity_Available__c").as_f64() == Some(last_quantity(i))
                })
            })
            .then_some(())
    })
    .await;
    synced.settled().await;

    let products = synced.salesforce_records("Product2").await;
    for (i, item) in items.iter().enumerate() {
        let code = format!("BULK-{i}");
        let same_code: Vec<&Value> = products
            .iter()
            .filter(|p| field(p, "ProductCode") == code.as_str())
            .collect();
        assert_eq!(same_code.len(), 1, "one product for {code}: {same_code:?}");
        let product = same_code[0];
        assert_eq!(field(product, "NetSuite_Item_Id__c"), item.as_str());
        assert_eq!(field(product, "Name"), format!("Bulk part {i}").as_str());
        assert_eq!(
            field(product, "Quantity_Available__c").as_f64(),
            Some(last_quantity(i))
        );
    }
    let letters = synced.app.store.dead_letters(None, 10).await.unwrap();
    assert!(letters.is_empty(), "no dead letters: {letters:?}");

    let (calls, operations) = salesforce_calls(&synced).await;
    let quantity_writes = operation(&operations, "composite_update");
    println!(
        "{} quantities over {ITEMS} items (40 linked, 30 by code, 30 without a product): \
         {quantity_writes} collection writes, {calls} Salesforce calls in all ({operations})",
        ITEMS * ROUNDS
    );
    assert!(
        (1..=5).contains(&quantity_writes),
        "{quantity_writes} quantity writes: {operations}"
    );
    assert_eq!(
        operation(&operations, "composite_upsert"),
        0,
        "a quantity never upserts (it could create a nameless product): {operations}"
    );
}

on_both_backends!(an_item_event_carrying_a_quantity_updates_the_product_through_the_coalescer);
async fn an_item_event_carrying_a_quantity_updates_the_product_through_the_coalescer(
    backend: Backend,
) {
    let synced = spawn_synced_on(backend).await;
    let item = synced
        .create_in_netsuite(
            "inventoryItem",
            json!({ "itemId": "COIL-9", "displayName": "Coil 9", "basePrice": 4 }),
        )
        .await;
    let item_id = field(&item, "id").as_str().unwrap().to_owned();
    eventually("the product of the new item", || async {
        let products = synced.salesforce_records("Product2").await;
        find(&products, "NetSuite_Item_Id__c", &item_id).cloned()
    })
    .await;
    synced.settled().await;

    // What a user event script on the item record sends: the record, with its quantity.
    let now = chrono::Utc::now();
    let level = json!({
        "object": "inventorylevel", "record_id": item_id, "change": "updated",
        "version": millis(now), "fields": { "quantityavailable": 5 },
    });
    let item_event = json!({
        "object": "inventoryitem", "record_id": item_id, "change": "updated",
        "version": millis(now + chrono::Duration::milliseconds(5)), "modified_by": "42", "role": "3",
        "fields": { "itemid": "COIL-9", "displayname": "Coil 9 (copper)", "quantityavailable": 77 },
    });
    synced
        .post_netsuite_events(
            "msg_item_quantity",
            &json!({ "events": [level, item_event] }),
        )
        .await;

    let product = eventually("the item's name and quantity", || async {
        let products = synced.salesforce_records("Product2").await;
        find(&products, "NetSuite_Item_Id__c", &item_id)
            .filter(|p| field(p, "Quantity_Available__c").as_f64() == Some(77.0))
            .cloned()
    })
    .await;
    assert_eq!(field(&product, "Name"), "Coil 9 (copper)");
    synced.settled().await;
    let product = synced
        .salesforce_record("Product2", field(&product, "Id").as_str().unwrap())
        .await;
    assert_eq!(
        field(&product, "Quantity_Available__c").as_f64(),
        Some(77.0),
        "the newest quantity wins"
    );
}

on_both_backends!(updates_of_a_linked_account_cost_one_netsuite_write_and_no_salesforce_write);
async fn updates_of_a_linked_account_cost_one_netsuite_write_and_no_salesforce_write(
    backend: Backend,
) {
    const UPDATES: usize = 40;
    let synced = spawn_synced_on(backend).await;
    let account_id = synced.salesforce_id("Account", "Name", "Globex GmbH").await;
    synced
        .edit_in_salesforce("Account", &account_id, json!({ "Phone": "+49 30 1" }))
        .await;
    eventually("the account linked", || async {
        let account = synced.salesforce_record("Account", &account_id).await;
        field(&account, "NetSuite_Id__c")
            .as_str()
            .map(str::to_owned)
    })
    .await;
    synced.settled().await;
    synced.reset_salesforce_counters().await;
    let netsuite_before = synced.netsuite_counters().await["operations"].clone();

    // A Flow relay sends only the changed field, never NetSuite_Id__c.
    let start = chrono::Utc::now();
    for n in 0..UPDATES {
        let event = json!({
            "object": "Account", "record_id": account_id, "change": "updated",
            "version": millis(start + chrono::Duration::milliseconds(n as i64)),
            "modified_by": "0055e000000HumnAAA",
            "fields": { "Phone": format!("+49 30 {n:04}") },
        });
        let response = post_signed_to(
            &synced.http,
            &synced.app.url("/webhooks/salesforce/events"),
            SALESFORCE_SECRET,
            &format!("msg_phone_{n}"),
            &event.to_string(),
        )
        .await
        .unwrap();
        assert_eq!(response.status(), 202);
    }
    let last = format!("+49 30 {:04}", UPDATES - 1);
    eventually("the last phone number in NetSuite", || async {
        let customers = synced.netsuite_records("customer").await;
        find(&customers, "externalId", &account_id)
            .filter(|c| field(c, "phone") == last.as_str())
            .map(|_| ())
    })
    .await;
    synced.settled().await;

    let (salesforce, operations) = salesforce_calls(&synced).await;
    let netsuite_after = synced.netsuite_counters().await["operations"].clone();
    let patches = operation(&netsuite_after, "update") - operation(&netsuite_before, "update");
    println!(
        "{UPDATES} updates of a linked account: {patches} NetSuite patches, {salesforce} Salesforce calls ({operations})"
    );
    assert_eq!(salesforce, 0, "no link written back again: {operations}");
    assert_eq!(patches, UPDATES as u64, "one NetSuite write per update");
}
