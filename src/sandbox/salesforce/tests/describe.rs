//! Describe, limits and the declared custom fields: what an org has, and what it refuses.

use super::{Org, VERSION, answer};
use crate::sandbox::{FieldChanges, SandboxConfig};
use serde_json::{Value, json};

fn field<'a>(describe: &'a Value, name: &str) -> &'a Value {
    describe["fields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|field| field["name"] == name)
        .unwrap_or_else(|| panic!("{name} in the describe"))
}

#[tokio::test]
async fn an_object_describe_lists_standard_and_custom_fields_with_their_properties() {
    let org = Org::start().await;
    let (status, describe) = answer(org.get(&org.api("/sobjects/account/describe")).await).await;
    assert_eq!(status, 200);
    assert_eq!(describe["name"], "Account");
    assert_eq!(describe["keyPrefix"], "001");
    let name = field(&describe, "Name");
    assert_eq!(
        (&name["type"], &name["nillable"], &name["custom"]),
        (&json!("string"), &json!(false), &json!(false))
    );
    let id = field(&describe, "Id");
    assert_eq!(
        (&id["createable"], &id["idLookup"]),
        (&json!(false), &json!(true))
    );
    let link = field(&describe, "NetSuite_Id__c");
    assert_eq!(
        [
            &link["custom"],
            &link["externalId"],
            &link["unique"],
            &link["createable"],
            &link["updateable"]
        ],
        [&json!(true); 5]
    );
    let parent = field(&describe, "ParentId");
    assert_eq!(parent["referenceTo"], json!(["Account"]));
    let credit = field(&describe, "Credit_Limit__c");
    assert_eq!(
        (&credit["type"], &credit["externalId"]),
        (&json!("currency"), &json!(false))
    );
    let (_, opportunity) = answer(org.get(&org.api("/sobjects/Opportunity/describe")).await).await;
    let status = field(&opportunity, "Payment_Status__c");
    assert_eq!(status["type"], "picklist");
    assert_eq!(status["picklistValues"][1]["value"], "Paid");
}

#[tokio::test]
async fn an_unknown_object_has_no_describe() {
    let org = Org::start().await;
    let (status, body) = answer(org.get(&org.api("/sobjects/Invoice__c/describe")).await).await;
    assert_eq!(status, 404);
    assert_eq!(
        body,
        json!([{ "errorCode": "NOT_FOUND", "message": "The requested resource does not exist" }])
    );
}

#[tokio::test]
async fn the_global_describe_lists_every_object_with_its_urls() {
    let org = Org::start().await;
    let (status, body) = answer(org.get(&org.api("/sobjects")).await).await;
    assert_eq!(status, 200);
    let names: Vec<&str> = body["sobjects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|object| object["name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"Product2") && names.contains(&"OpportunityLineItem"));
    assert_eq!(
        body["sobjects"][0]["urls"]["describe"],
        format!("/services/data/{VERSION}/sobjects/Account/describe")
    );
}

#[tokio::test]
async fn limits_count_down_the_daily_api_requests() {
    let org = Org::start().await;
    let (status, first) = answer(org.get(&org.api("/limits")).await).await;
    assert_eq!(status, 200);
    let (_, second) = answer(org.get(&org.api("/limits")).await).await;
    let max = first["DailyApiRequests"]["Max"].as_u64().unwrap();
    let remaining = first["DailyApiRequests"]["Remaining"].as_u64().unwrap();
    assert_eq!(max, 15_000);
    assert!(remaining < max);
    assert_eq!(
        second["DailyApiRequests"]["Remaining"].as_u64().unwrap(),
        remaining - 1
    );
}

#[tokio::test]
async fn a_write_or_query_naming_an_undeclared_custom_field_is_refused() {
    let org = Org::start().await;
    let body = json!({ "Name": "Acme", "Legacy_Key__c": "L-1" });
    let (status, error) = answer(org.post(&org.api("/sobjects/Account"), &body).await).await;
    assert_eq!(status, 400);
    assert_eq!(
        error,
        json!([{ "errorCode": "INVALID_FIELD", "message": "No such column 'Legacy_Key__c' on sobject of type Account" }])
    );
    let response = org
        .http
        .get(org.api("/query"))
        .query(&[("q", "SELECT Id, Legacy_Key__c FROM Account")])
        .bearer_auth(&org.token)
        .send()
        .await
        .unwrap();
    let (status, error) = answer(response).await;
    assert_eq!(status, 400);
    assert_eq!(error[0]["errorCode"], "INVALID_FIELD");
    let upsert = org
        .patch(
            &org.api("/sobjects/Account/Legacy_Key__c/L-1"),
            &json!({ "Name": "Acme" }),
        )
        .await;
    assert_eq!(upsert.status(), 404, "an upsert key the object lacks");
    let declared = json!({ "Name": "Acme", "NetSuite_Id__c": "107" });
    assert_eq!(
        org.post(&org.api("/sobjects/Account"), &declared)
            .await
            .status(),
        201
    );
}

#[tokio::test]
async fn a_field_left_out_is_gone_from_the_describe_and_refused() {
    let org = Org::start_with(SandboxConfig {
        fields: FieldChanges {
            without: vec!["salesforce:Account.NetSuite_Id__c".parse().unwrap()],
            extra: Vec::new(),
        },
        ..SandboxConfig::default()
    })
    .await;
    let (_, describe) = answer(org.get(&org.api("/sobjects/Account/describe")).await).await;
    let names: Vec<&str> = describe["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    assert!(!names.contains(&"NetSuite_Id__c"));
    assert!(names.contains(&"Tandem_Sync_Origin__c"));
    let body = json!({ "Name": "Acme", "NetSuite_Id__c": "107" });
    let (status, error) = answer(org.post(&org.api("/sobjects/Account"), &body).await).await;
    assert_eq!(
        (status, &error[0]["errorCode"]),
        (400, &json!("INVALID_FIELD"))
    );
    let contact = field(
        &answer(org.get(&org.api("/sobjects/Contact/describe")).await)
            .await
            .1,
        "NetSuite_Id__c",
    )
    .clone();
    assert_eq!(
        contact["externalId"], true,
        "only Account's field is left out"
    );
}
