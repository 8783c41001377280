//! `POST /composite`: subrequests in order, `@{ref.field}` references, PROCESSING_HALTED, and
//! `allOrNone` rolling back what earlier subrequests saved.

use super::{Org, VERSION, answer};
use serde_json::{Value, json};

fn account_then_contact(contact: Value) -> Vec<Value> {
    vec![
        json!({"method": "POST", "url": format!("/services/data/{VERSION}/sobjects/Account/"), "referenceId": "refAccount", "body": {"Name": "Composite Co"}}),
        json!({"method": "POST", "url": format!("/services/data/{VERSION}/sobjects/Contact"), "referenceId": "refContact", "body": contact}),
        json!({"method": "GET", "url": format!("/services/data/{VERSION}/sobjects/Account/@{{refAccount.id}}?fields=Name"), "referenceId": "refRead"}),
    ]
}

#[tokio::test]
async fn subrequests_run_in_order_and_later_ones_use_earlier_ids() {
    let org = Org::start().await;
    let requests =
        account_then_contact(json!({"LastName": "Composite", "AccountId": "@{refAccount.id}"}));
    let (status, body) = answer(
        org.post(
            &org.api("/composite"),
            &json!({"allOrNone": true, "compositeRequest": requests}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 200);
    let results = body["compositeResponse"].as_array().unwrap();
    assert_eq!(results.len(), 3);
    let account = results[0]["body"]["id"].as_str().unwrap();
    assert_eq!(results[0]["httpStatusCode"], 201);
    assert_eq!(results[0]["referenceId"], "refAccount");
    assert_eq!(
        results[0]["httpHeaders"]["Location"],
        format!("/services/data/{VERSION}/sobjects/Account/{account}")
    );
    assert_eq!(results[1]["httpStatusCode"], 201);
    assert_eq!(results[2]["httpStatusCode"], 200);
    assert_eq!(results[2]["body"]["Name"], "Composite Co");
    let contact = org
        .query("SELECT AccountId FROM Contact WHERE LastName = 'Composite'")
        .await;
    assert_eq!(contact["records"][0]["AccountId"], account);
}

#[tokio::test]
async fn all_or_none_rolls_back_and_halts_every_other_subrequest() {
    let org = Org::start().await;
    let requests = account_then_contact(json!({"AccountId": "@{refAccount.id}"}));
    let (status, body) = answer(
        org.post(
            &org.api("/composite"),
            &json!({"allOrNone": true, "compositeRequest": requests}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 200);
    let results = body["compositeResponse"].as_array().unwrap();
    let halted = json!([{"errorCode": "PROCESSING_HALTED", "message": "The transaction was rolled back since another operation in the same transaction failed."}]);
    assert_eq!(results[0]["httpStatusCode"], 400);
    assert_eq!(results[0]["body"], halted);
    assert_eq!(results[1]["body"][0]["errorCode"], "REQUIRED_FIELD_MISSING");
    assert_eq!(results[2]["body"], halted);
    let found = org
        .query("SELECT Id FROM Account WHERE Name = 'Composite Co'")
        .await;
    assert_eq!(found["totalSize"], 0);
}

#[tokio::test]
async fn without_all_or_none_a_failed_reference_halts_only_its_dependents() {
    let org = Org::start().await;
    let requests = vec![
        json!({"method": "POST", "url": format!("/services/data/{VERSION}/sobjects/Account"), "referenceId": "badAccount", "body": {"Phone": "1"}}),
        json!({"method": "POST", "url": format!("/services/data/{VERSION}/sobjects/Contact"), "referenceId": "orphan", "body": {"LastName": "Orphan", "AccountId": "@{badAccount.id}"}}),
        json!({"method": "GET", "url": format!("/services/data/{VERSION}/query/?q=SELECT+Id+FROM+Account+LIMIT+1"), "referenceId": "someAccounts"}),
    ];
    let (_, body) = answer(
        org.post(
            &org.api("/composite"),
            &json!({"compositeRequest": requests}),
        )
        .await,
    )
    .await;
    let results = body["compositeResponse"].as_array().unwrap();
    assert_eq!(results[0]["httpStatusCode"], 400);
    assert_eq!(
        results[1]["body"],
        json!([{"errorCode": "PROCESSING_HALTED", "message": "Invalid reference specified. No value for badAccount.id found in badAccount"}])
    );
    assert_eq!(results[2]["httpStatusCode"], 200);
    assert_eq!(results[2]["body"]["totalSize"], 1);
}

#[tokio::test]
async fn a_malformed_composite_request_is_refused_whole() {
    let org = Org::start().await;
    let one = json!({"method": "GET", "url": format!("/services/data/{VERSION}/query?q=SELECT+Id+FROM+Account"), "referenceId": "same"});
    let (status, body) = answer(
        org.post(
            &org.api("/composite"),
            &json!({"compositeRequest": [one.clone(), one]}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(body[0]["errorCode"], "INVALID_INPUT");
    let many: Vec<Value> = (0..26)
        .map(|i| json!({"method": "GET", "url": format!("/services/data/{VERSION}/query?q=SELECT+Id+FROM+Account"), "referenceId": format!("r{i}")}))
        .collect();
    let (status, body) = answer(
        org.post(&org.api("/composite"), &json!({"compositeRequest": many}))
            .await,
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(body[0]["errorCode"], "INVALID_INPUT");
    let (status, body) = answer(org.post(&org.api("/composite"), &json!({"nope": 1})).await).await;
    assert_eq!(status, 400);
    assert_eq!(body[0]["errorCode"], "JSON_PARSER_ERROR");
}
