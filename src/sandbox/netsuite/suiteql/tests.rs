//! SuiteQL over real HTTP, signed with TBA like any record service call.

use super::super::tests::{Api, assert_invalid_login, error_detail};
use reqwest::Response;
use serde_json::{Value, json};

async fn post(api: &Api, query: &str, params: &str, transient: bool) -> Response {
    let url = format!("{}{}{params}", api.url, super::PATH);
    let mut request = api
        .http
        .post(&url)
        .header("authorization", api.tba.sign("POST", &url))
        .json(&json!({ "q": query }));
    if transient {
        request = request.header("prefer", "transient");
    }
    request.send().await.expect("answers")
}

async fn rows(api: &Api, query: &str) -> Value {
    let response = post(api, query, "", true).await;
    assert_eq!(response.status(), 200, "{query}");
    response.json().await.unwrap()
}

async fn refused(api: &Api, query: &str) -> Value {
    let response = post(api, query, "", true).await;
    assert_eq!(response.status(), 400, "{query}");
    error_detail(response).await
}

fn column(page: &Value, name: &str) -> Vec<Value> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item[name].clone())
        .collect()
}

#[tokio::test]
async fn items_of_every_type_are_one_table_with_netsuites_item_types() {
    let api = Api::start().await;
    let page = rows(
        &api,
        "SELECT id, itemid, itemtype FROM item WHERE itemtype IN ('Service', 'Kit', 'NonInvtPart') ORDER BY itemid",
    )
    .await;
    assert_eq!(
        page["items"],
        json!([
            { "links": [], "id": "204", "itemid": "SKU-103", "itemtype": "Kit" },
            { "links": [], "id": "205", "itemid": "SKU-104", "itemtype": "Service" },
            { "links": [], "id": "206", "itemid": "SKU-105", "itemtype": "NonInvtPart" },
        ])
    );
    assert_eq!(
        (
            &page["count"],
            &page["totalResults"],
            &page["hasMore"],
            &page["offset"]
        ),
        (&json!(3), &json!(3), &json!(false), &json!(0))
    );
    let by_code = rows(&api, "select ID from ITEM where upper(itemid) = 'SKU-104'").await;
    assert_eq!(column(&by_code, "id"), [json!("205")]);
}

#[tokio::test]
async fn conditions_compare_text_exactly_numbers_numerically_and_nulls_never() {
    let api = Api::start().await;
    let euro = rows(
        &api,
        "SELECT * FROM currency WHERE symbol = 'EUR' AND isinactive = 'F'",
    )
    .await;
    assert_eq!(
        euro["items"],
        json!([{ "links": [], "id": "4", "name": "Euro", "symbol": "EUR", "isbasecurrency": "F", "isinactive": "F" }])
    );
    assert_eq!(
        rows(&api, "SELECT id FROM currency WHERE symbol = 'eur'").await["count"],
        0
    );
    let either = rows(&api, "SELECT id FROM customer WHERE id = 102 OR (entityid = 'Initech, Inc.' AND subsidiary = 1) ORDER BY id DESC").await;
    assert_eq!(column(&either, "id"), [json!("104"), json!("102")]);
    let unlinked = rows(&api, "SELECT id FROM customer WHERE externalid IS NULL").await;
    assert_eq!(column(&unlinked, "id"), [json!("102"), json!("103")]);
    let quoted = rows(
        &api,
        "SELECT id FROM customer WHERE companyname = 'O''Brien'",
    )
    .await;
    assert_eq!(quoted["count"], 0);
    let secondary = rows(&api, "SELECT subsidiary FROM customersubsidiaryrelationship WHERE entity = 104 AND isprimarysub = 'F'").await;
    assert_eq!(column(&secondary, "subsidiary"), [json!("3")]);
    let europe = rows(&api, "SELECT name, currency FROM subsidiary WHERE id = 3").await;
    assert_eq!(
        europe["items"],
        json!([{ "links": [], "name": "Europe GmbH", "currency": "4" }])
    );
}

#[tokio::test]
async fn null_values_are_left_out_of_a_row() {
    let api = Api::start().await;
    let jane = rows(
        &api,
        "SELECT id, companyname, email FROM customer WHERE id = 103",
    )
    .await;
    assert_eq!(
        jane["items"],
        json!([{ "links": [], "id": "103", "email": "jane.doe@example.com" }])
    );
}

