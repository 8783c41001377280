//! The NetSuite → Salesforce flows end to end (invoices, payments, items, inventory levels), and
//! how the app behaves when matching is ambiguous, a write is refused or NetSuite is briefly down.

use crate::synced::*;
use serde_json::{Value, json};
use std::time::Duration;
use tandem::sandbox::SandboxConfig;
use tandem::store::{DeadLetterStatus, StoredDeadLetter};

fn id_of(record: &Value) -> String {
    let id = field(record, "id");
    id.as_str()
        .map(str::to_owned)
        .unwrap_or_else(|| panic!("record without an id: {record}"))
}

fn number(record: &Value, name: &str) -> f64 {
    let value = field(record, name);
    value
        .as_f64()
        .or_else(|| value.as_str().and_then(|text| text.parse().ok()))
        .unwrap_or_else(|| panic!("{name} is not a number in {record}"))
}

/// Waits until the opportunity's Payment_Status__c reads `status`, and returns the opportunity.
async fn opportunity_with_status(synced: &Synced, opportunity_id: &str, status: &str) -> Value {
    eventually(&format!("Payment_Status__c {status}"), || async {
        let opportunity = synced
            .salesforce_record("Opportunity", opportunity_id)
            .await;
        (field(&opportunity, "Payment_Status__c") == status).then_some(opportunity)
    })
    .await
}

on_both_backends!(an_invoice_and_its_payments_show_on_the_won_opportunity);
async fn an_invoice_and_its_payments_show_on_the_won_opportunity(backend: Backend) {
    let synced = spawn_synced_on(backend).await;
    let opportunities = synced.salesforce_records("Opportunity").await;
    let opportunity =
        find(&opportunities, "Name", "Acme — 50 widgets").expect("seeded opportunity");
    let opportunity_id = field(opportunity, "Id").as_str().unwrap().to_owned();

    synced
        .edit_in_salesforce(
            "Opportunity",
            &opportunity_id,
            json!({ "StageName": "Closed Won" }),
        )
        .await;
    let order_id = eventually("the sales order id on the opportunity", || async {
        let opportunity = synced
            .salesforce_record("Opportunity", &opportunity_id)
            .await;
        field(&opportunity, "NetSuite_Sales_Order_Id__c")
            .as_str()
            .map(str::to_owned)
    })
    .await;
    let order = synced.netsuite_record("salesOrder", &order_id).await;
    assert_eq!(field(&order, "externalId"), opportunity_id.as_str());
    // Acme's account matched the seeded customer 101 by its domain: no second customer.
    assert_eq!(field(&order, "entity")["id"], "101");
    assert_eq!(field(&order, "subsidiary")["id"], "1");
    assert_eq!(field(&order, "currency")["id"], "1");
    assert_eq!(field(&order, "memo"), "Acme — 50 widgets");
    assert_eq!(field(&order, "tranDate"), field(opportunity, "CloseDate"));
    let lines: Vec<(String, f64, f64)> = field(&order, "item")["items"]
        .as_array()
        .expect("order lines")
        .iter()
        .map(|line| {
            let item = line["item"]["id"].as_str().unwrap().to_owned();
            (item, number(line, "quantity"), number(line, "rate"))
        })
        .collect();
    assert_eq!(
        lines,
        [
            ("201".to_owned(), 50.0, 20.0),
            ("205".to_owned(), 5.0, 120.0)
        ]
    );
    assert_eq!(number(&order, "total"), 1600.0);
    let won = synced
        .salesforce_record("Opportunity", &opportunity_id)
        .await;
    assert_eq!(
        field(&won, "NetSuite_Sales_Order_Number__c"),
        field(&order, "tranId")
    );
    let customer_id = field(&order, "entity")["id"].as_str().unwrap().to_owned();

    let due = (chrono::Utc::now() + chrono::Duration::days(30))
        .format("%Y-%m-%d")
        .to_string();
    let invoice = synced
        .create_in_netsuite(
            "invoice",
            json!({
                "entity": { "id": customer_id },
                "createdFrom": { "id": order_id },
                "dueDate": due,
                "item": { "items": [
                    { "item": { "id": "201" }, "quantity": 50, "rate": 20.0 },
                    { "item": { "id": "205" }, "quantity": 5, "rate": 120.0 },
                ] },
            }),
        )
        .await;
    let invoice_id = id_of(&invoice);
    let invoice_number = field(&invoice, "tranId").as_str().unwrap().to_owned();
    assert_eq!(number(&invoice, "total"), 1600.0);

    let opened = opportunity_with_status(&synced, &opportunity_id, "Open").await;
    assert_eq!(field(&opened, "Invoice_Number__c"), invoice_number.as_str());
    assert_eq!(field(&opened, "Invoice_Due_Date__c"), due.as_str());
    assert_eq!(number(&opened, "Amount_Remaining__c"), 1600.0);
    assert_eq!(field(&opened, "StageName"), "Closed Won");
    assert_eq!(
        field(&opened, "NetSuite_Sales_Order_Id__c"),
        order_id.as_str()
    );

    synced
        .create_in_netsuite(
            "customerPayment",
            json!({
                "customer": { "id": customer_id },
                "apply": { "items": [{ "doc": { "id": invoice_id }, "apply": true, "amount": 600.0 }] },
            }),
        )
        .await;
    let partly = opportunity_with_status(&synced, &opportunity_id, "Partially Paid").await;
    assert_eq!(number(&partly, "Amount_Remaining__c"), 1000.0);
    assert_eq!(field(&partly, "Invoice_Number__c"), invoice_number.as_str());
    assert_eq!(field(&partly, "Invoice_Due_Date__c"), due.as_str());
    synced.settled().await;

    synced
        .create_in_netsuite(
            "customerPayment",
            json!({
                "customer": { "id": customer_id },
                "apply": { "items": [{ "doc": { "id": invoice_id }, "apply": true, "amount": 1000.0 }] },
            }),
        )
        .await;
    opportunity_with_status(&synced, &opportunity_id, "Paid").await;
    synced.settled().await;
    let paid = synced
        .salesforce_record("Opportunity", &opportunity_id)
        .await;
    assert_eq!(field(&paid, "Payment_Status__c"), "Paid");
    assert_eq!(number(&paid, "Amount_Remaining__c"), 0.0);
    assert_eq!(field(&paid, "Invoice_Number__c"), invoice_number.as_str());
    assert_eq!(field(&paid, "Invoice_Due_Date__c"), due.as_str());
    let invoice = synced.netsuite_record("invoice", &invoice_id).await;
    assert_eq!(field(&invoice, "status"), "Paid In Full");
}

