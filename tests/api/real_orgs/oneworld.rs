//! Closed Won on a OneWorld account: the order takes its customer's subsidiary and a currency
//! the customer accepts, found by ISO code among the account's own currency ids.

use crate::synced::*;
use serde_json::{Value, json};

/// A deal of `account` in `currency` with one line of each product code, won: returns its id.
async fn win_a_deal(synced: &Synced, account: &str, currency: &str, codes: &[&str]) -> String {
    let account_id = synced.salesforce_id("Account", "Name", account).await;
    let books = synced.salesforce_records("Pricebook2").await;
    let standard = find(&books, "IsStandard", "true")
        .or_else(|| books.iter().find(|b| field(b, "IsStandard") == true))
        .map(|b| field(b, "Id").as_str().unwrap().to_owned())
        .expect("a standard price book");
    let opportunity = synced
        .create_in_salesforce(
            "Opportunity",
            json!({
                "Name": format!("{account} — {currency} deal"), "AccountId": account_id,
                "StageName": "Prospecting", "CloseDate": "2026-12-20",
                "CurrencyIsoCode": currency, "Pricebook2Id": standard,
            }),
        )
        .await;
    let opportunity_id = field(&opportunity, "Id").as_str().unwrap().to_owned();
    let products = synced.salesforce_records("Product2").await;
    let entries = synced.salesforce_records("PricebookEntry").await;
    for code in codes {
        let product = find(&products, "ProductCode", code).expect("the product");
        let entry = entries
            .iter()
            .find(|e| {
                field(e, "Product2Id") == field(product, "Id")
                    && field(e, "CurrencyIsoCode").as_str() == Some(currency)
            })
            .unwrap_or_else(|| panic!("a {currency} price for {code}"));
        synced
            .create_in_salesforce(
                "OpportunityLineItem",
                json!({ "OpportunityId": opportunity_id, "PricebookEntryId": field(entry, "Id"),
                        "Quantity": 3, "UnitPrice": 17.0 }),
            )
            .await;
    }
    synced
        .edit_in_salesforce(
            "Opportunity",
            &opportunity_id,
            json!({ "StageName": "Closed Won" }),
        )
        .await;
    opportunity_id
}

async fn order_for(synced: &Synced, opportunity_id: &str) -> Value {
    eventually("the sales order", || async {
        let orders = synced.netsuite_records("salesOrder").await;
        find(&orders, "externalId", opportunity_id).cloned()
    })
    .await
}

on_both_backends!(
    a_euro_deal_of_a_european_customer_becomes_an_order_in_its_subsidiary_and_currency
);
async fn a_euro_deal_of_a_european_customer_becomes_an_order_in_its_subsidiary_and_currency(
    backend: Backend,
) {
    let synced = spawn_synced_on(backend).await;
    // Globex is customer 102 of the Europe subsidiary (3), in euros (currency 4 in this account).
    let opportunity_id = win_a_deal(&synced, "Globex GmbH", "EUR", &["SKU-100", "SKU-101"]).await;
    let order = order_for(&synced, &opportunity_id).await;
    assert_eq!(field(field(&order, "entity"), "id"), "102");
    assert_eq!(field(field(&order, "subsidiary"), "id"), "3");
    assert_eq!(field(field(&order, "currency"), "id"), "4");
    let lines = field(field(&order, "item"), "items")
        .as_array()
        .unwrap()
        .len();
    assert_eq!(lines, 2, "{order}");
    synced.settled().await;
    let orders = synced.netsuite_records("salesOrder").await;
    let count = orders
        .iter()
        .filter(|o| field(o, "externalId") == opportunity_id.as_str())
        .count();
    assert_eq!(count, 1);
    let letters = synced.app.store.dead_letters(None, 10).await.unwrap();
    assert!(letters.is_empty(), "{letters:?}");
}

on_both_backends!(
    a_deal_in_a_currency_its_customer_does_not_accept_is_dead_lettered_before_any_write
);
async fn a_deal_in_a_currency_its_customer_does_not_accept_is_dead_lettered_before_any_write(
    backend: Backend,
) {
    let synced = spawn_synced_on(backend).await;
    // Acme (customer 101) trades in US dollars only.
    let opportunity_id = win_a_deal(&synced, "Acme Corporation", "EUR", &["SKU-100"]).await;
    let letter = eventually("the dead letter", || async {
        let letters = synced.app.store.dead_letters(None, 10).await.unwrap();
        letters
            .into_iter()
            .find(|l| l.event.record_id == opportunity_id)
    })
    .await;
    assert_eq!(letter.error_code.as_deref(), Some("CURRENCY_NOT_ACCEPTED"));
    assert!(
        letter.reason.contains("EUR") && letter.reason.contains("customer 101"),
        "{}",
        letter.reason
    );
    assert_eq!(letter.attempts, 1, "refused, not retried");
    synced.settled().await;
    let orders = synced.netsuite_records("salesOrder").await;
    assert!(find(&orders, "externalId", &opportunity_id).is_none());
}

on_both_backends!(the_mapping_may_prefer_one_of_the_customers_own_subsidiaries_for_a_currency);
async fn the_mapping_may_prefer_one_of_the_customers_own_subsidiaries_for_a_currency(
    backend: Backend,
) {
    let dir = tempfile::tempdir().unwrap();
    let mapping = dir.path().join("mapping.toml");
    let shipped =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/mapping.toml")).unwrap();
    // Euro deals go through Europe (3) where the customer is there, never to UK Ltd (4).
    std::fs::write(
        &mapping,
        format!("{shipped}\n[currencies]\nEUR = {{ subsidiary = \"3\" }}\nGBP = {{ subsidiary = \"4\" }}\n"),
    )
    .unwrap();
    let synced = spawn_synced_with(backend, Default::default(), |config| {
        config.sync.mapping = mapping.clone();
    })
    .await;
    // Initech (104): primary subsidiary 1, also 3; dollars and euros.
    let euro = win_a_deal(&synced, "Initech, Inc.", "EUR", &["SKU-100"]).await;
    let order = order_for(&synced, &euro).await;
    assert_eq!(field(field(&order, "subsidiary"), "id"), "3");
    assert_eq!(field(field(&order, "currency"), "id"), "4");
    let dollar = win_a_deal(&synced, "Initech, Inc.", "USD", &["SKU-102"]).await;
    let order = order_for(&synced, &dollar).await;
    assert_eq!(
        field(field(&order, "subsidiary"), "id"),
        "1",
        "no preference: the primary"
    );
    assert_eq!(field(field(&order, "currency"), "id"), "1");
}