#[tokio::test]
async fn pages_follow_limit_and_offset() {
    let api = Api::start().await;
    let response = post(
        &api,
        "SELECT id FROM item ORDER BY id",
        "?limit=2&offset=2",
        true,
    )
    .await;
    let page: Value = response.json().await.unwrap();
    assert_eq!(column(&page, "id"), [json!("203"), json!("204")]);
    assert_eq!(
        (&page["hasMore"], &page["totalResults"]),
        (&json!(true), &json!(6))
    );
    assert_eq!(page["links"][0]["rel"], "next");
    for params in ["?limit=1001", "?limit=0", "?limit=2&offset=3", "?limit=x"] {
        let response = post(&api, "SELECT id FROM item", params, true).await;
        assert_eq!(response.status(), 400, "{params}");
        assert_eq!(
            error_detail(response).await["o:errorCode"],
            "INVALID_PARAMETER"
        );
    }
}

#[tokio::test]
async fn unknown_tables_and_columns_and_bad_syntax_are_invalid_queries() {
    let api = Api::start().await;
    let table = refused(&api, "SELECT id FROM widget").await;
    assert_eq!(
        table,
        json!({
            "detail": "Invalid search query. Detailed unprocessed description follows. Search error occurred: Record 'widget' was not found.",
            "o:errorCode": "INVALID_PARAMETER",
        })
    );
    let column = refused(&api, "SELECT id FROM item WHERE balance = 1").await;
    assert_eq!(
        column["detail"],
        "Invalid search query. Detailed unprocessed description follows. Search error occurred: Unknown identifier 'balance'."
    );
    assert_eq!(
        refused(&api, "SELECT customer.id FROM item").await["o:errorCode"],
        "INVALID_PARAMETER"
    );
    let syntax = refused(&api, "SELECT id FROM item WHERE").await;
    assert!(
        syntax["detail"]
            .as_str()
            .unwrap()
            .starts_with("Invalid search query. Detailed unprocessed description follows. Failed to parse SQL [SELECT id FROM item WHERE]"),
        "{syntax}"
    );
}

#[tokio::test]
async fn a_query_needs_prefer_transient_and_a_valid_login() {
    let api = Api::start().await;
    let response = post(&api, "SELECT id FROM item", "", false).await;
    assert_eq!(response.status(), 400);
    assert_eq!(
        error_detail(response).await["o:errorCode"],
        "INVALID_HEADER"
    );
    let unsigned = api
        .http
        .post(format!("{}{}", api.url, super::PATH))
        .header("prefer", "transient")
        .json(&json!({ "q": "SELECT id FROM item" }))
        .send()
        .await
        .unwrap();
    assert_invalid_login(unsigned).await;
}

#[tokio::test]
async fn records_changed_since_a_time_are_found_by_their_last_modified_date() {
    let api = Api::start().await;
    let before = chrono::Utc::now() - chrono::Duration::seconds(2);
    let bound = |time: chrono::DateTime<chrono::Utc>| {
        format!(
            "TO_TIMESTAMP('{}', 'YYYY-MM-DD HH24:MI:SS')",
            time.format("%Y-%m-%d %H:%M:%S")
        )
    };
    // Every seeded customer was saved at start, after `before`.
    let all = rows(
        &api,
        &format!(
            "SELECT id FROM customer WHERE lastmodifieddate >= {}",
            bound(before)
        ),
    )
    .await;
    assert!(all["count"].as_u64().unwrap() >= 4, "{all}");
    let later = chrono::Utc::now() + chrono::Duration::seconds(2);
    let none = rows(
        &api,
        &format!(
            "SELECT id FROM customer WHERE lastmodifieddate > {}",
            bound(later)
        ),
    )
    .await;
    assert_eq!(none["count"], 0, "{none}");
    let edited = api
        .send(
            reqwest::Method::PATCH,
            "customer/102",
            &json!({ "creditLimit": 1234 }),
        )
        .await;
    assert_eq!(edited.status(), 204);
    let shown = rows(
        &api,
        &format!(
            "SELECT id, lastmodifieddate FROM customer WHERE lastmodifieddate >= {} AND id = 102",
            bound(chrono::Utc::now() - chrono::Duration::seconds(1))
        ),
    )
    .await;
    let today = chrono::Utc::now().format("%-m/%-d/%Y").to_string();
    assert_eq!(column(&shown, "lastmodifieddate"), vec![json!(today)]);
    let detail = refused(
        &api,
        "SELECT id FROM customer WHERE lastmodifieddate >= TO_TIMESTAMP('2026-12-01', 'YYYY-MM-DD')",
    )
    .await;
    assert!(
        detail.to_string().contains("YYYY-MM-DD HH24:MI:SS"),
        "{detail}"
    );
}
