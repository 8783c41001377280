//! The emulated Salesforce over real HTTP: the whole sandbox started on port 0, driven with
//! reqwest the way tandem's connector drives the real API.

mod api;
mod auth;
mod calls;
mod collections;
mod collections_create_delete;
mod composite;
mod composite_tree;
mod describe;
mod outbound;
mod pubsub;
mod query;
mod query_all;
mod required;

use crate::sandbox::{Sandbox, SandboxConfig};
use reqwest::{Client, Response};
use serde_json::{Value, json};

pub(super) const VERSION: &str = "v67.0";

/// A started sandbox, a client, and a token for its Salesforce.
pub(super) struct Org {
    pub sandbox: Sandbox,
    pub http: Client,
    pub token: String,
}

impl Org {
    pub async fn start() -> Org {
        Self::start_with(SandboxConfig::default()).await
    }

    pub async fn start_with(config: SandboxConfig) -> Org {
        let sandbox = Sandbox::start(config).await.expect("sandbox starts");
        let http = Client::new();
        let mut org = Org {
            sandbox,
            http,
            token: String::new(),
        };
        org.token = org.client_credentials_token().await;
        org
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.sandbox.salesforce_url)
    }

    /// `/services/data/v67.0{path}`
    pub fn api(&self, path: &str) -> String {
        self.url(&format!("/services/data/{VERSION}{path}"))
    }

    pub async fn client_credentials_token(&self) -> String {
        let credentials = &crate::sandbox::SandboxCredentials::default();
        let response = self
            .http
            .post(self.url("/services/oauth2/token"))
            .form(&[
                ("grant_type", "client_credentials"),
                ("client_id", credentials.salesforce_client_id.as_str()),
                (
                    "client_secret",
                    credentials.salesforce_client_secret.as_str(),
                ),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        let body: Value = response.json().await.unwrap();
        body["access_token"].as_str().unwrap().to_owned()
    }

    pub async fn get(&self, url: &str) -> Response {
        self.http
            .get(url)
            .bearer_auth(&self.token)
            .send()
            .await
            .unwrap()
    }

    pub async fn patch(&self, url: &str, body: &Value) -> Response {
        self.http
            .patch(url)
            .bearer_auth(&self.token)
            .json(body)
            .send()
            .await
            .unwrap()
    }

    pub async fn post(&self, url: &str, body: &Value) -> Response {
        self.http
            .post(url)
            .bearer_auth(&self.token)
            .json(body)
            .send()
            .await
            .unwrap()
    }

    pub async fn delete(&self, url: &str) -> Response {
        self.http
            .delete(url)
            .bearer_auth(&self.token)
            .send()
            .await
            .unwrap()
    }

    /// All rows of a SOQL query's first page.
    pub async fn query(&self, soql: &str) -> Value {
        let response = self
            .http
            .get(self.api("/query"))
            .query(&[("q", soql)])
            .bearer_auth(&self.token)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        response.json().await.unwrap()
    }

    /// The id of the first record the query finds.
    pub async fn first_id(&self, soql: &str) -> String {
        self.query(soql).await["records"][0]["Id"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    /// Sets a fault plan through `/_sandbox/faults`.
    pub async fn fault(&self, plan: Value) {
        let response = self
            .http
            .post(self.url("/_sandbox/faults"))
            .json(&plan)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
    }
}

/// Status and JSON body (null when empty).
pub(super) async fn answer(response: Response) -> (u16, Value) {
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    let body = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap()
    };
    (status, body)
}

pub(super) fn fixture(name: &str) -> Value {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

pub(super) fn account(name: &str) -> Value {
    json!({ "Name": name })
}
