//! OAuth 2.0 M2M: a well-formed client assertion buys a bearer token; a wrong one buys an OAuth
//! error, and a made-up bearer token is an invalid login.

use super::{Api, EC_PRIVATE, EC_PUBLIC, RSA_PRIVATE, RSA_PUBLIC, assert_invalid_login};
use crate::sandbox::{SandboxConfig, SandboxCredentials};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};

async fn start(public_key: &str) -> Api {
    let credentials = SandboxCredentials {
        netsuite_m2m_public_key_pem: Some(public_key.to_owned()),
        ..SandboxCredentials::default()
    };
    Api::start_with(SandboxConfig {
        credentials,
        ..SandboxConfig::default()
    })
    .await
}

fn token_url(api: &Api) -> String {
    format!("{}/services/rest/auth/oauth2/v1/token", api.url)
}

/// A client assertion; `change` edits the header and claims before signing.
fn assertion(
    api: &Api,
    algorithm: Algorithm,
    change: impl FnOnce(&mut Header, &mut Value),
) -> String {
    let credentials = SandboxCredentials::default();
    let now = chrono::Utc::now().timestamp();
    let mut header = Header::new(algorithm);
    header.kid = Some(credentials.netsuite_certificate_id.clone());
    let mut claims = json!({
        "iss": credentials.netsuite_client_id,
        "scope": ["restlets", "rest_webservices"],
        "aud": token_url(api),
        "iat": now,
        "exp": now + 3600,
    });
    change(&mut header, &mut claims);
    let key = match algorithm {
        Algorithm::ES256 => EncodingKey::from_ec_pem(EC_PRIVATE.as_bytes()).unwrap(),
        _ => EncodingKey::from_rsa_pem(RSA_PRIVATE.as_bytes()).unwrap(),
    };
    jsonwebtoken::encode(&header, &claims, &key).unwrap()
}

async fn request_token(api: &Api, assertion: &str) -> reqwest::Response {
    let form = [
        ("grant_type", "client_credentials"),
        (
            "client_assertion_type",
            "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
        ),
        ("client_assertion", assertion),
    ];
    let body = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(form)
        .finish();
    api.http
        .post(token_url(api))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .unwrap()
}

async fn assert_refused(response: reqwest::Response, error: &str) {
    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"], error, "{body}");
    assert!(body["error_description"].is_string());
}

#[tokio::test]
async fn a_ps256_assertion_buys_a_bearer_token_that_opens_the_api() {
    let api = start(RSA_PUBLIC).await;
    let response = request_token(&api, &assertion(&api, Algorithm::PS256, |_, _| {})).await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["token_type"], "bearer");
    assert_eq!(body["expires_in"], 3600);
    let token = body["access_token"].as_str().unwrap();
    let record = api
        .http
        .get(api.record_url("customer/101"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(record.status(), 200);
}

#[tokio::test]
async fn an_es256_assertion_buys_a_token() {
    let api = start(EC_PUBLIC).await;
    let response = request_token(&api, &assertion(&api, Algorithm::ES256, |_, _| {})).await;
    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn a_wrong_kid_is_refused() {
    let api = start(RSA_PUBLIC).await;
    let wrong_kid = assertion(&api, Algorithm::PS256, |header, _| {
        header.kid = Some("another-certificate".into())
    });
    assert_refused(request_token(&api, &wrong_kid).await, "invalid_grant").await;
    assert_eq!(api.counters().await["auth_failures"], 1);
}

#[tokio::test]
async fn a_wrong_audience_is_refused() {
    let api = start(RSA_PUBLIC).await;
    let wrong_aud = assertion(&api, Algorithm::PS256, |_, claims| {
        claims["aud"] = json!(
            "https://1234567-sb1.suitetalk.api.netsuite.com/services/rest/auth/oauth2/v1/token"
        )
    });
    assert_refused(request_token(&api, &wrong_aud).await, "invalid_grant").await;
}

#[tokio::test]
async fn an_expired_assertion_is_refused() {
    let api = start(RSA_PUBLIC).await;
    let expired = assertion(&api, Algorithm::PS256, |_, claims| {
        let now = chrono::Utc::now().timestamp();
        claims["iat"] = json!(now - 7200);
        claims["exp"] = json!(now - 3600);
    });
    assert_refused(request_token(&api, &expired).await, "invalid_grant").await;
}

#[tokio::test]
async fn an_assertion_longer_than_an_hour_is_refused() {
    let api = start(RSA_PUBLIC).await;
    let long = assertion(&api, Algorithm::PS256, |_, claims| {
        claims["exp"] = json!(chrono::Utc::now().timestamp() + 7200)
    });
    assert_refused(request_token(&api, &long).await, "invalid_grant").await;
}

#[tokio::test]
async fn rs256_and_unknown_clients_and_missing_scopes_are_refused() {
    let api = start(RSA_PUBLIC).await;
    let rs256 = assertion(&api, Algorithm::RS256, |_, _| {});
    assert_refused(request_token(&api, &rs256).await, "invalid_grant").await;
    let stranger = assertion(&api, Algorithm::PS256, |_, claims| {
        claims["iss"] = json!("someone-else")
    });
    assert_refused(request_token(&api, &stranger).await, "invalid_client").await;
    let restlets_only = assertion(&api, Algorithm::PS256, |_, claims| {
        claims["scope"] = json!("restlets")
    });
    assert_refused(request_token(&api, &restlets_only).await, "invalid_scope").await;
}

#[tokio::test]
async fn m2m_is_refused_when_no_certificate_is_configured() {
    let api = Api::start().await;
    let response = request_token(&api, &assertion(&api, Algorithm::PS256, |_, _| {})).await;
    assert_refused(response, "invalid_client").await;
}

#[tokio::test]
async fn a_made_up_bearer_token_is_an_invalid_login() {
    let api = start(RSA_PUBLIC).await;
    let response = api
        .http
        .get(api.record_url("customer/101"))
        .bearer_auth("made-up")
        .send()
        .await
        .unwrap();
    assert_invalid_login(response).await;
}
