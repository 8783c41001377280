//! Record changes reach tandem as Outbound Messages.

use super::Org;
use crate::ingress::outbound_message;
use crate::sandbox::{EchoConfig, SandboxConfig};
use axum::body::Bytes;
use axum::routing::post;
use serde_json::{Value, json};
use std::time::Duration;
use tokio::sync::mpsc;

/// A stand-in for tandem's outbound-message endpoint; each body received goes to the channel.
async fn tandem() -> (String, mpsc::UnboundedReceiver<Bytes>) {
    let (sender, receiver) = mpsc::unbounded_channel();
    let app = axum::Router::new().route(
        "/webhooks/salesforce/outbound-message",
        post(move |body: Bytes| {
            let sender = sender.clone();
            async move {
                let _ = sender.send(body);
                r#"<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><notificationsResponse xmlns="http://soap.sforce.com/2005/09/outbound"><Ack>true</Ack></notificationsResponse></soapenv:Body></soapenv:Envelope>"#
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!(
        "http://{}/webhooks/salesforce/outbound-message",
        listener.local_addr().unwrap()
    );
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, receiver)
}

async fn org_echoing_to_tandem() -> (Org, mpsc::UnboundedReceiver<Bytes>) {
    let (url, receiver) = tandem().await;
    let config = SandboxConfig {
        echo: EchoConfig {
            salesforce_outbound_url: Some(url),
            ..Default::default()
        },
        ..Default::default()
    };
    (Org::start_with(config).await, receiver)
}

async fn next_message(
    receiver: &mut mpsc::UnboundedReceiver<Bytes>,
) -> outbound_message::OutboundMessage {
    let body = tokio::time::timeout(Duration::from_secs(10), receiver.recv())
        .await
        .expect("an outbound message arrives")
        .expect("tandem stand-in is running");
    outbound_message::parse(&body).expect("the message parses as tandem parses it")
}

#[tokio::test]
async fn a_human_edit_in_the_ui_sends_an_outbound_message_without_the_origin_stamp() {
    let (org, mut messages) = org_echoing_to_tandem().await;
    let account = org
        .first_id("SELECT Id FROM Account WHERE Name = 'Acme Corporation'")
        .await;
    org.patch(
        &org.api(&format!("/sobjects/Account/{account}")),
        &json!({"Tandem_Sync_Origin__c": "evt_1"}),
    )
    .await;
    let by_tandem = next_message(&mut messages).await;
    assert_eq!(
        by_tandem.notifications[0].fields["Tandem_Sync_Origin__c"],
        "evt_1"
    );
    assert_eq!(
        by_tandem.notifications[0].fields["LastModifiedById"],
        "0055e000000TndmAAC"
    );

    let edit = org
        .http
        .patch(org.url(&format!("/_sandbox/records/Account/{account}")))
        .json(&json!({"Website": "https://acme.example/new"}))
        .send()
        .await
        .unwrap();
    assert_eq!(edit.status(), 200);
    let edited: Value = edit.json().await.unwrap();
    assert_eq!(edited["LastModifiedById"], "0055e000000HumnAAC");

    let message = next_message(&mut messages).await;
    assert_eq!(message.organization_id, "00D5e000000SbxAEAS");
    let notification = &message.notifications[0];
    assert_eq!(notification.object, "Account");
    let fields = &notification.fields;
    assert_eq!(fields["Id"], account.as_str());
    assert_eq!(fields["Website"], "https://acme.example/new");
    assert_eq!(fields["LastModifiedById"], "0055e000000HumnAAC");
    assert_eq!(fields["Tandem_Sync_Origin__c"], Value::Null);
    for stamp in ["CreatedDate", "LastModifiedDate"] {
        let text = fields[stamp].as_str().unwrap();
        assert!(
            text.ends_with(".000Z") && chrono::DateTime::parse_from_rfc3339(text).is_ok(),
            "{stamp}: {text}"
        );
    }
}

#[tokio::test]
async fn each_record_of_a_collection_upsert_is_announced() {
    let (org, mut messages) = org_echoing_to_tandem().await;
    let records: Vec<Value> = (0..3)
        .map(|i| json!({"attributes": {"type": "Product2"}, "NetSuite_Item_Id__c": format!("{i}"), "Name": format!("P{i}")}))
        .collect();
    let url = org.api("/composite/sobjects/Product2/NetSuite_Item_Id__c");
    assert_eq!(
        org.patch(&url, &json!({"records": records})).await.status(),
        200
    );
    for i in 0..3 {
        let message = next_message(&mut messages).await;
        assert_eq!(message.notifications[0].object, "Product2");
        assert_eq!(
            message.notifications[0].fields["Name"],
            format!("P{i}").as_str()
        );
    }
}

#[tokio::test]
async fn a_rolled_back_composite_request_announces_nothing_and_a_committed_one_announces_its_saves()
{
    let (org, mut messages) = org_echoing_to_tandem().await;
    let data = format!("/services/data/{}", super::VERSION);
    let composite = |contact: Value| {
        json!({"allOrNone": true, "compositeRequest": [
            {"method": "POST", "url": format!("{data}/sobjects/Account"), "referenceId": "acct", "body": {"Name": "Echo Composite"}},
            {"method": "POST", "url": format!("{data}/sobjects/Contact"), "referenceId": "person", "body": contact},
        ]})
    };
    let rolled_back = org
        .post(
            &org.api("/composite"),
            &composite(json!({"FirstName": "No"})),
        )
        .await;
    assert_eq!(rolled_back.status(), 200);
    let committed = org
        .post(
            &org.api("/composite"),
            &composite(json!({"LastName": "Echoed", "AccountId": "@{acct.id}"})),
        )
        .await;
    assert_eq!(committed.status(), 200);
    // Echoes leave in order: had the rolled-back account been announced, it would come first.
    let account = next_message(&mut messages).await;
    assert_eq!(account.notifications[0].object, "Account");
    let account_id = account.notifications[0].fields["Id"].clone();
    let contact = next_message(&mut messages).await;
    assert_eq!(contact.notifications[0].object, "Contact");
    assert_eq!(contact.notifications[0].fields["AccountId"], account_id);
    let saved = org
        .query("SELECT Id FROM Account WHERE Name = 'Echo Composite'")
        .await;
    assert_eq!(saved["totalSize"], 1);
    assert_eq!(saved["records"][0]["Id"], account_id);
}