/// The Product2 linked to a NetSuite item, once it holds `name`, and its standard USD price entry.
async fn product_and_price(synced: &Synced, item_id: &str, name: &str) -> (Value, Value) {
    let product = eventually(&format!("the product of item {item_id}"), || async {
        let products = synced.salesforce_records("Product2").await;
        find(&products, "NetSuite_Item_Id__c", item_id)
            .filter(|product| field(product, "Name") == name)
            .cloned()
    })
    .await;
    let product_id = field(&product, "Id").as_str().unwrap().to_owned();
    let books = synced.salesforce_records("Pricebook2").await;
    let standard = books
        .iter()
        .find(|book| field(book, "IsStandard") == true)
        .expect("a standard price book");
    let standard_id = field(standard, "Id").as_str().unwrap().to_owned();
    let entry = eventually("the standard USD price entry", || async {
        let entries = synced.salesforce_records("PricebookEntry").await;
        entries.into_iter().find(|entry| {
            field(entry, "Product2Id") == product_id.as_str()
                && field(entry, "Pricebook2Id") == standard_id.as_str()
                && field(entry, "CurrencyIsoCode") == "USD"
        })
    })
    .await;
    (product, entry)
}

on_both_backends!(items_edited_or_created_in_netsuite_become_products_with_a_standard_price);
async fn items_edited_or_created_in_netsuite_become_products_with_a_standard_price(
    backend: Backend,
) {
    let synced = spawn_synced_on(backend).await;

    synced
        .edit_in_netsuite(
            "inventoryItem",
            "203",
            json!({ "displayName": "Gizmo Pro", "basePrice": 45.0 }),
        )
        .await;
    let (product, entry) = product_and_price(&synced, "203", "Gizmo Pro").await;
    assert_eq!(field(&product, "ProductCode"), "SKU-102");
    assert_eq!(field(&product, "IsActive"), true);
    let entry = eventually("the entry to hold the new base price", || async {
        let entries = synced.salesforce_records("PricebookEntry").await;
        find(&entries, "Id", field(&entry, "Id").as_str().unwrap())
            .filter(|entry| number(entry, "UnitPrice") == 45.0)
            .cloned()
    })
    .await;
    assert_eq!(field(&entry, "IsActive"), true);

    let created = synced
        .create_in_netsuite(
            "inventoryItem",
            json!({ "itemId": "SKU-200", "displayName": "Doohickey", "basePrice": 15.5, "isInactive": false }),
        )
        .await;
    let new_item_id = id_of(&created);
    let (product, entry) = product_and_price(&synced, &new_item_id, "Doohickey").await;
    assert_eq!(field(&product, "ProductCode"), "SKU-200");
    assert_eq!(field(&product, "IsActive"), true);
    assert_eq!(number(&entry, "UnitPrice"), 15.5);
    assert_eq!(field(&entry, "IsActive"), true);

    synced.settled().await;
    let products = synced.salesforce_records("Product2").await;
    let linked = |item: &str| {
        products
            .iter()
            .filter(|product| field(product, "NetSuite_Item_Id__c") == item)
            .count()
    };
    assert_eq!(linked("203"), 1, "one product per item");
    assert_eq!(linked(&new_item_id), 1, "one product per item");
}

