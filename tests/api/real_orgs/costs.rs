//! What one event costs each system, flow by flow, once its records are linked: a change is one
//! write to the other side and nothing back to the source.

use crate::synced::*;
use serde_json::{Value, json};

/// API calls to a system since `before` (tokens excluded).
fn calls(before: &Value, after: &Value) -> u64 {
    api_calls(after) - api_calls(before)
}

/// The calls `change` causes once everything it sets off has settled: (Salesforce, NetSuite).
async fn cost_of<F, Fut>(synced: &Synced, change: F) -> (u64, u64)
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    synced.settled().await;
    let (sf, ns) = (
        synced.salesforce_counters().await,
        synced.netsuite_counters().await,
    );
    change().await;
    synced.settled().await;
    let (sf_after, ns_after) = (
        synced.salesforce_counters().await,
        synced.netsuite_counters().await,
    );
    (calls(&sf, &sf_after), calls(&ns, &ns_after))
}

on_both_backends!(a_linked_record_edited_again_costs_one_write_on_the_other_side_and_nothing_back);
async fn a_linked_record_edited_again_costs_one_write_on_the_other_side_and_nothing_back(
    backend: Backend,
) {
    let synced = spawn_synced_on(backend).await;
    let account = synced
        .salesforce_id("Account", "Name", "Acme Corporation")
        .await;
    let contact = synced.salesforce_id("Contact", "LastName", "Coyote").await;
    let mut costs = Vec::new();
    for round in 0..2 {
        let account_key = format!("salesforce:account:{account}");
        let seen = synced.history_count(&account_key, "written").await;
        let account_cost = cost_of(&synced, || async {
            synced
                .edit_in_salesforce(
                    "Account",
                    &account,
                    json!({ "Phone": format!("+1 415 555 01{round}0") }),
                )
                .await;
            synced.wait_for_another(&account_key, "written", seen).await;
        })
        .await;
        let seen = synced
            .history_count("netsuite:customer:101", "written")
            .await;
        let customer_cost = cost_of(&synced, || async {
            synced
                .edit_in_netsuite(
                    "customer",
                    "101",
                    json!({ "creditLimit": 60000 + round * 1000 }),
                )
                .await;
            synced
                .wait_for_another("netsuite:customer:101", "written", seen)
                .await;
        })
        .await;
        let contact_key = format!("salesforce:contact:{contact}");
        let seen = synced.history_count(&contact_key, "written").await;
        let contact_cost = cost_of(&synced, || async {
            synced
                .edit_in_salesforce(
                    "Contact",
                    &contact,
                    json!({ "Title": format!("Genius {round}") }),
                )
                .await;
            synced.wait_for_another(&contact_key, "written", seen).await;
        })
        .await;
        println!(
            "round {round}: (Salesforce, NetSuite) calls: account {account_cost:?}, customer {customer_cost:?}, contact {contact_cost:?}"
        );
        costs.push((account_cost, customer_cost, contact_cost));
    }
    // Once linked (the second round), each change is exactly one write to the other system.
    let (account_cost, customer_cost, contact_cost) = costs[1];
    assert_eq!(account_cost, (0, 1), "account → one customer PATCH");
    assert_eq!(customer_cost, (1, 0), "customer → one Account update");
    assert_eq!(contact_cost, (0, 1), "contact → one contact PATCH");
}

on_both_backends!(a_linked_item_or_invoice_change_costs_calls_only_to_the_system_it_is_written_to);
async fn a_linked_item_or_invoice_change_costs_calls_only_to_the_system_it_is_written_to(
    backend: Backend,
) {
    let synced = spawn_synced_on(backend).await;
    let mut item_costs = Vec::new();
    let mut invoice_costs = Vec::new();
    for round in 0..2 {
        item_costs.push(
            cost_of(&synced, || async {
                synced
                    .edit_in_netsuite(
                        "inventoryItem",
                        "201",
                        json!({ "displayName": format!("Widget mk{round}") }),
                    )
                    .await;
                // The second edit's coalesced product write adds no new history line, so the
                // queue draining (in cost_of) is what marks this event done.
                synced
                    .wait_for_history("netsuite:inventoryitem:201", "written")
                    .await;
            })
            .await,
        );
        let seen = synced
            .history_count("netsuite:invoice:401", "written")
            .await;
        invoice_costs.push(
            cost_of(&synced, || async {
                synced
                    .edit_in_netsuite(
                        "invoice",
                        "401",
                        json!({ "dueDate": format!("2027-01-0{}", round + 1) }),
                    )
                    .await;
                synced
                    .wait_for_another("netsuite:invoice:401", "written", seen)
                    .await;
            })
            .await,
        );
    }
    println!("(Salesforce, NetSuite) calls: item {item_costs:?}, invoice {invoice_costs:?}");
    // A linked item: its product updated, and its unchanged prices only read (the price book
    // and the product's entries, whatever the currencies); nothing written back to NetSuite.
    assert_eq!(
        item_costs[1],
        (3, 0),
        "item → product update + 2 price reads"
    );
    // An invoice: one opportunity update; the order's link was kept from the first time.
    assert_eq!(invoice_costs[1], (1, 0), "invoice → one opportunity update");
}
