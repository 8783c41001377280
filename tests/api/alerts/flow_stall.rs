//! One flow stalls while another keeps working, on the real binary: Salesforce answers 503, so
//! customers created in NetSuite cannot reach it, while edits of linked accounts still reach a
//! NetSuite that fails a fifth of its calls. The digest names the stalled flow, with a link to
//! the ops dashboard, and never the flow that fails but writes; once Salesforce answers again a
//! later digest reports the stalled flow writing again.

use super::wired::{Timings, Wired, within};
use super::*;

const STALLED: &str = "customer_to_account";
const HEALTHY: &str = "account_to_customer";
const WAIT: Duration = Duration::from_secs(30);
const STALL_AFTER: Duration = Duration::from_secs(3);

fn lines_of<'a>(digests: &'a [Value], list: &str) -> Vec<&'a Value> {
    digests
        .iter()
        .flat_map(|digest| digest[list].as_array().unwrap())
        .collect()
}

fn names_stall(line: &Value, flow: &str) -> bool {
    line["kind"] == "flow_stalled" && line["flow"] == flow
}

/// Attempts at Salesforce events (the accounts' edits) that failed and were retried.
async fn account_retries(wired: &Wired) -> f64 {
    wired
        .counter_sum(
            "tandem_events_processed_total",
            &["source=\"salesforce\"", "outcome=\"retry\""],
        )
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flow_that_keeps_failing_is_reported_stalled_by_name_and_a_flow_that_writes_is_not() {
    let wired = Wired::start(&Timings {
        digest_interval: INTERVAL,
        stall_after: STALL_AFTER,
        retry_schedule: vec![Duration::from_secs(1); 19],
    })
    .await;
    let (salesforce, netsuite) = (
        wired.sandbox.salesforce_url.clone(),
        wired.sandbox.netsuite_url.clone(),
    );
    // Three accounts synced and linked first: later edits of them need only NetSuite.
    let mut accounts = Vec::new();
    for name in ["Steady Works Ltd", "Even Keel GmbH", "Level Ground Inc."] {
        let account = wired
            .create_in_salesforce("Account", json!({ "Name": name }))
            .await;
        within("the account linked to its customer", WAIT, || async {
            let accounts = wired.records(&salesforce, "Account").await;
            find(&accounts, "Id", &account)
                .filter(|a| !field(a, "NetSuite_Id__c").is_null())
                .map(drop)
        })
        .await;
        accounts.push(account);
    }
    assert!(wired.webhook_digests().is_empty(), "nothing to report yet");

    wired
        .fail(&salesforce, json!({ "kind": "status", "status": 503 }))
        .await;
    wired
        .fail(
            &netsuite,
            json!({ "kind": "status", "status": 503, "rate": 0.2 }),
        )
        .await;
    // Accounts are edited (their flow fails now and then but writes) and customers created in
    // NetSuite (their flow cannot write at all) until a digest names a stalled flow, the
    // accounts' flow has met a failure, and long enough for it to be stalled too were it
    // judged wrongly.
    let started = Instant::now();
    let mut pace = tokio::time::interval(Duration::from_millis(400));
    let mut customers = Vec::new();
    let mut last_phone = BTreeMap::new();
    let mut edits = 0;
    let stall = loop {
        pace.tick().await;
        let account = &accounts[edits % accounts.len()];
        let phone = format!("+1 555 01{edits:02}");
        wired
            .edit_in_salesforce("Account", account, json!({ "Phone": phone }))
            .await;
        last_phone.insert(account.clone(), phone);
        if edits % 3 == 0 {
            let name = format!("Stalled {} Ltd", customers.len());
            let customer = wired
                .create_in_netsuite(
                    "customer",
                    json!({ "companyName": name, "subsidiary": { "id": "1" } }),
                )
                .await;
            customers.push(customer);
        }
        edits += 1;
        let digests = wired.webhook_digests();
        let found = lines_of(&digests, "problems")
            .into_iter()
            .find(|line| names_stall(line, STALLED))
            .cloned();
        let retried = account_retries(&wired).await;
        if let Some(line) = found.filter(|_| started.elapsed() >= 3 * STALL_AFTER && retried > 0.0)
        {
            break line;
        }
        assert!(
            started.elapsed() < WAIT,
            "no digest named {STALLED} stalled, or no account event retried ({retried}): {digests:#?}"
        );
    };
    let loaded_for = started.elapsed();
    // NetSuite answers every call again: the accounts' last edits do not keep failing while
    // nothing else of theirs is left to write (that would be a stall of their own).
    wired.heal(&netsuite).await;
    assert_eq!(stall["url"], format!("{OPS_URL}/ops"), "{stall}");
    let detail = stall["detail"].as_str().unwrap();
    assert!(
        detail.starts_with(&format!("{STALLED} is stalled: ")),
        "{detail}"
    );

    // The accounts' flow met failures too, yet wrote every edit to NetSuite.
    for (account, phone) in &last_phone {
        within("the account's last phone in NetSuite", WAIT, || async {
            let customers = wired.records(&netsuite, "customer").await;
            find(&customers, "externalId", account)
                .filter(|c| field(c, "phone").as_str() == Some(phone))
                .map(drop)
        })
        .await;
    }
    let retried = account_retries(&wired).await;

    let stall_text = format!("{STALLED} is stalled: ");
    let link = format!("(<{OPS_URL}/ops|ops dashboard>)");
    within("a Slack digest naming the stalled flow", WAIT, || async {
        slack_texts(&wired.channels.slack.accepted())
            .iter()
            .any(|text| text.contains(&stall_text) && text.contains(&link))
            .then_some(())
    })
    .await;
    within("an e-mail naming the stalled flow", WAIT, || async {
        wired
            .channels
            .smtp
            .mails()
            .iter()
            .any(|mail| mail_text(&mail.data).contains(&stall_text))
            .then_some(())
    })
    .await;

    // Salesforce answers again: the customers reach it and the flow is reported writing.
    wired.heal(&salesforce).await;
    let recovered = within(
        "a digest reporting the stalled flow recovered",
        WAIT,
        || async {
            lines_of(&wired.webhook_digests(), "recovered")
                .into_iter()
                .find(|line| names_stall(line, STALLED))
                .cloned()
        },
    )
    .await;
    assert!(
        recovered["detail"]
            .as_str()
            .unwrap()
            .starts_with(&format!("{STALLED} writes again")),
        "{recovered}"
    );
    // Everything raised before Salesforce came back has been sent by now.
    let digests = wired.webhook_digests();
    let raised = lines_of(&digests, "problems");
    assert!(
        !raised.iter().any(|line| names_stall(line, HEALTHY)),
        "{HEALTHY} writes and is not stalled: {raised:#?}"
    );
    for customer in &customers {
        within("the customer's account in Salesforce", WAIT, || async {
            let accounts = wired.records(&salesforce, "Account").await;
            find(&accounts, "NetSuite_Id__c", customer).map(drop)
        })
        .await;
    }
    let first = digests
        .iter()
        .position(|digest| {
            lines_of(std::slice::from_ref(digest), "problems")
                .iter()
                .any(|line| names_stall(line, STALLED))
        })
        .unwrap();
    eprintln!(
        "Salesforce answered 503 for {loaded_for:?}: {edits} account edits written (with \
         {retried} retries), {} customers stalled; {STALLED} named in digest {} of {}, {HEALTHY} in none",
        customers.len(),
        first + 1,
        digests.len()
    );
}
