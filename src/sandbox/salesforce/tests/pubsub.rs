//! The Pub/Sub API the sandbox serves, over a real gRPC connection: authentication by
//! metadata, `num_requested` flow control, replay, and the change events REST writes publish.

use super::Org;
use crate::ingress::change_data_capture::EventSchema;
use crate::pubsub::proto::pub_sub_client::PubSubClient;
use crate::pubsub::proto::{
    FetchRequest, FetchResponse, ReplayPreset, SchemaRequest, TopicRequest,
};
use crate::pubsub::{metadata, replay, status};
use crate::sandbox::{SandboxConfig, SandboxCredentials};
use serde_json::json;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;
use tonic::transport::Channel;
use tonic::{Code, Request, Streaming};

const TOPIC: &str = "/data/AccountChangeEvent";

async fn start() -> (Org, PubSubClient<Channel>) {
    let org = Org::start_with(SandboxConfig {
        salesforce_pubsub_listen: Some(([127, 0, 0, 1], 0).into()),
        ..SandboxConfig::default()
    })
    .await;
    let url = org.sandbox.salesforce_pubsub_url.clone().unwrap();
    let client = PubSubClient::connect(url).await.unwrap();
    (org, client)
}

fn authed<T>(org: &Org, message: T) -> Request<T> {
    let mut request = Request::new(message);
    let headers = request.metadata_mut();
    headers.insert(metadata::ACCESS_TOKEN, org.token.parse().unwrap());
    headers.insert(
        metadata::INSTANCE_URL,
        org.sandbox.salesforce_url.parse().unwrap(),
    );
    let tenant = SandboxCredentials::default().salesforce_org_id;
    headers.insert(metadata::TENANT_ID, tenant.parse().unwrap());
    request
}

/// Renames the first seeded account `times` times through the REST API as tandem.
async fn rename_accounts(org: &Org, times: usize) -> String {
    let accounts = org.sandbox.salesforce.records_of("Account");
    let id = accounts[0]["Id"].as_str().unwrap().to_owned();
    for n in 0..times {
        let response = org
            .http
            .patch(org.api(&format!("/sobjects/Account/{id}")))
            .bearer_auth(&org.token)
            .header("sforce-call-options", "client=tandem")
            .json(&json!({ "Name": format!("Renamed {n}") }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 204);
    }
    id
}

async fn subscribe(
    org: &Org,
    client: &mut PubSubClient<Channel>,
    first: FetchRequest,
) -> (mpsc::Sender<FetchRequest>, Streaming<FetchResponse>) {
    let (send, requests) = mpsc::channel(4);
    send.send(first).await.unwrap();
    let stream = client
        .subscribe(authed(org, ReceiverStream::new(requests)))
        .await
        .unwrap()
        .into_inner();
    (send, stream)
}

fn earliest(num_requested: i32) -> FetchRequest {
    FetchRequest {
        topic_name: TOPIC.into(),
        replay_preset: ReplayPreset::Earliest as i32,
        num_requested,
        ..FetchRequest::default()
    }
}

/// Events until `count` arrived (failing after 10 s).
async fn receive(stream: &mut Streaming<FetchResponse>, count: usize) -> Vec<FetchResponse> {
    let mut responses = Vec::new();
    let mut received = 0;
    while received < count {
        let response = tokio::time::timeout(Duration::from_secs(10), stream.message())
            .await
            .expect("events within 10 s")
            .unwrap()
            .expect("the stream stays open");
        received += response.events.len();
        responses.push(response);
    }
    assert_eq!(received, count, "never more than requested");
    responses
}

#[tokio::test]
async fn a_subscription_without_a_live_session_of_the_org_is_refused_as_unauthenticated() {
    let (org, mut client) = start().await;
    let refused = client
        .get_topic(Request::new(TopicRequest {
            topic_name: TOPIC.into(),
        }))
        .await
        .unwrap_err();
    assert_eq!(refused.code(), Code::Unauthenticated);
    assert_eq!(status::error_code(&refused), Some(status::AUTH_ERROR));
    assert!(
        refused.message().contains("rpcId: "),
        "{}",
        refused.message()
    );

    let mut wrong_token = authed(&org, ReceiverStream::new(mpsc::channel(1).1));
    wrong_token.metadata_mut().insert(
        metadata::ACCESS_TOKEN,
        "00D5e000000SbxA!ARnot-issued".parse().unwrap(),
    );
    let refused = client.subscribe(wrong_token).await.unwrap_err();
    assert_eq!(refused.code(), Code::Unauthenticated);

    let mut other_org = authed(
        &org,
        TopicRequest {
            topic_name: TOPIC.into(),
        },
    );
    other_org
        .metadata_mut()
        .insert(metadata::TENANT_ID, "00D000000000001AAA".parse().unwrap());
    assert_eq!(
        client.get_topic(other_org).await.unwrap_err().code(),
        Code::Unauthenticated
    );

    let unknown = client
        .get_topic(authed(
            &org,
            TopicRequest {
                topic_name: "/data/LeadChangeEvent".into(),
            },
        ))
        .await
        .unwrap_err();
    assert_eq!(unknown.code(), Code::NotFound);
}

#[tokio::test]
async fn no_more_events_are_sent_than_requested_and_each_request_releases_that_many() {
    let (org, mut client) = start().await;
    rename_accounts(&org, 5).await;
    let (more, mut stream) = subscribe(&org, &mut client, earliest(2)).await;
    let first = receive(&mut stream, 2).await;
    assert_eq!(first.last().unwrap().pending_num_requested, 0);
    // Nothing further arrives until more is requested.
    let nothing = tokio::time::timeout(Duration::from_millis(300), stream.message()).await;
    assert!(
        nothing.is_err(),
        "an event arrived that was not requested: {nothing:?}"
    );
    more.send(FetchRequest {
        num_requested: 3,
        ..FetchRequest::default()
    })
    .await
    .unwrap();
    let rest = receive(&mut stream, 3).await;
    let positions: Vec<u64> = first
        .iter()
        .chain(&rest)
        .flat_map(|response| &response.events)
        .map(|event| replay::decode(&event.replay_id).unwrap())
        .collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]), "{positions:?}");
}

