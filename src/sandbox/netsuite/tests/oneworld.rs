//! OneWorld over HTTP: a sales order's subsidiary and currency must be its customer's, default
//! to the customer's primary ones, and customers show their currencies and subsidiaries.

use super::{Api, created_id, error_detail};
use reqwest::Method;
use serde_json::{Value, json};

const GLOBEX: &str = "102";
const INITECH: &str = "104";

fn order(customer: &str, extra: Value) -> Value {
    let mut body = json!({
        "entity": { "id": customer },
        "item": { "items": [{ "item": { "id": "201" }, "quantity": 1 }] },
    });
    if let (Value::Object(body), Value::Object(extra)) = (&mut body, extra) {
        body.extend(extra);
    }
    body
}

async fn assert_invalid(response: reqwest::Response, field: &str, value: &str) {
    assert_eq!(response.status(), 400);
    let detail = error_detail(response).await;
    assert_eq!(
        detail,
        json!({
            "detail": format!("Error while accessing resource: You have entered an Invalid Field Value {value} for the following field: {field}"),
            "o:errorCode": "INVALID_CONTENT",
            "o:errorPath": field,
        })
    );
}

async fn read(api: &Api, path: &str) -> Value {
    api.get(path).await.json().await.unwrap()
}

#[tokio::test]
async fn a_sales_order_in_a_subsidiary_its_customer_is_not_in_is_refused() {
    let api = Api::start().await;
    let refused = order(GLOBEX, json!({ "subsidiary": { "id": "1" } }));
    assert_invalid(
        api.send(Method::POST, "salesOrder", &refused).await,
        "subsidiary",
        "1",
    )
    .await;
    let uk = order(INITECH, json!({ "subsidiary": { "id": "4" } }));
    assert_invalid(
        api.send(Method::PUT, "salesOrder/eid:OPP-UK", &uk).await,
        "subsidiary",
        "4",
    )
    .await;
    assert_eq!(api.get("salesOrder/eid:OPP-UK").await.status(), 404);
}

#[tokio::test]
async fn a_sales_order_in_a_currency_its_customer_may_not_use_is_refused() {
    let api = Api::start().await;
    let dollars = order(GLOBEX, json!({ "currency": { "id": "1" } }));
    assert_invalid(
        api.send(Method::POST, "salesOrder", &dollars).await,
        "currency",
        "1",
    )
    .await;
    let pounds = order(INITECH, json!({ "currency": { "id": "2" } }));
    assert_invalid(
        api.send(Method::PUT, "salesOrder/eid:OPP-GBP", &pounds)
            .await,
        "currency",
        "2",
    )
    .await;
}

#[tokio::test]
async fn a_patch_cannot_move_an_order_out_of_its_customers_subsidiaries_or_currencies() {
    let api = Api::start().await;
    let euros = json!({ "currency": { "id": "4" } });
    assert_invalid(
        api.send(Method::PATCH, "salesOrder/301", &euros).await,
        "currency",
        "4",
    )
    .await;
    let europe = json!({ "subsidiary": { "id": "3" } });
    assert_invalid(
        api.send(Method::PATCH, "salesOrder/301", &europe).await,
        "subsidiary",
        "3",
    )
    .await;
    let same = json!({ "subsidiary": { "id": "1" }, "currency": { "id": "1" }, "memo": "checked" });
    assert_eq!(
        api.send(Method::PATCH, "salesOrder/301", &same)
            .await
            .status(),
        204
    );
    assert_eq!(read(&api, "salesOrder/301").await["memo"], "checked");
}

#[tokio::test]
async fn an_order_without_subsidiary_or_currency_takes_its_customers_primary_ones() {
    let api = Api::start().await;
    let created = api
        .send(Method::POST, "salesOrder", &order(GLOBEX, json!({})))
        .await;
    assert_eq!(created.status(), 204);
    let record = read(&api, &format!("salesOrder/{}", created_id(&created))).await;
    assert_eq!(record["subsidiary"]["id"], "3");
    assert_eq!(record["subsidiary"]["refName"], "Europe GmbH");
    assert_eq!(record["currency"]["id"], "4");
    assert_eq!(record["currency"]["refName"], "Euro");
}

#[tokio::test]
async fn a_multi_subsidiary_customer_may_order_through_any_of_its_subsidiaries() {
    let api = Api::start().await;
    let european = order(
        INITECH,
        json!({ "subsidiary": { "id": "3" }, "currency": { "id": "4" } }),
    );
    let upserted = api
        .send(Method::PUT, "salesOrder/eid:OPP-EU", &european)
        .await;
    assert_eq!(upserted.status(), 204);
    let record = read(&api, "salesOrder/eid:OPP-EU").await;
    assert_eq!(
        (
            record["subsidiary"]["id"].as_str(),
            record["currency"]["id"].as_str()
        ),
        (Some("3"), Some("4"))
    );
    let american = order(INITECH, json!({}));
    let created = api.send(Method::POST, "salesOrder", &american).await;
    let record = read(&api, &format!("salesOrder/{}", created_id(&created))).await;
    assert_eq!(
        (
            record["subsidiary"]["id"].as_str(),
            record["currency"]["id"].as_str()
        ),
        (Some("1"), Some("1"))
    );
}

#[tokio::test]
async fn customers_show_their_currency_list_and_subsidiary_relationships() {
    let api = Api::start().await;
    let initech = read(&api, "customer/104?expandSubResources=true").await;
    let currencies: Vec<&Value> = initech["currencyList"]["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|line| &line["currency"]["refName"])
        .collect();
    assert_eq!(currencies, [&json!("US Dollar"), &json!("Euro")]);
    let page = read(
        &api,
        "customerSubsidiaryRelationship?q=entity%20ANY_OF%20%5B104%5D",
    )
    .await;
    assert_eq!(page["totalResults"], 2);
    let second = read(&api, "customerSubsidiaryRelationship/5").await;
    assert_eq!(second["subsidiary"]["refName"], "Europe GmbH");
    assert_eq!(second["isPrimarySub"], false);
}

#[tokio::test]
async fn a_new_customer_takes_its_subsidiarys_currency_and_gets_a_primary_relationship() {
    let api = Api::start().await;
    let body = json!({ "companyName": "Britco Ltd", "subsidiary": { "id": "4" } });
    let id = created_id(&api.send(Method::POST, "customer", &body).await);
    let customer = read(&api, &format!("customer/{id}?expandSubResources=true")).await;
    assert_eq!(customer["currency"]["refName"], "British Pound");
    assert_eq!(customer["currencyList"]["items"][0]["currency"]["id"], "2");
    let q = format!("customerSubsidiaryRelationship?q=entity%20ANY_OF%20%5B{id}%5D");
    let page = read(&api, &q).await;
    assert_eq!(page["totalResults"], 1);
    let row = read(
        &api,
        &format!(
            "customerSubsidiaryRelationship/{}",
            page["items"][0]["id"].as_str().unwrap()
        ),
    )
    .await;
    assert_eq!(
        (
            row["subsidiary"]["id"].as_str(),
            row["isPrimarySub"].as_bool()
        ),
        (Some("4"), Some(true))
    );
}
