//! The NetSuite emulator over real HTTP: the whole sandbox on port 0, reqwest as the client, and
//! a TBA signer and M2M assertions written here, independent of the emulator's own code.

mod auth;
mod echo;
mod governance;
mod m2m;
mod metadata;
mod oneworld;
mod records;

use crate::sandbox::{Sandbox, SandboxConfig, SandboxCredentials};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use hmac::{Hmac, Mac};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use reqwest::{Method, RequestBuilder, Response};
use serde_json::Value;
use sha2::Sha256;

pub const RSA_PRIVATE: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/keys/rsa-test-key.pem"
));
pub const RSA_PUBLIC: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/keys/rsa-test-key.pub.pem"
));
pub const EC_PRIVATE: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/keys/ec-test-key.pem"
));
pub const EC_PUBLIC: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/keys/ec-test-key.pub.pem"
));

/// A running sandbox and a client for its NetSuite side.
pub struct Api {
    pub sandbox: Sandbox,
    pub http: reqwest::Client,
    pub url: String,
    pub tba: Tba,
}

impl Api {
    pub async fn start() -> Api {
        Self::start_with(SandboxConfig::default()).await
    }

    pub async fn start_with(config: SandboxConfig) -> Api {
        let tba = Tba::new(&config.credentials);
        let sandbox = Sandbox::start(config).await.expect("sandbox starts");
        let url = sandbox.netsuite_url.clone();
        Api {
            sandbox,
            http: reqwest::Client::new(),
            url,
            tba,
        }
    }

    pub fn record_url(&self, path: &str) -> String {
        format!("{}/services/rest/record/v1/{path}", self.url)
    }

    /// A request to the record service, signed with TBA.
    pub fn signed(&self, method: Method, path: &str) -> RequestBuilder {
        let url = self.record_url(path);
        let authorization = self.tba.sign(method.as_str(), &url);
        self.http
            .request(method, url)
            .header("authorization", authorization)
    }

    pub async fn get(&self, path: &str) -> Response {
        self.signed(Method::GET, path)
            .send()
            .await
            .expect("GET answers")
    }

    pub async fn send(&self, method: Method, path: &str, body: &Value) -> Response {
        self.signed(method, path)
            .json(body)
            .send()
            .await
            .expect("request answers")
    }

    pub async fn sandbox_get(&self, path: &str) -> Value {
        let response = self
            .http
            .get(format!("{}{path}", self.url))
            .send()
            .await
            .expect("answers");
        response.json().await.expect("JSON")
    }

    pub async fn counters(&self) -> Value {
        self.sandbox_get("/_sandbox/counters").await
    }
}

/// The new record's id from a create's `Location`.
pub fn created_id(response: &Response) -> String {
    let location = response.headers()["location"].to_str().unwrap();
    location.rsplit('/').next().unwrap().to_owned()
}

/// Asserts NetSuite's 401 answer, byte for byte the documented body.
pub async fn assert_invalid_login(response: Response) {
    assert_eq!(response.status(), 401);
    let documented: Value = serde_json::from_str(include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/netsuite-rest-error-401-invalid-login.json"
    )))
    .unwrap();
    assert_eq!(response.json::<Value>().await.unwrap(), documented);
}

/// The first error detail of a NetSuite error answer.
pub async fn error_detail(response: Response) -> Value {
    let body: Value = response.json().await.unwrap();
    body["o:errorDetails"][0].clone()
}

const UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

fn pct(text: &str) -> String {
    utf8_percent_encode(text, UNRESERVED).to_string()
}

/// A compact OAuth 1.0a signer, as a client library would sign.
#[derive(Clone)]
pub struct Tba {
    pub realm: String,
    pub consumer_key: String,
    pub consumer_secret: String,
    pub token: String,
    pub token_secret: String,
    pub method: &'static str,
}

impl Tba {
    pub fn new(credentials: &SandboxCredentials) -> Self {
        Tba {
            realm: credentials.netsuite_account_id.clone(),
            consumer_key: credentials.netsuite_consumer_key.clone(),
            consumer_secret: credentials.netsuite_consumer_secret.clone(),
            token: credentials.netsuite_token_id.clone(),
            token_secret: credentials.netsuite_token_secret.clone(),
            method: "HMAC-SHA256",
        }
    }

    pub fn sign(&self, method: &str, url: &str) -> String {
        let nonce = uuid::Uuid::new_v4().simple().to_string();
        self.sign_at(method, url, &nonce, chrono::Utc::now().timestamp())
    }

    pub fn sign_at(&self, method: &str, url: &str, nonce: &str, timestamp: i64) -> String {
        let parsed = url::Url::parse(url).unwrap();
        let port = parsed
            .port()
            .map(|port| format!(":{port}"))
            .unwrap_or_default();
        let base_url = format!(
            "{}://{}{port}{}",
            parsed.scheme(),
            parsed.host_str().unwrap(),
            parsed.path()
        );
        let timestamp = timestamp.to_string();
        let oauth = [
            ("oauth_consumer_key", self.consumer_key.as_str()),
            ("oauth_token", self.token.as_str()),
            ("oauth_signature_method", self.method),
            ("oauth_timestamp", timestamp.as_str()),
            ("oauth_nonce", nonce),
            ("oauth_version", "1.0"),
        ];
        let mut params: Vec<(String, String)> = parsed
            .query_pairs()
            .map(|(name, value)| (pct(&name), pct(&value)))
            .chain(oauth.iter().map(|(name, value)| (pct(name), pct(value))))
            .collect();
        params.sort();
        let normalized: Vec<String> = params
            .iter()
            .map(|(name, value)| format!("{name}={value}"))
            .collect();
        let base = format!(
            "{}&{}&{}",
            method,
            pct(&base_url),
            pct(&normalized.join("&"))
        );
        let key = format!("{}&{}", pct(&self.consumer_secret), pct(&self.token_secret));
        let mut mac = Hmac::<Sha256>::new_from_slice(key.as_bytes()).unwrap();
        mac.update(base.as_bytes());
        let signature = BASE64.encode(mac.finalize().into_bytes());
        let mut header = format!("OAuth realm=\"{}\"", self.realm);
        for (name, value) in oauth
            .iter()
            .copied()
            .chain([("oauth_signature", signature.as_str())])
        {
            header.push_str(&format!(", {name}=\"{}\"", pct(value)));
        }
        header
    }
}