on_both_backends!(an_items_price_in_each_currency_reaches_the_standard_price_book);
async fn an_items_price_in_each_currency_reaches_the_standard_price_book(backend: Backend) {
    let synced = spawn_synced_on(backend).await;
    // Item 201's price sublist: line 1 in USD (currency 1), line 2 in EUR (currency 2).
    synced
        .edit_in_netsuite(
            "inventoryItem",
            "201",
            json!({
                "displayName": "Widget Mk II",
                "basePrice": 110.0,
                "price": { "items": [{ "line": 1, "price": 110.0 }, { "line": 2, "price": 101.2 }] },
            }),
        )
        .await;
    let (product, usd) = product_and_price(&synced, "201", "Widget Mk II").await;
    let usd_id = field(&usd, "Id").as_str().unwrap().to_owned();
    eventually("the USD entry to hold the new price", || async {
        let entries = synced.salesforce_records("PricebookEntry").await;
        find(&entries, "Id", &usd_id).filter(|entry| number(entry, "UnitPrice") == 110.0)?;
        Some(())
    })
    .await;
    synced.settled().await;
    let product_id = field(&product, "Id").as_str().unwrap().to_owned();
    let entries = synced.salesforce_records("PricebookEntry").await;
    let eur = entries
        .iter()
        .find(|entry| {
            field(entry, "Product2Id") == product_id.as_str()
                && field(entry, "CurrencyIsoCode") == "EUR"
        })
        .expect("a standard EUR price entry");
    assert_eq!(number(eur, "UnitPrice"), 101.2);
    assert_eq!(field(eur, "Pricebook2Id"), field(&usd, "Pricebook2Id"));
    assert_eq!(field(eur, "IsActive"), true);
}

on_both_backends!(
    a_thousand_inventory_updates_over_a_hundred_items_cost_a_handful_of_salesforce_calls
);
async fn a_thousand_inventory_updates_over_a_hundred_items_cost_a_handful_of_salesforce_calls(
    backend: Backend,
) {
    const ITEMS: usize = 100;
    const ROUNDS: usize = 10;
    let synced = spawn_synced_on(backend).await;
    let item_id = |i: usize| format!("{}", 7000 + i);
    for i in 0..ITEMS {
        synced
            .create_in_salesforce(
                "Product2",
                json!({
                    "Name": format!("Bulk part {i}"),
                    "ProductCode": format!("BULK-{i}"),
                    "NetSuite_Item_Id__c": item_id(i),
                    "IsActive": true,
                }),
            )
            .await;
    }
    synced.settled().await;
    synced.reset_salesforce_counters().await;

    let items: Vec<String> = (0..ITEMS).map(item_id).collect();
    synced.post_quantity_rounds(&items, ROUNDS).await;
    let last_quantity = |i: usize| last_quantity(ROUNDS, i);

    eventually("every product to show its last quantity", || async {
        let products = synced.salesforce_records("Product2").await;
        (0..ITEMS)
            .all(|i| {
                find(&products, "NetSuite_Item_Id__c", &item_id(i)).is_some_and(|product| {
                    field(product, "Quantity_Available__c").as_f64() == Some(last_quantity(i))
                })
            })
            .then_some(())
    })
    .await;
    synced.settled().await;

    let counters = synced.salesforce_counters().await;
    let calls = api_calls(&counters);
    println!(
        "{} inventory updates over {ITEMS} items cost {calls} Salesforce calls ({})",
        ITEMS * ROUNDS,
        counters["operations"]
    );
    assert!(calls >= 1, "the levels were written somehow: {counters}");
    assert!(calls <= 5, "{calls} calls: {counters}");
    let products = synced.salesforce_records("Product2").await;
    for i in 0..ITEMS {
        let product = find(&products, "NetSuite_Item_Id__c", &item_id(i)).unwrap();
        assert_eq!(
            field(product, "Quantity_Available__c").as_f64(),
            Some(last_quantity(i))
        );
        assert_eq!(field(product, "Name"), format!("Bulk part {i}").as_str());
    }
}

