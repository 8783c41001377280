//! The client over real HTTP against wiremock.

mod auth;
mod config;
mod failures;
mod records;
mod throttling;

use super::*;
use crate::connectors::netsuite::m2m::M2mCredentials;
use crate::connectors::netsuite::tba::TbaCredentials;
use wiremock::MockServer;

pub const RSA_KEY: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/keys/rsa-test-key.pem"
));
pub const RECORDS: &str = "/services/rest/record/v1";
pub const TOKEN_PATH: &str = "/services/rest/auth/oauth2/v1/token";

pub fn tba_credentials() -> TbaCredentials {
    TbaCredentials {
        consumer_key: "ck-7f3a".into(),
        consumer_secret: Secret::from("consumer-secret"),
        token_id: "tok-9b2c".into(),
        token_secret: Secret::from("token-secret"),
    }
}

pub fn tba_settings(server: &MockServer) -> NetsuiteSettings {
    NetsuiteSettings::new(
        "123456_sb1",
        server.uri(),
        NetsuiteCredentials::Tba(tba_credentials()),
    )
}

pub fn tba_client(server: &MockServer) -> NetsuiteClient {
    NetsuiteClient::new(tba_settings(server)).unwrap()
}

pub fn m2m_client(server: &MockServer) -> NetsuiteClient {
    let credentials = NetsuiteCredentials::M2m(M2mCredentials {
        client_id: "client-1a2b".into(),
        certificate_id: "cert-9z8y".into(),
        private_key_pem: Secret::from(RSA_KEY),
    });
    NetsuiteClient::new(NetsuiteSettings::new("123456", server.uri(), credentials)).unwrap()
}

pub fn authorization(request: &wiremock::Request) -> String {
    request
        .headers
        .get("authorization")
        .expect("an Authorization header")
        .to_str()
        .unwrap()
        .to_owned()
}
