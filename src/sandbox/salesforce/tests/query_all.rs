//! `queryAll`: `query`'s shape, deleted records included with `IsDeleted` true.

use super::{Org, answer};

#[tokio::test]
async fn a_deleted_record_is_entity_is_deleted_and_only_query_all_sees_it() {
    let org = Org::start().await;
    let id = org
        .first_id("SELECT Id FROM Contact ORDER BY LastName")
        .await;
    let (status, _) = answer(
        org.delete(&org.api(&format!("/sobjects/Contact/{id}")))
            .await,
    )
    .await;
    assert_eq!(status, 204);
    let (status, again) = answer(
        org.delete(&org.api(&format!("/sobjects/Contact/{id}")))
            .await,
    )
    .await;
    assert_eq!(status, 404);
    assert_eq!(
        again,
        serde_json::json!([{"message": "entity is deleted", "errorCode": "ENTITY_IS_DELETED", "fields": []}])
    );
    let soql = format!("SELECT Id, IsDeleted FROM Contact WHERE Id = '{id}'");
    assert_eq!(org.query(&soql).await["totalSize"], 0);

    let response = org
        .http
        .get(org.api("/queryAll/"))
        .query(&[("q", soql.as_str())])
        .bearer_auth(&org.token)
        .send()
        .await
        .unwrap();
    let (status, body) = answer(response).await;
    assert_eq!(status, 200);
    assert_eq!(body["totalSize"], 1);
    assert_eq!(body["done"], true);
    assert_eq!(body["records"][0]["IsDeleted"], true);
}

#[tokio::test]
async fn query_all_pages_continue_at_query_all() {
    let org = Org::start().await;
    let response = org
        .http
        .put(org.url("/_sandbox/query-page-size"))
        .json(&serde_json::json!({"size": 1}))
        .send()
        .await
        .unwrap();
    assert!(response.status().is_success());
    let response = org
        .http
        .get(org.api("/queryAll"))
        .query(&[("q", "SELECT Id FROM Contact")])
        .bearer_auth(&org.token)
        .send()
        .await
        .unwrap();
    let (status, body) = answer(response).await;
    assert_eq!(status, 200);
    assert_eq!(body["done"], false);
    let next = body["nextRecordsUrl"].as_str().unwrap();
    assert!(next.contains("/queryAll/01g"), "{next}");
    let (status, more) = answer(org.get(&org.url(next)).await).await;
    assert_eq!(status, 200);
    assert_eq!(more["records"].as_array().unwrap().len(), 1);
}
