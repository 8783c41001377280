//! The metadata catalog and the account's custom fields: what the account describes, and the
//! writes it refuses.

use super::{Api, error_detail};
use crate::sandbox::{FieldChanges, SandboxConfig};
use reqwest::Method;
use serde_json::{Value, json};

async fn schema(api: &Api, record_type: &str) -> Value {
    let response = api
        .signed(Method::GET, &format!("metadata-catalog/{record_type}"))
        .header("accept", "application/schema+json")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"],
        "application/schema+json"
    );
    response.json().await.unwrap()
}

#[tokio::test]
async fn the_catalog_lists_record_types_with_links_to_their_metadata() {
    let api = Api::start().await;
    let response = api.get("metadata-catalog").await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    let names: Vec<&str> = body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"customer") && names.contains(&"salesorder"));
    let links = &body["items"][0]["links"];
    assert!(
        links
            .as_array()
            .unwrap()
            .iter()
            .any(|link| link["mediaType"] == "application/schema+json"),
        "{links}"
    );
    let selected: Value = api
        .get("metadata-catalog?select=customer,salesorder")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(selected["items"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn a_record_type_schema_shows_standard_and_custom_fields() {
    let api = Api::start().await;
    let customer = schema(&api, "customer").await;
    assert_eq!(customer["type"], "object");
    let properties = &customer["properties"];
    assert_eq!(properties["companyName"]["type"], "string");
    assert!(properties["companyName"].get("x-ns-custom-field").is_none());
    assert_eq!(
        properties["custentity_sf_account_id"],
        json!({ "title": "Salesforce Account Id", "type": "string", "nullable": true, "x-ns-custom-field": true })
    );
    assert_eq!(properties["custentity_arr"]["format"], "double");
    let order = schema(&api, "salesOrder").await;
    assert_eq!(
        order["properties"]["custbody_discount_approved"]["type"],
        "boolean"
    );
    assert!(order["properties"]["item"]["properties"]["items"].is_object());
    let swagger = api
        .signed(Method::GET, "metadata-catalog/customer")
        .header("accept", "application/swagger+json")
        .send()
        .await
        .unwrap();
    let document: Value = swagger.json().await.unwrap();
    assert!(document["components"]["schemas"]["customer"]["properties"].is_object());
    let unknown = api.get("metadata-catalog/invoiceline").await;
    assert_eq!(unknown.status(), 404);
}

#[tokio::test]
async fn the_catalog_with_swagger_accept_answers_the_openapi_document_of_the_selected_types() {
    let api = Api::start().await;
    let swagger = api
        .signed(Method::GET, "metadata-catalog?select=customer,salesorder")
        .header("accept", "application/swagger+json")
        .send()
        .await
        .unwrap();
    assert_eq!(swagger.status(), 200);
    assert_eq!(
        swagger.headers()["content-type"],
        "application/swagger+json"
    );
    let document: Value = swagger.json().await.unwrap();
    assert_eq!(document["openapi"], "3.0.1");
    let paths = document["paths"].as_object().unwrap();
    assert!(paths.contains_key("/customer") && paths.contains_key("/salesorder/{id}"));
    assert!(!paths.contains_key("/invoice"), "only the selected types");
    let schemas = document["components"]["schemas"].as_object().unwrap();
    assert_eq!(schemas.len(), 2);
    assert_eq!(
        schemas["customer"]["properties"]["custentity_sf_account_id"]["x-ns-custom-field"],
        true
    );
}

#[tokio::test]
async fn the_catalog_needs_a_signed_request() {
    let api = Api::start().await;
    let unsigned = api
        .http
        .get(api.record_url("metadata-catalog"))
        .send()
        .await
        .unwrap();
    super::assert_invalid_login(unsigned).await;
}

#[tokio::test]
async fn a_write_naming_an_undeclared_custom_field_is_refused_and_saves_nothing() {
    let api = Api::start().await;
    let body = json!({
        "companyName": "Legacy Co",
        "subsidiary": { "id": "1" },
        "custentity_legacy_code": "L-1",
    });
    let response = api.send(Method::POST, "customer", &body).await;
    assert_eq!(response.status(), 400);
    let detail = error_detail(response).await;
    assert_eq!(detail["o:errorCode"], "INVALID_CONTENT");
    assert_eq!(detail["o:errorPath"], "custentity_legacy_code");
    assert_eq!(
        detail["detail"],
        "Error while accessing resource: Invalid field custentity_legacy_code: the customer record has no such field. Create the custom field or remove it from the request."
    );
    let saved = api.sandbox.netsuite.records_of("customer");
    assert!(
        saved
            .iter()
            .all(|customer| customer["companyName"] != "Legacy Co")
    );
    let upsert = api.send(Method::PUT, "customer/eid:LEGACY-1", &body).await;
    assert_eq!(upsert.status(), 400);
    let declared = json!({
        "companyName": "Declared Co",
        "subsidiary": { "id": "1" },
        "custentity_sf_account_id": "0015e0000000009AAA",
    });
    assert_eq!(
        api.send(Method::POST, "customer", &declared).await.status(),
        204
    );
}

#[tokio::test]
async fn a_field_left_out_is_gone_from_the_schema_the_seed_and_the_writes() {
    let api = Api::start_with(SandboxConfig {
        fields: FieldChanges {
            without: vec![
                "netsuite:customer.custentity_sf_account_id"
                    .parse()
                    .unwrap(),
            ],
            extra: Vec::new(),
        },
        ..SandboxConfig::default()
    })
    .await;
    let customer = schema(&api, "customer").await;
    assert!(
        customer["properties"]
            .get("custentity_sf_account_id")
            .is_none()
    );
    assert!(
        customer["properties"]
            .get("custentity_tandem_origin")
            .is_some()
    );
    let seeded = api.sandbox.netsuite.records_of("customer");
    assert!(!seeded.is_empty());
    assert!(
        seeded
            .iter()
            .all(|c| c.get("custentity_sf_account_id").is_none())
    );
    let body = json!({ "custentity_sf_account_id": "0015e0000000001AAA" });
    let response = api.send(Method::PATCH, "customer/101", &body).await;
    assert_eq!(response.status(), 400);
}