#[tokio::test]
async fn rest_writes_publish_decodable_change_events_and_custom_replay_resumes_after_an_id() {
    let (org, mut client) = start().await;
    let id = rename_accounts(&org, 3).await;
    let (_more, mut stream) = subscribe(&org, &mut client, earliest(3)).await;
    let events: Vec<_> = receive(&mut stream, 3)
        .await
        .into_iter()
        .flat_map(|response| response.events)
        .collect();

    let producer = events[0].event.clone().unwrap();
    let schema = client
        .get_schema(authed(
            &org,
            SchemaRequest {
                schema_id: producer.schema_id.clone(),
            },
        ))
        .await
        .unwrap()
        .into_inner();
    let decoded = EventSchema::parse(&schema.schema_json)
        .unwrap()
        .decode(&producer.payload)
        .unwrap();
    assert_eq!(decoded.header.entity_name, "Account");
    assert_eq!(decoded.header.record_ids, [id]);
    assert_eq!(decoded.header.change_type, "UPDATE");
    assert_eq!(
        decoded.header.change_origin,
        "com/salesforce/api/rest/67.0;client=tandem"
    );
    assert_eq!(
        decoded.header.commit_user,
        SandboxCredentials::default().salesforce_integration_user_id
    );
    assert!(decoded.header.changed_fields.contains(&"Name".to_owned()));
    assert_eq!(decoded.fields["Name"], "Renamed 0");

    // After the first event's replay id: the second and third, nothing before.
    let (_more, mut resumed) = subscribe(
        &org,
        &mut client,
        FetchRequest {
            topic_name: TOPIC.into(),
            replay_preset: ReplayPreset::Custom as i32,
            replay_id: events[0].replay_id.clone(),
            num_requested: 10,
            ..FetchRequest::default()
        },
    )
    .await;
    let replayed: Vec<_> = receive(&mut resumed, 2)
        .await
        .into_iter()
        .flat_map(|response| response.events)
        .map(|event| event.replay_id)
        .collect();
    assert_eq!(
        replayed,
        [events[1].replay_id.clone(), events[2].replay_id.clone()]
    );

    // A replay id the bus never issued is refused as the API refuses it.
    let (_more, mut refused) = subscribe(
        &org,
        &mut client,
        FetchRequest {
            topic_name: TOPIC.into(),
            replay_preset: ReplayPreset::Custom as i32,
            replay_id: replay::encode(999_999),
            num_requested: 1,
            ..FetchRequest::default()
        },
    )
    .await;
    let error = refused.message().await.unwrap_err();
    assert_eq!(error.code(), Code::InvalidArgument);
    assert_eq!(
        status::error_code(&error),
        Some(status::REPLAY_ID_CORRUPTED)
    );

    // CUSTOM without a replay id fails validation, a different error from an unknown id.
    let (_more, mut unnamed) = subscribe(
        &org,
        &mut client,
        FetchRequest {
            topic_name: TOPIC.into(),
            replay_preset: ReplayPreset::Custom as i32,
            num_requested: 1,
            ..FetchRequest::default()
        },
    )
    .await;
    let error = unnamed.message().await.unwrap_err();
    assert_eq!(error.code(), Code::InvalidArgument);
    assert_eq!(
        status::error_code(&error),
        Some(status::REPLAY_ID_VALIDATION_FAILED)
    );
}
