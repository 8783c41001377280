//! The record service's wire behaviour: create, upsert, read, patch with sublists, validation.

use super::{Api, created_id, error_detail};
use crate::sandbox::seed_links::ACME_ACCOUNT_ID;
use reqwest::Method;
use serde_json::{Value, json};

fn new_customer(name: &str) -> Value {
    json!({ "companyName": name, "subsidiary": { "id": "1" } })
}

#[tokio::test]
async fn a_create_answers_204_with_the_new_id_only_in_location() {
    let api = Api::start().await;
    let response = api
        .send(Method::POST, "customer", &new_customer("Initech"))
        .await;
    assert_eq!(response.status(), 204);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    assert_eq!(
        location,
        format!("{}/services/rest/record/v1/customer/1000", api.url)
    );
    assert!(response.bytes().await.unwrap().is_empty());
    let second = api
        .send(Method::POST, "customer", &new_customer("Umbrella"))
        .await;
    assert_eq!(created_id(&second), "1001");
}

#[tokio::test]
async fn a_second_create_with_the_same_external_id_is_a_duplicate() {
    let api = Api::start().await;
    let body = json!({ "externalId": "001Sbx000000009AAA", "companyName": "Initech", "subsidiary": { "id": "1" } });
    assert_eq!(
        api.send(Method::POST, "customer", &body).await.status(),
        204
    );
    let again = api.send(Method::POST, "customer", &body).await;
    assert_eq!(again.status(), 400);
    assert_eq!(error_detail(again).await["o:errorCode"], "DUP_RCRD");
}

#[tokio::test]
async fn upserting_an_external_id_twice_leaves_one_record_readable_by_it() {
    let api = Api::start().await;
    let first = api
        .send(Method::PUT, "customer/eid:CID002", &new_customer("Hooli"))
        .await;
    assert_eq!(first.status(), 204);
    let id = created_id(&first);
    let second = api
        .send(
            Method::PUT,
            "customer/eid:CID002",
            &json!({ "email": "it@hooli.example" }),
        )
        .await;
    assert_eq!(second.status(), 204);
    assert_eq!(created_id(&second), id);
    let record: Value = api.get("customer/eid:CID002").await.json().await.unwrap();
    assert_eq!(record["id"], id.as_str());
    assert_eq!(record["externalId"], "CID002");
    assert_eq!(
        (record["companyName"].as_str(), record["email"].as_str()),
        (Some("Hooli"), Some("it@hooli.example"))
    );
    assert_eq!(
        record["links"][0]["href"],
        api.record_url(&format!("customer/{id}"))
    );
    let hoolis = api.sandbox_get("/_sandbox/records/customer").await;
    let count = hoolis
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["externalId"] == "CID002")
        .count();
    assert_eq!(count, 1);
}

#[tokio::test]
async fn put_on_an_internal_id_is_refused() {
    let api = Api::start().await;
    let response = api
        .send(Method::PUT, "customer/101", &new_customer("Acme"))
        .await;
    assert_eq!(response.status(), 400);
    let detail = error_detail(response).await;
    assert_eq!(detail["o:errorCode"], "USER_ERROR");
    assert!(detail["detail"].as_str().unwrap().contains("eid:"));
}

#[tokio::test]
async fn reads_show_last_modified_and_only_the_fields_asked_for() {
    let api = Api::start().await;
    let record: Value = api
        .get("customer/101?fields=companyName,email")
        .await
        .json()
        .await
        .unwrap();
    let mut keys: Vec<&str> = record
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort();
    assert_eq!(keys, ["companyName", "email", "id", "links"]);
    let full: Value = api.get("customer/101").await.json().await.unwrap();
    let modified = full["lastModifiedDate"].as_str().unwrap();
    assert!(
        chrono::DateTime::parse_from_rfc3339(modified).is_ok() && modified.len() == 24,
        "{modified}"
    );
    assert_eq!(full["subsidiary"]["refName"], "Parent Company");
}

#[tokio::test]
async fn unknown_ids_and_types_are_not_found() {
    let api = Api::start().await;
    let missing = api.get("customer/999999").await;
    assert_eq!(missing.status(), 404);
    assert_eq!(error_detail(missing).await["o:errorCode"], "NONEXISTENT_ID");
    let missing_eid = api.get("customer/eid:nobody").await;
    assert_eq!(missing_eid.status(), 404);
    let wrong_case = api.get("salesorder/301").await;
    assert_eq!(wrong_case.status(), 404);
    assert!(
        error_detail(wrong_case).await["detail"]
            .as_str()
            .unwrap()
            .contains("'salesorder'")
    );
}

#[tokio::test]
async fn an_invalid_item_is_invalid_content_at_its_path() {
    let api = Api::start().await;
    let order = json!({ "entity": { "id": 101 }, "item": { "items": [{ "item": { "id": 9999 }, "amount": 1 }] } });
    let response = api.send(Method::POST, "salesOrder", &order).await;
    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.unwrap();
    let documented: Value = serde_json::from_str(include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/netsuite-rest-error-400-invalid-content.json"
    )))
    .unwrap();
    assert_eq!(body, documented);
}

#[tokio::test]
async fn a_sales_order_for_an_unknown_customer_is_invalid_content_at_entity() {
    let api = Api::start().await;
    let order =
        json!({ "entity": { "id": "4242" }, "item": { "items": [{ "item": { "id": "201" } }] } });
    let detail = error_detail(api.send(Method::POST, "salesOrder", &order).await).await;
    assert_eq!(
        (
            detail["o:errorCode"].as_str(),
            detail["o:errorPath"].as_str()
        ),
        (Some("INVALID_CONTENT"), Some("entity"))
    );
}

