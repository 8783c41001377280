//! Salesforce Outbound Messages: the exact Ack after queueing, SOAP Faults otherwise.

use crate::helpers::*;
use std::time::Duration;

#[tokio::test]
async fn the_verbatim_fixture_gets_the_exact_ack_and_one_queued_event() {
    let app = spawn_app().await;
    let response = app
        .post_outbound_message("", OUTBOUND_FIXTURE.to_owned())
        .await;
    assert_eq!(response.status(), 200);
    let content_type = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(content_type.starts_with("text/xml"), "{content_type}");
    assert_eq!(response.text().await.unwrap(), ACK_FIXTURE);

    let leases = app.queue.receive(10, Duration::ZERO).await.unwrap();
    assert_eq!(leases.len(), 1);
    let event = &leases[0].event;
    assert_eq!(event.id, "04l9000001olR84AAE");
    assert_eq!(event.object, "Account");
    assert_eq!(event.record_id, "0019000001KwyWtAAJ");
    assert_eq!(event.fields["Name"], "Salesforce.com Inc.");
    assert_eq!(
        event.fields["BillingStreet"],
        "The Landmark @ One Market, Suite 300"
    );
}

#[tokio::test]
async fn a_wrong_organization_id_gets_a_403_fault_and_queues_nothing() {
    let app = spawn_app_with(|config| {
        config.salesforce.organization_id = Some("00D000000000001AAA".into());
    })
    .await;
    let response = app
        .post_outbound_message("", OUTBOUND_FIXTURE.to_owned())
        .await;
    assert_eq!(response.status(), 403);
    let body = response.text().await.unwrap();
    assert!(
        body.contains("<faultcode>soapenv:Client</faultcode>"),
        "{body}"
    );
    assert!(
        body.contains("ABC90000000gNcmEAE"),
        "the fault names the id received: {body}"
    );
    assert!(!body.contains("<Ack>"), "{body}");
    assert_eq!(app.queued().await, 0);
}

#[tokio::test]
async fn a_fifteen_character_organization_id_matches_the_eighteen_character_form() {
    let app = spawn_app_with(|config| {
        config.salesforce.organization_id = Some("ABC90000000gNcm".into());
    })
    .await;
    let response = app
        .post_outbound_message("", OUTBOUND_FIXTURE.to_owned())
        .await;
    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn a_hundred_notifications_queue_a_hundred_events_and_a_redelivery_queues_none() {
    let app = spawn_app().await;
    let message = outbound_message(ORG_ID, "A", 100);
    let first = app.post_outbound_message("", message.clone()).await;
    assert_eq!(first.status(), 200);
    assert_eq!(first.text().await.unwrap(), ACK_FIXTURE);
    assert_eq!(app.queued().await, 100);

    let again = app.post_outbound_message("", message).await;
    assert_eq!(
        again.status(),
        200,
        "a redelivery is acknowledged so Salesforce stops"
    );
    assert_eq!(again.text().await.unwrap(), ACK_FIXTURE);
    assert_eq!(app.queued().await, 100);

    let leases = app.queue.receive(200, Duration::ZERO).await.unwrap();
    assert_eq!(
        leases.len(),
        100,
        "distinct records are handed out together"
    );
    assert_eq!(leases[0].event.fields["Name"], "Account 0 & Sons — Zürich");
}

#[tokio::test]
async fn a_hundred_and_one_notifications_are_refused_whole() {
    let app = spawn_app().await;
    let response = app
        .post_outbound_message("", outbound_message(ORG_ID, "B", 101))
        .await;
    assert_eq!(response.status(), 400);
    let body = response.text().await.unwrap();
    assert!(body.contains("101"), "{body}");
    assert_eq!(app.queued().await, 0);
}

#[tokio::test]
async fn the_token_is_required_when_configured() {
    let app = spawn_app_with(|config| {
        config.salesforce.outbound_message_token = Some("a-long-random-token-value".into());
    })
    .await;
    let missing = app
        .post_outbound_message("", OUTBOUND_FIXTURE.to_owned())
        .await;
    assert_eq!(missing.status(), 401);
    let wrong = app
        .post_outbound_message("?token=guess", OUTBOUND_FIXTURE.to_owned())
        .await;
    assert_eq!(wrong.status(), 401);
    assert!(
        !wrong
            .text()
            .await
            .unwrap()
            .contains("a-long-random-token-value")
    );
    assert_eq!(app.queued().await, 0);
    let right = app
        .post_outbound_message(
            "?token=a-long-random-token-value",
            OUTBOUND_FIXTURE.to_owned(),
        )
        .await;
    assert_eq!(right.status(), 200);
}

#[tokio::test]
async fn other_namespace_prefixes_and_a_nil_session_are_accepted() {
    let app = spawn_app().await;
    let message = OUTBOUND_FIXTURE
        .replace("soapenv:", "s:")
        .replace("xmlns:soapenv", "xmlns:s")
        .replace(
            r#"<notifications xmlns="http://soap.sforce.com/2005/09/outbound">"#,
            r#"<out:notifications xmlns:out="http://soap.sforce.com/2005/09/outbound">"#,
        )
        .replace("</notifications>", "</out:notifications>")
        .replace("<OrganizationId>", "<out:OrganizationId>")
        .replace("</OrganizationId>", "</out:OrganizationId>")
        .replace("<ActionId>", "<out:ActionId>")
        .replace("</ActionId>", "</out:ActionId>")
        .replace("<EnterpriseUrl>", "<out:EnterpriseUrl>")
        .replace("</EnterpriseUrl>", "</out:EnterpriseUrl>")
        .replace("<PartnerUrl>", "<out:PartnerUrl>")
        .replace("</PartnerUrl>", "</out:PartnerUrl>")
        .replace("<Notification>", "<out:Notification>")
        .replace("</Notification>", "</out:Notification>")
        .replace("<Id>04l", "<out:Id>04l")
        .replace("AAE</Id>", "AAE</out:Id>")
        .replace("<sObject ", "<out:sObject ")
        .replace("</sObject>", "</out:sObject>");
    let message = regex_free_replace_session(&message);
    let response = app.post_outbound_message("", message).await;
    assert_eq!(response.status(), 200);
    assert_eq!(app.queued().await, 1);
}

fn regex_free_replace_session(message: &str) -> String {
    let start = message
        .find("<SessionId>")
        .expect("fixture has a SessionId");
    let end = message.find("</SessionId>").unwrap() + "</SessionId>".len();
    format!(
        "{}<out:SessionId xsi:nil=\"true\"/>{}",
        &message[..start],
        &message[end..]
    )
}

#[tokio::test]
async fn a_wrong_content_type_gets_a_415_fault() {
    let app = spawn_app().await;
    let response = app
        .client
        .post(app.url("/webhooks/salesforce/outbound-message"))
        .header("content-type", "application/json")
        .body(OUTBOUND_FIXTURE)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 415);
    assert!(response.text().await.unwrap().contains("<faultstring>"));
}
