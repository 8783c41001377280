//! Echo events: every change is posted to tandem as the shipped SuiteScript would post it,
//! signed the Standard Webhooks way; a person's edit and tandem's own are told apart.

use super::Api;
use crate::ingress::standard_webhooks::{SigningKey, Verifier, WebhookHeaders};
use crate::sandbox::{EchoConfig, SandboxConfig, SandboxCredentials};
use axum::Router;
use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use reqwest::Method;
use serde_json::{Value, json};
use std::time::Duration;
use tokio::sync::mpsc;

/// A stand-in for tandem's `/webhooks/netsuite/events`: verifies, then hands the event over.
async fn tandem() -> (String, mpsc::UnboundedReceiver<Value>) {
    let (events, received) = mpsc::unbounded_channel();
    let key = SigningKey::parse(&SandboxCredentials::default().netsuite_webhook_secret).unwrap();
    let verifier = Verifier::new(vec![key]);
    let app = Router::new().route(
        "/webhooks/netsuite/events",
        post(move |headers: HeaderMap, body: Bytes| async move {
            let header = |name: &str| headers.get(name).and_then(|value| value.to_str().ok());
            let signed = WebhookHeaders {
                id: header("webhook-id"),
                timestamp: header("webhook-timestamp"),
                signature: header("webhook-signature"),
            };
            if verifier
                .verify(signed, &body, chrono::Utc::now().timestamp())
                .is_err()
            {
                return StatusCode::UNAUTHORIZED;
            }
            let _ = events.send(serde_json::from_slice(&body).unwrap());
            StatusCode::ACCEPTED
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!(
        "http://{}/webhooks/netsuite/events",
        listener.local_addr().unwrap()
    );
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, received)
}

async fn start_with_tandem() -> (Api, mpsc::UnboundedReceiver<Value>) {
    let (url, received) = tandem().await;
    let echo = EchoConfig {
        netsuite_events_url: Some(url),
        ..EchoConfig::default()
    };
    (
        Api::start_with(SandboxConfig {
            echo,
            ..SandboxConfig::default()
        })
        .await,
        received,
    )
}

async fn next(received: &mut mpsc::UnboundedReceiver<Value>) -> Value {
    tokio::time::timeout(Duration::from_secs(10), received.recv())
        .await
        .expect("an echo arrives in time")
        .expect("the echo channel is open")
}

#[tokio::test]
async fn tandems_write_echoes_as_web_services_with_its_origin() {
    let (api, mut received) = start_with_tandem().await;
    let customer = json!({
        "companyName": "Initech",
        "subsidiary": { "id": "1" },
        "custentity_tandem_origin": "evt_123",
    });
    let response = api.send(Method::POST, "customer", &customer).await;
    assert_eq!(response.status(), 204);
    let event = next(&mut received).await;
    assert_eq!(event["object"], "customer");
    assert_eq!(event["record_id"], super::created_id(&response));
    assert_eq!(event["change"], "created");
    assert_eq!(event["execution_context"], "webservices");
    assert_eq!(
        event["role"],
        SandboxCredentials::default().netsuite_integration_role
    );
    assert_eq!(event["modified_by"], "-5");
    assert_eq!(event["origin"], "evt_123");
    assert_eq!(event["fields"]["companyname"], "Initech");
    assert_eq!(event["fields"]["subsidiary"], "1");
}

#[tokio::test]
async fn a_human_edit_echoes_from_the_user_interface_and_clears_the_origin() {
    let (api, mut received) = start_with_tandem().await;
    let stamped = json!({ "phone": "+1 415 555 0101", "custentity_tandem_origin": "evt_7" });
    assert_eq!(
        api.send(Method::PATCH, "customer/101", &stamped)
            .await
            .status(),
        204
    );
    let tandems = next(&mut received).await;
    assert_eq!(tandems["origin"], "evt_7");

    let edit = api
        .http
        .patch(format!("{}/_sandbox/records/customer/101", api.url))
        .json(&json!({ "creditLimit": 75000 }))
        .send()
        .await
        .unwrap();
    assert_eq!(edit.status(), 200);
    let record: Value = edit.json().await.unwrap();
    assert_eq!(record["creditLimit"], 75000);
    assert!(record.get("custentity_tandem_origin").is_none());

    let human = next(&mut received).await;
    assert_eq!(human["object"], "customer");
    assert_eq!(human["record_id"], "101");
    assert_eq!(human["change"], "updated");
    assert_eq!(human["execution_context"], "userinterface");
    assert_eq!(human["role"], "3");
    assert_eq!(human["modified_by"], "42");
    assert_eq!(human["origin"], Value::Null);
    assert_eq!(human["fields"]["creditlimit"], 75000);
    assert!(human["version"].as_str() > tandems["version"].as_str());
    assert_eq!(human["version"], record["lastModifiedDate"]);
}

#[tokio::test]
async fn a_payment_entered_by_a_person_updates_and_echoes_the_invoice() {
    let (api, mut received) = start_with_tandem().await;
    let payment = json!({
        "customer": { "id": "101" },
        "apply": { "items": [{ "doc": { "id": "402" }, "apply": true, "amount": 300.0 }] },
    });
    let created = api
        .http
        .post(format!("{}/_sandbox/records/customerPayment", api.url))
        .json(&payment)
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    let payment_event = next(&mut received).await;
    assert_eq!(
        (
            payment_event["object"].as_str(),
            payment_event["change"].as_str()
        ),
        (Some("customerpayment"), Some("created"))
    );
    let invoice_event = next(&mut received).await;
    assert_eq!(invoice_event["object"], "invoice");
    assert_eq!(invoice_event["record_id"], "402");
    assert_eq!(invoice_event["fields"]["status"], "Paid In Full");
    assert_eq!(invoice_event["fields"]["amountremaining"], 0.0);
    assert_eq!(invoice_event["execution_context"], "userinterface");
}

#[tokio::test]
async fn item_events_name_the_suitescript_item_type_and_stock_items_carry_quantity_available() {
    let (api, mut received) = start_with_tandem().await;
    let stock = json!({ "quantityAvailable": 90 });
    assert_eq!(
        api.send(Method::PATCH, "inventoryItem/201", &stock)
            .await
            .status(),
        204
    );
    let event = next(&mut received).await;
    assert_eq!(
        (&event["object"], &event["record_id"]),
        (&json!("inventoryitem"), &json!("201"))
    );
    assert_eq!(event["fields"]["quantityavailable"], 90);
    let new_item = json!({ "itemId": "SKU-900", "displayName": "Bracket" });
    assert_eq!(
        api.send(Method::POST, "inventoryItem", &new_item)
            .await
            .status(),
        204
    );
    let created = next(&mut received).await;
    assert_eq!(created["fields"]["quantityavailable"], 0);
    let service = json!({ "displayName": "Installation Service (2 hours)" });
    assert_eq!(
        api.send(Method::PATCH, "serviceSaleItem/205", &service)
            .await
            .status(),
        204
    );
    let event = next(&mut received).await;
    assert_eq!(event["object"], "serviceitem");
    assert_eq!(event["fields"]["itemid"], "SKU-104");
}