/// Two NetSuite customers of one email domain, each synced to an account of its own first.
pub(crate) async fn two_umbrella_customers(synced: &Synced) -> Vec<String> {
    let mut umbrella_customers = Vec::new();
    for (name, email) in [
        ("Umbrella Pharmaceuticals", "billing@umbrella.example"),
        ("Umbrella Logistics", "ap@umbrella.example"),
    ] {
        let customer = synced
            .create_in_netsuite(
                "customer",
                json!({ "companyName": name, "email": email, "subsidiary": { "id": "1" } }),
            )
            .await;
        umbrella_customers.push(id_of(&customer));
    }
    for customer_id in &umbrella_customers {
        eventually("the customer's account", || async {
            let customer = synced.netsuite_record("customer", customer_id).await;
            field(&customer, "externalId").as_str().map(str::to_owned)
        })
        .await;
    }
    synced.settled().await;
    umbrella_customers
}

/// A new account whose website matches both Umbrella customers.
pub(crate) async fn umbrella_account(synced: &Synced) -> String {
    let account = synced
        .create_in_salesforce(
            "Account",
            json!({ "Name": "Umbrella Corp", "Website": "https://umbrella.example" }),
        )
        .await;
    field(&account, "Id").as_str().unwrap().to_owned()
}

on_both_backends!(
    with_conflict_policy_dead_letter_an_ambiguous_match_is_a_dead_letter_and_creates_nothing
);
async fn with_conflict_policy_dead_letter_an_ambiguous_match_is_a_dead_letter_and_creates_nothing(
    backend: Backend,
) {
    let synced = spawn_synced_with(backend, SandboxConfig::default(), |config| {
        config.sync.conflict_policy = tandem::config::ConflictPolicy::DeadLetter;
    })
    .await;
    two_umbrella_customers(&synced).await;
    let customers_before = synced.netsuite_records("customer").await;
    let account_id = umbrella_account(&synced).await;
    let store = synced.app.store.clone();
    let letter = eventually("a dead letter for the account", || async {
        let letters = store.dead_letters(None, 10).await.unwrap();
        letters
            .into_iter()
            .find(|l| l.event.record_id == account_id)
    })
    .await;
    synced.settled().await;
    assert_eq!(letter.error_code.as_deref(), Some("AMBIGUOUS_MATCH"));
    assert_eq!(letter.status, DeadLetterStatus::Open);
    assert!(
        letter.reason.contains("umbrella") || letter.reason.contains(&account_id),
        "{}",
        letter.reason
    );
    assert!(
        store.conflicts(None, 10).await.unwrap().is_empty(),
        "no conflict parked"
    );
    assert_eq!(synced.netsuite_records("customer").await, customers_before);
}