#[tokio::test]
async fn a_customer_without_company_name_or_subsidiary_is_a_user_error_naming_them() {
    let api = Api::start().await;
    let response = api
        .send(
            Method::POST,
            "customer",
            &json!({ "email": "x@example.com" }),
        )
        .await;
    assert_eq!(response.status(), 400);
    let detail = error_detail(response).await;
    assert_eq!(detail["o:errorCode"], "USER_ERROR");
    assert_eq!(
        detail["detail"],
        "Error while accessing resource: Please enter value(s) for: Company Name, Subsidiary"
    );
    let person = json!({ "isPerson": true, "firstName": "Ada", "lastName": "Lovelace", "subsidiary": { "id": "3" } });
    assert_eq!(
        api.send(Method::POST, "customer", &person).await.status(),
        204
    );
}

#[tokio::test]
async fn sales_order_totals_come_from_the_lines_and_defaults_from_the_customer() {
    let api = Api::start().await;
    let order = json!({
        "externalId": "006Sbx000000002AAA",
        "entity": { "externalId": ACME_ACCOUNT_ID },
        "taxTotal": 19.5,
        "item": { "items": [
            { "item": { "id": "201" }, "quantity": 3, "rate": 99.5 },
            { "item": { "id": "202" }, "quantity": 2 },
            { "item": { "id": "204" }, "amount": 10 },
        ] },
    });
    let id = created_id(&api.send(Method::POST, "salesOrder", &order).await);
    let record: Value = api
        .get(&format!("salesOrder/{id}?expandSubResources=true"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(record["subtotal"], 398.5);
    assert_eq!(record["total"], 418.0);
    assert_eq!(record["taxTotal"], 19.5);
    assert_eq!(record["entity"]["id"], "101");
    assert_eq!(record["currency"]["refName"], "US Dollar");
    assert_eq!(record["tranId"], format!("SO{id}"));
    let amounts: Vec<&Value> = record["item"]["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|line| &line["amount"])
        .collect();
    assert_eq!(amounts, [&json!(298.5), &json!(90.0), &json!(10.0)]);
}

#[tokio::test]
async fn patch_merges_lines_by_default_and_replace_item_replaces_them() {
    let api = Api::start().await;
    let merged = json!({ "item": { "items": [
        { "line": 1, "quantity": 12 },
        { "item": { "id": "203" }, "quantity": 1, "rate": 40 },
    ] } });
    assert_eq!(
        api.send(Method::PATCH, "salesOrder/301", &merged)
            .await
            .status(),
        204
    );
    let lines: Value = api.get("salesOrder/301/item").await.json().await.unwrap();
    let summary: Vec<(Value, Value)> = lines["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|line| (line["item"]["id"].clone(), line["quantity"].clone()))
        .collect();
    assert_eq!(
        summary,
        [
            (json!("201"), json!(12)),
            (json!("202"), json!(2)),
            (json!("203"), json!(1))
        ]
    );
    let order: Value = api
        .get("salesOrder/301?fields=total")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(order["total"], 1740.0);

    let replaced = json!({ "item": { "items": [{ "item": { "id": "205" }, "quantity": 1 }] } });
    assert_eq!(
        api.send(Method::PATCH, "salesOrder/301?replace=item", &replaced)
            .await
            .status(),
        204
    );
    let record: Value = api
        .get("salesOrder/301?expandSubResources=true")
        .await
        .json()
        .await
        .unwrap();
    let lines = record["item"]["items"].as_array().unwrap();
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0]["item"]["refName"], "SKU-104");
    assert_eq!(
        lines[0]["item"]["links"][0]["href"],
        api.record_url("serviceSaleItem/205")
    );
    assert_eq!(record["total"], 120.0);
}

#[tokio::test]
async fn sublists_are_links_unless_expanded() {
    let api = Api::start().await;
    let record: Value = api.get("salesOrder/301").await.json().await.unwrap();
    assert_eq!(
        record["item"],
        json!({ "links": [{ "rel": "self", "href": api.record_url("salesOrder/301/item") }] })
    );
}

#[tokio::test]
async fn a_patch_to_a_missing_line_is_invalid_content() {
    let api = Api::start().await;
    let patch = json!({ "item": { "items": [{ "line": 77, "quantity": 1 }] } });
    let detail = error_detail(api.send(Method::PATCH, "salesOrder/301", &patch).await).await;
    assert_eq!(detail["o:errorPath"], "item.items[0].line");
}

#[tokio::test]
async fn a_customer_with_transactions_cannot_be_deleted_but_a_new_one_can() {
    let api = Api::start().await;
    let refused = api
        .signed(Method::DELETE, "customer/101")
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 400);
    let id = created_id(
        &api.send(Method::POST, "customer", &new_customer("Short-lived"))
            .await,
    );
    let deleted = api
        .signed(Method::DELETE, &format!("customer/{id}"))
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), 204);
    assert_eq!(api.get(&format!("customer/{id}")).await.status(), 404);
}

#[tokio::test]
async fn collections_list_links_to_every_record() {
    let api = Api::start().await;
    let page: Value = api
        .get("inventoryItem?limit=1&offset=1")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (page["count"].as_u64(), page["totalResults"].as_u64()),
        (Some(1), Some(3))
    );
    assert_eq!(page["hasMore"], true);
    assert_eq!(page["items"][0]["id"], "202");
}

#[tokio::test]
async fn a_body_that_is_not_a_json_object_is_invalid_content() {
    let api = Api::start().await;
    let response = api
        .signed(Method::POST, "customer")
        .body("not json")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    assert_eq!(
        error_detail(response).await["o:errorCode"],
        "INVALID_CONTENT"
    );
}
