//! An operator's round in a real browser: log in, see the dead letter a NetSuite outage left,
//! replay it once NetSuite is back and see the record synced, settle a conflict by linking the
//! right customer, and look a record's history up by its id; with a screenshot of the page.
//! Neither the admin token nor the CSRF token ever shows in a URL or in tandem's log.

use crate::chrome::{Browser, poll};
use crate::stack::{ADMIN_TOKEN, Stack, field};
use fantoccini::Locator;
use serde_json::json;

#[tokio::test]
async fn an_operator_replays_a_dead_letter_resolves_a_conflict_and_finds_a_record_in_the_browser() {
    let mut stack = Stack::start().await;
    let browser = Browser::start().await;
    let mut visited = Vec::new();

    // 1. Log in through the form.
    browser.goto(&stack.url("/ops")).await;
    assert!(
        browser.url().await.ends_with("/ops/login"),
        "sent to the log-in form"
    );
    stack.log_in(&browser).await;
    visited.push(browser.url().await);

    // 2. NetSuite is down: an account a person creates in Salesforce cannot be written there,
    //    and after its one retry it becomes a dead letter, which the open page shows by itself.
    stack.break_netsuite().await;
    let account_id = stack
        .create_in_salesforce(
            "Account",
            json!({ "Name": "Fault Line Ltd", "Website": "https://faultline.example" }),
        )
        .await;
    let cell = r#"tr[data-flow="account_to_customer"] td.dead-letters"#;
    browser.wait_for_text(cell, "1").await;
    browser.click(&format!("{cell} a")).await;
    browser.wait_for_text("h1", "Dead letters").await;
    visited.push(browser.url().await);
    let row = "#dead-letters tbody tr";
    let listed = browser.text(row).await;
    assert!(listed.contains(&account_id), "{listed}");
    browser.screenshot("ops-dead-letters.png").await;
    browser.click(&format!("{row} a.letter")).await;
    browser.wait_for_text("h1", "Dead letter").await;
    visited.push(browser.url().await);
    assert_eq!(browser.text("#status").await, "open");
    let payload = browser.text("#payload").await;
    assert!(
        payload.contains(&account_id) && payload.contains("Fault Line Ltd"),
        "{payload}"
    );
    let vendor_error = browser.text("#vendor-error").await;
    assert!(
        vendor_error.contains("503"),
        "the vendor's error: {vendor_error}"
    );
    let attempts = browser.text("#attempts").await;
    assert!(attempts.contains("503"), "every attempt: {attempts}");
    browser.screenshot("ops-dead-letter.png").await;

    // 3. NetSuite is back: replay from the page, and the customer appears in NetSuite.
    stack.clear_netsuite_fault().await;
    browser.click("#replay").await;
    browser
        .wait_for_text("#notice", "Replayed dead letter")
        .await;
    visited.push(browser.url().await);
    assert_eq!(browser.text("#status").await, "replayed");
    let customer = stack.customer_of_account(&account_id).await;
    assert_eq!(field(&customer, "companyName"), "Fault Line Ltd");
    let customer_id = field(&customer, "id").as_str().unwrap().to_owned();

    // 4. The first account's history, found by its id.
    browser.goto(&stack.url("/ops/records")).await;
    browser
        .click(r#"select[name="system"] option[value="salesforce"]"#)
        .await;
    browser
        .find("#record-id")
        .await
        .send_keys(&account_id)
        .await
        .unwrap();
    browser.click("#search").await;
    browser.wait_for_text("#record h2", &account_id).await;
    visited.push(browser.url().await);
    let events = browser.text("#events").await;
    assert!(
        events.contains("dead_letter") && events.contains("written"),
        "{events}"
    );
    assert!(browser.text("#links").await.contains(&customer_id));
    assert!(browser.text("#writes").await.contains(&customer_id));
    browser.screenshot("ops-record.png").await;

    // 5. Two NetSuite customers share a domain; an account of that domain matches both and is
    //    parked. The operator links it to the right one from the conflict's page.
    let mut umbrellas = Vec::new();
    for (name, email) in [
        ("Umbrella Pharmaceuticals", "billing@umbrella.example"),
        ("Umbrella Logistics", "ap@umbrella.example"),
    ] {
        let fields = json!({ "companyName": name, "email": email, "subsidiary": { "id": "1" } });
        umbrellas.push(stack.create_in_netsuite("customer", fields).await);
    }
    for customer in &umbrellas {
        poll("the Umbrella customers' accounts", || async {
            let record = stack.netsuite_record("customer", customer).await;
            field(&record, "externalId").as_str().map(str::to_owned)
        })
        .await;
    }
    let umbrella_account = stack
        .create_in_salesforce(
            "Account",
            json!({ "Name": "Umbrella Corp", "Website": "https://umbrella.example" }),
        )
        .await;
    let conflicts = stack.url("/ops/conflicts");
    let row = poll("the account's conflict on the page", || async {
        browser.client.goto(&conflicts).await.ok()?;
        let rows = browser
            .client
            .find_all(Locator::Css("#conflicts tbody tr"))
            .await
            .ok()?;
        for row in rows {
            if row.text().await.ok()?.contains(&umbrella_account) {
                return Some(row);
            }
        }
        None
    })
    .await;
    row.find(Locator::Css("a"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    browser.wait_for_text("h1", "Conflict").await;
    visited.push(browser.url().await);
    let chosen = &umbrellas[1];
    let candidates = browser.text("#candidates").await;
    assert!(
        umbrellas.iter().all(|id| candidates.contains(id.as_str())),
        "{candidates}"
    );
    browser
        .click(&format!(
            r#"#candidates tr[data-candidate="{chosen}"] button[data-action="link"]"#
        ))
        .await;
    browser.wait_for_text("#notice", "resolved (link)").await;
    visited.push(browser.url().await);
    browser.screenshot("ops-conflict.png").await;
    poll("the account linked to the chosen customer", || async {
        let account = stack.salesforce_record("Account", &umbrella_account).await;
        (field(&account, "NetSuite_Id__c").as_str() == Some(chosen.as_str())).then_some(())
    })
    .await;
    let linked = stack.netsuite_record("customer", chosen).await;
    assert_eq!(
        field(&linked, "externalId").as_str(),
        Some(umbrella_account.as_str())
    );
    let other = stack.netsuite_record("customer", &umbrellas[0]).await;
    assert_ne!(
        field(&other, "externalId").as_str(),
        Some(umbrella_account.as_str())
    );

    // 6. The overview as the operator leaves it.
    browser.goto(&stack.url("/ops")).await;
    browser.wait_for_text("#live-status", "updated").await;
    let flows = browser.text("#flows").await;
    assert!(flows.contains("account_to_customer"), "{flows}");
    let consumers = browser.text("#consumers").await;
    assert!(consumers.starts_with('4'), "the four workers: {consumers}");
    let path = browser.screenshot("ops-page.png").await;
    assert!(
        std::fs::metadata(&path).unwrap().len() > 10_000,
        "a real picture"
    );

    // 7. Logging out ends the session: the page asks for the token again.
    browser.click("#logout").await;
    browser.wait_for_text("#notice", "logged out").await;
    browser.goto(&stack.url("/ops")).await;
    assert!(browser.url().await.ends_with("/ops/login"));
    visited.push(browser.url().await);

    let _ = browser.client.clone().close().await;
    for url in &visited {
        assert!(!url.contains(ADMIN_TOKEN) && !url.contains("csrf"), "{url}");
    }
    stack.tandem.child.start_kill().unwrap();
    let logs = stack.tandem.drain_logs().await;
    assert!(
        logs.len() > 20,
        "tandem logged at debug level: {}",
        logs.len()
    );
    for line in &logs {
        assert!(
            !line.to_string().contains(ADMIN_TOKEN),
            "the token in the log: {line}"
        );
    }
}