on_both_backends!(
    an_account_matching_two_customers_by_domain_is_parked_as_a_conflict_and_creates_nothing
);
async fn an_account_matching_two_customers_by_domain_is_parked_as_a_conflict_and_creates_nothing(
    backend: Backend,
) {
    let synced = spawn_synced_on(backend).await;
    let umbrella_customers = two_umbrella_customers(&synced).await;
    let customers_before = synced.netsuite_records("customer").await;
    let account_id = umbrella_account(&synced).await;
    let store = synced.app.store.clone();
    let conflict = eventually("a conflict for the account", || async {
        let conflicts = store.conflicts(None, 10).await.unwrap();
        conflicts
            .into_iter()
            .find(|conflict| conflict.event.record_id == account_id)
    })
    .await;
    synced.settled().await;

    assert!(conflict.reason.contains(&account_id), "{}", conflict.reason);
    let mut candidates: Vec<String> = conflict.candidates["ids"]
        .as_array()
        .expect("candidate ids")
        .iter()
        .map(|id| id.as_str().unwrap().to_owned())
        .collect();
    candidates.sort();
    let mut expected = umbrella_customers.clone();
    expected.sort();
    assert_eq!(candidates, expected);
    assert_eq!(conflict.candidates["matched_by"], "domain");

    let customers_after = synced.netsuite_records("customer").await;
    assert_eq!(customers_after.len(), customers_before.len());
    assert_eq!(customers_after, customers_before, "no customer was touched");
    assert!(find(&customers_after, "externalId", &account_id).is_none());
    let account = synced.salesforce_record("Account", &account_id).await;
    assert_eq!(field(&account, "NetSuite_Id__c"), &Value::Null);
    assert_eq!(field(&account, "Name"), "Umbrella Corp");
}

/// The dead letter an invoice event left, once there is one.
async fn dead_letter_for_invoice(synced: &Synced, invoice_id: &str) -> StoredDeadLetter {
    let store = synced.app.store.clone();
    eventually(
        &format!("a dead letter for invoice {invoice_id}"),
        || async {
            let letters = store.dead_letters(None, 10).await.unwrap();
            letters.into_iter().find(|letter| {
                letter.event.object == "invoice" && letter.event.record_id == invoice_id
            })
        },
    )
    .await
}

async fn assert_no_opportunity_was_invoiced(synced: &Synced) {
    synced.settled().await;
    let opportunities = synced.salesforce_records("Opportunity").await;
    assert!(
        opportunities
            .iter()
            .all(|o| field(o, "Invoice_Number__c").is_null()),
        "no opportunity got the invoice"
    );
}

on_both_backends!(
    an_invoice_whose_opportunity_does_not_exist_is_dead_lettered_with_salesforces_not_found
);
async fn an_invoice_whose_opportunity_does_not_exist_is_dead_lettered_with_salesforces_not_found(
    backend: Backend,
) {
    let synced = spawn_synced_on(backend).await;
    // A well-formed opportunity id (valid checksum) that this org never issued.
    let missing = "006Sbx000000001IAA";
    synced
        .edit_in_netsuite("salesOrder", "301", json!({ "externalId": missing }))
        .await;
    synced
        .edit_in_netsuite("invoice", "402", json!({ "memo": "chased by phone" }))
        .await;

    let letter = dead_letter_for_invoice(&synced, "402").await;
    assert_eq!(
        letter.error_code.as_deref(),
        Some("NOT_FOUND"),
        "{letter:?}"
    );
    assert_eq!(
        letter.reason,
        "salesforce 404 NOT_FOUND: The requested resource does not exist"
    );
    assert_eq!(letter.attempts, 1, "a permanent error is not retried");
    assert_eq!(letter.status, DeadLetterStatus::Open);
    assert_eq!(letter.event.fields["tranid"], "INV-1002");
    assert_no_opportunity_was_invoiced(&synced).await;
}

