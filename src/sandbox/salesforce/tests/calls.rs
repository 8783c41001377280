//! What every API call carries: the usage header, and injected faults in Salesforce's words.

use super::{Org, account, answer};
use serde_json::{Value, json};

fn usage(response: &reqwest::Response) -> String {
    response.headers()["sforce-limit-info"]
        .to_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn sforce_limit_info_counts_each_api_call_but_not_token_requests() {
    let org = Org::start().await;
    let first = org.get(&org.api("/query?q=SELECT+Id+FROM+Account")).await;
    assert_eq!(usage(&first), "api-usage=1/15000");
    org.client_credentials_token().await;
    let second = org
        .patch(
            &org.api("/sobjects/Account/NetSuite_Id__c/42"),
            &account("Counted"),
        )
        .await;
    assert_eq!(usage(&second), "api-usage=2/15000");
    let failed = org.get(&org.api("/sobjects/Account/bad")).await;
    assert_eq!(
        (failed.status().as_u16(), usage(&failed)),
        (400, "api-usage=3/15000".to_owned())
    );
}

#[tokio::test]
async fn a_counted_503_plan_answers_server_unavailable_once_then_serves() {
    let org = Org::start().await;
    org.fault(json!({"kind": "status", "status": 503, "count": 1}))
        .await;
    let url = org.api("/sobjects/Account/NetSuite_Id__c/43");
    let (status, body) = answer(org.patch(&url, &account("Flaky")).await).await;
    assert_eq!(status, 503);
    assert_eq!(body[0]["errorCode"], "SERVER_UNAVAILABLE");
    assert!(body[0]["message"].as_str().is_some_and(|m| !m.is_empty()));
    let (status, _) = answer(org.patch(&url, &account("Flaky")).await).await;
    assert_eq!(status, 201);

    org.fault(json!({"kind": "status", "status": 500, "count": 1}))
        .await;
    let (status, body) = answer(org.get(&org.api("/query?q=SELECT+Id+FROM+Account")).await).await;
    assert_eq!(
        (status, body[0]["errorCode"].as_str()),
        (500, Some("UNKNOWN_EXCEPTION"))
    );

    let counters: Value = org
        .http
        .get(org.url("/_sandbox/counters"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(counters["faults_injected"], 2);
    assert_eq!(counters["operations"]["upsert"], 2);
}

#[tokio::test]
async fn a_lock_fault_is_unable_to_lock_row_for_one_record_and_per_record_in_collections() {
    let org = Org::start().await;
    let account = org
        .first_id("SELECT Id FROM Account WHERE Name = 'Acme Corporation'")
        .await;
    org.fault(json!({"kind": "lock", "count": 2})).await;
    let (status, body) = answer(
        org.patch(
            &org.api(&format!("/sobjects/Account/{account}")),
            &json!({"Phone": "1"}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(
        body,
        json!([{
            "message": format!("unable to obtain exclusive access to this record or 1 records: {account}"),
            "errorCode": "UNABLE_TO_LOCK_ROW",
            "fields": []
        }])
    );
    let records = json!([{"attributes": {"type": "Account"}, "NetSuite_Id__c": "1", "Name": "A"}]);
    let url = org.api("/composite/sobjects/Account/NetSuite_Id__c");
    let (status, body) = answer(org.patch(&url, &json!({"records": records})).await).await;
    assert_eq!(status, 200);
    assert_eq!(
        (
            body[0]["success"].as_bool(),
            body[0]["errors"][0]["statusCode"].as_str()
        ),
        (Some(false), Some("UNABLE_TO_LOCK_ROW"))
    );
}
