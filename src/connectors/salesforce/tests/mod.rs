//! Tests of the Salesforce client over real HTTP against wiremock, with the vendor's bodies.

mod auth;
mod classification;
mod collections;
mod headers;
mod query;
mod records;
mod settings;

use super::{SalesforceClient, SalesforceCredentials, SalesforceSettings};
use crate::config::Secret;
use serde_json::{Value, json};
use url::Url;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

pub(super) const TOKEN_PATH: &str = "/services/oauth2/token";
pub(super) const DATA: &str = "/services/data/v67.0";
pub(super) const CLIENT_SECRET: &str = "cs-very-secret-value";

/// Client credentials against `server`, which is both the token endpoint and the instance.
pub(super) fn settings_for(server: &MockServer) -> SalesforceSettings {
    SalesforceSettings::new(
        Url::parse(&server.uri()).expect("server URL"),
        SalesforceCredentials::ClientCredentials {
            client_id: "consumer-key".into(),
            client_secret: Secret::from(CLIENT_SECRET),
        },
    )
}

pub(super) fn client_for(server: &MockServer) -> SalesforceClient {
    SalesforceClient::new(settings_for(server)).expect("client")
}

/// A token response in the documented shape, naming `server` as the instance.
pub(super) fn token_body(server: &MockServer, token: &str) -> Value {
    json!({
        "access_token": token,
        "signature": "abcADhXpEx0ZwvR+9OGLc+A2ki/57L4NOLNh1KQLbWI=",
        "scope": "api",
        "instance_url": server.uri(),
        "id": "https://login.salesforce.com/id/00ABC90000000gNcmEAE/00590000000cLaiABC",
        "token_type": "Bearer",
        "issued_at": "1764236102000"
    })
}

/// Answers every token request with `token`.
pub(super) async fn mount_token(server: &MockServer, token: &str) {
    Mock::given(method("POST"))
        .and(path(TOKEN_PATH))
        .respond_with(ResponseTemplate::new(200).set_body_json(token_body(server, token)))
        .mount(server)
        .await;
}

/// A server handing out `tok-1`, and a client for it.
pub(super) async fn server_and_client() -> (MockServer, SalesforceClient) {
    let server = MockServer::start().await;
    mount_token(&server, "tok-1").await;
    let client = client_for(&server);
    (server, client)
}

pub(super) async fn requests_to(server: &MockServer, wanted: &str) -> Vec<wiremock::Request> {
    server
        .received_requests()
        .await
        .unwrap_or_default()
        .into_iter()
        .filter(|request| request.url.path() == wanted)
        .collect()
}

pub(super) fn fields(value: Value) -> serde_json::Map<String, Value> {
    match value {
        Value::Object(map) => map,
        other => panic!("not an object: {other}"),
    }
}