on_both_backends!(
    an_invoice_whose_order_names_a_malformed_opportunity_id_is_dead_lettered_with_salesforces_code
);
async fn an_invoice_whose_order_names_a_malformed_opportunity_id_is_dead_lettered_with_salesforces_code(
    backend: Backend,
) {
    let synced = spawn_synced_on(backend).await;
    // An order made in NetSuite whose externalId looks like an opportunity id but fails
    // Salesforce's id checksum, then invoiced.
    let order = synced
        .create_in_netsuite(
            "salesOrder",
            json!({
                "entity": { "id": "101" },
                "externalId": "006Sbx000000001AAA",
                "item": { "items": [{ "item": { "id": "201" }, "quantity": 1, "rate": 10.0 }] },
            }),
        )
        .await;
    let invoice = synced
        .create_in_netsuite(
            "invoice",
            json!({
                "entity": { "id": "101" },
                "createdFrom": { "id": id_of(&order) },
                "memo": "chased by phone",
                "dueDate": "2026-12-05",
                "item": { "items": [{ "item": { "id": "201" }, "quantity": 1, "rate": 10.0 }] },
            }),
        )
        .await;
    let invoice_id = id_of(&invoice);

    let letter = dead_letter_for_invoice(&synced, &invoice_id).await;
    assert_eq!(
        letter.error_code.as_deref(),
        Some("MALFORMED_ID"),
        "{letter:?}"
    );
    assert_eq!(
        letter.reason,
        "salesforce 400 MALFORMED_ID: Opportunity ID: id value of incorrect type: \
         006Sbx000000001AAA (fields: Id)"
    );
    assert_eq!(letter.attempts, 1, "a permanent error is not retried");
    assert_eq!(letter.event.fields["memo"], "chased by phone");
    let opportunities = synced.salesforce_records("Opportunity").await;
    assert!(
        opportunities
            .iter()
            .all(|o| field(o, "Invoice_Number__c") != field(&invoice, "tranId")),
        "no opportunity got the invoice"
    );
}

on_both_backends!(a_brief_netsuite_outage_is_ridden_out_by_retries);
async fn a_brief_netsuite_outage_is_ridden_out_by_retries(backend: Backend) {
    let synced = spawn_synced_with(backend, SandboxConfig::default(), |config| {
        config.sync.retry_schedule = vec![Duration::from_millis(200); 5];
    })
    .await;
    let accounts = synced.salesforce_records("Account").await;
    let globex = find(&accounts, "Name", "Globex GmbH").expect("seeded account");
    let account_id = field(globex, "Id").as_str().unwrap().to_owned();

    synced
        .inject_netsuite_faults(json!({ "kind": "status", "status": 503, "count": 3 }))
        .await;
    synced
        .edit_in_salesforce(
            "Account",
            &account_id,
            json!({ "Phone": "+49 30 5550 199" }),
        )
        .await;

    let customer = eventually("the customer to get the new phone", || async {
        let customers = synced.netsuite_records("customer").await;
        find(&customers, "externalId", &account_id)
            .filter(|customer| field(customer, "phone") == "+49 30 5550 199")
            .cloned()
    })
    .await;
    assert_eq!(id_of(&customer), "102");
    assert_eq!(field(&customer, "companyName"), "Globex GmbH");
    assert_eq!(field(&customer, "url"), "https://globex.example");
    assert_eq!(number(&customer, "creditLimit"), 20000.0);
    synced.settled().await;

    let counters = synced.netsuite_counters().await;
    assert_eq!(counters["faults_injected"], 3, "{counters}");
    assert_eq!(counters["by_status"]["503"], 3, "{counters}");
    let letters = synced.app.store.dead_letters(None, 10).await.unwrap();
    assert!(letters.is_empty(), "{letters:?}");
}

on_both_backends!(a_product_made_in_salesforce_first_is_adopted_by_its_item_not_duplicated);
async fn a_product_made_in_salesforce_first_is_adopted_by_its_item_not_duplicated(
    backend: Backend,
) {
    let synced = spawn_synced_on(backend).await;
    let made_first = synced
        .create_in_salesforce(
            "Product2",
            json!({ "Name": "Thingamajig", "ProductCode": "SKU-300", "IsActive": true }),
        )
        .await;
    let product_id = field(&made_first, "Id").as_str().unwrap().to_owned();
    synced.settled().await;

    let item = synced
        .create_in_netsuite(
            "inventoryItem",
            json!({ "itemId": "SKU-300", "displayName": "Thingamajig XL", "basePrice": 9.0, "isInactive": false }),
        )
        .await;
    let item_id = id_of(&item);
    let (product, entry) = product_and_price(&synced, &item_id, "Thingamajig XL").await;
    assert_eq!(
        field(&product, "Id"),
        product_id.as_str(),
        "the existing product was adopted"
    );
    assert_eq!(number(&entry, "UnitPrice"), 9.0);
    synced.settled().await;
    let products = synced.salesforce_records("Product2").await;
    let with_code = products
        .iter()
        .filter(|p| field(p, "ProductCode") == "SKU-300")
        .count();
    assert_eq!(with_code, 1, "no duplicate product");
}
