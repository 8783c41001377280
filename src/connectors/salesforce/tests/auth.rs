//! Tokens: fetched once and shared, refreshed exactly once on rejection, JWT assertions signed.

use super::*;
use crate::connectors::error::ErrorClass;
use wiremock::matchers::{body_string_contains, header};

const SESSION_EXPIRED: &str =
    r#"[{"message":"Session expired or invalid","errorCode":"INVALID_SESSION_ID"}]"#;
const PUBLIC_KEY: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/keys/rsa-test-key.pub.pem"
));
const PRIVATE_KEY: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/keys/rsa-test-key.pem"
));

fn account_path() -> String {
    format!("{DATA}/sobjects/Account/001000000000001AAA")
}

async fn answer_account_for(server: &MockServer, token: &str) {
    Mock::given(method("GET"))
        .and(path(account_path()))
        .and(header("authorization", format!("Bearer {token}").as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"Name": "Acme"})))
        .mount(server)
        .await;
}

async fn refuse_token(server: &MockServer, token: &str) {
    Mock::given(method("GET"))
        .and(path(account_path()))
        .and(header("authorization", format!("Bearer {token}").as_str()))
        .respond_with(ResponseTemplate::new(401).set_body_raw(SESSION_EXPIRED, "application/json"))
        .mount(server)
        .await;
}

/// The token endpoint hands out `tok-1` once, then `tok-2`.
async fn mount_two_tokens(server: &MockServer) {
    Mock::given(method("POST"))
        .and(path(TOKEN_PATH))
        .respond_with(ResponseTemplate::new(200).set_body_json(token_body(server, "tok-1")))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(server)
        .await;
    mount_token(server, "tok-2").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_token_is_fetched_and_shared_by_twenty_concurrent_calls() {
    let (server, client) = server_and_client().await;
    answer_account_for(&server, "tok-1").await;
    let mut calls = tokio::task::JoinSet::new();
    for _ in 0..20 {
        let client = client.clone();
        calls.spawn(async move { client.get("Account", "001000000000001AAA", &[]).await });
    }
    while let Some(result) = calls.join_next().await {
        assert_eq!(
            result.expect("task").expect("get").get("Name"),
            Some(&json!("Acme"))
        );
    }
    assert_eq!(requests_to(&server, TOKEN_PATH).await.len(), 1);
    assert_eq!(requests_to(&server, &account_path()).await.len(), 20);
}

#[tokio::test]
async fn the_token_request_sends_client_credentials_as_a_form() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(TOKEN_PATH))
        .and(header("content-type", "application/x-www-form-urlencoded"))
        .and(body_string_contains("grant_type=client_credentials"))
        .and(body_string_contains("client_id=consumer-key"))
        .and(body_string_contains(
            format!("client_secret={CLIENT_SECRET}").as_str(),
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(token_body(&server, "tok-1")))
        .expect(1)
        .mount(&server)
        .await;
    answer_account_for(&server, "tok-1").await;
    client_for(&server)
        .get("Account", "001000000000001AAA", &[])
        .await
        .expect("get");
}

#[tokio::test]
async fn an_invalid_session_refreshes_the_token_once_and_the_call_succeeds() {
    let server = MockServer::start().await;
    mount_two_tokens(&server).await;
    refuse_token(&server, "tok-1").await;
    answer_account_for(&server, "tok-2").await;
    let record = client_for(&server)
        .get("Account", "001000000000001AAA", &[])
        .await
        .expect("the retried call succeeds");
    assert_eq!(record.get("Name"), Some(&json!("Acme")));
    assert_eq!(requests_to(&server, TOKEN_PATH).await.len(), 2);
    assert_eq!(requests_to(&server, &account_path()).await.len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn twenty_concurrent_rejections_of_one_token_cause_one_refresh() {
    let server = MockServer::start().await;
    mount_two_tokens(&server).await;
    refuse_token(&server, "tok-1").await;
    answer_account_for(&server, "tok-2").await;
    let client = client_for(&server);
    let mut calls = tokio::task::JoinSet::new();
    for _ in 0..20 {
        let client = client.clone();
        calls.spawn(async move { client.get("Account", "001000000000001AAA", &[]).await });
    }
    while let Some(result) = calls.join_next().await {
        result
            .expect("task")
            .expect("every call succeeds after the refresh");
    }
    assert_eq!(requests_to(&server, TOKEN_PATH).await.len(), 2);
}

#[tokio::test]
async fn a_persistent_401_is_refresh_auth_after_one_refresh() {
    let server = MockServer::start().await;
    mount_two_tokens(&server).await;
    refuse_token(&server, "tok-1").await;
    refuse_token(&server, "tok-2").await;
    let error = client_for(&server)
        .get("Account", "001000000000001AAA", &[])
        .await
        .expect_err("still refused");
    assert_eq!(error.class, ErrorClass::RefreshAuth);
    assert_eq!(error.status, Some(401));
    assert_eq!(error.code.as_deref(), Some("INVALID_SESSION_ID"));
    assert_eq!(requests_to(&server, TOKEN_PATH).await.len(), 2);
    assert_eq!(requests_to(&server, &account_path()).await.len(), 2);
}

#[tokio::test]
async fn the_instance_url_of_the_token_response_is_the_api_base() {
    let server = MockServer::start().await;
    mount_token(&server, "tok-1").await;
    answer_account_for(&server, "tok-1").await;
    let mut settings = settings_for(&server);
    settings.token_url = Some(Url::parse(&format!("{}{TOKEN_PATH}", server.uri())).expect("url"));
    // Nothing listens here: only the token's instance_url can make the call succeed.
    settings.instance_url = Url::parse("http://127.0.0.1:9").expect("url");
    SalesforceClient::new(settings)
        .expect("client")
        .get("Account", "001000000000001AAA", &[])
        .await
        .expect("sent to the token's instance");
}

#[tokio::test]
async fn a_refused_grant_is_refresh_auth_with_the_vendor_text_and_no_secret() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(TOKEN_PATH))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({
            "error": "invalid_grant",
            "error_description": "user hasn't approved this consumer"
        })))
        .mount(&server)
        .await;
    let client = client_for(&server);
    let error = client
        .get("Account", "001000000000001AAA", &[])
        .await
        .expect_err("no token");
    assert_eq!(error.class, ErrorClass::RefreshAuth);
    assert_eq!(error.code.as_deref(), Some("invalid_grant"));
    assert!(error.message.contains("user hasn't approved this consumer"));
    for shown in [
        error.to_string(),
        format!("{error:?}"),
        format!("{client:?}"),
    ] {
        assert!(!shown.contains(CLIENT_SECRET), "{shown}");
    }
    assert!(!format!("{:?}", settings_for(&server)).contains(CLIENT_SECRET));
}

#[tokio::test]
async fn an_unsupported_grant_type_is_permanent() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(TOKEN_PATH))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({
            "error": "unsupported_grant_type",
            "error_description": "grant type not supported"
        })))
        .mount(&server)
        .await;
    let error = client_for(&server)
        .query("SELECT Id FROM Account")
        .await
        .expect_err("no token");
    assert_eq!(error.class, ErrorClass::Permanent);
}

#[derive(serde::Deserialize)]
struct Claims {
    iss: String,
    sub: String,
    aud: String,
    exp: i64,
}

#[tokio::test]
async fn the_jwt_bearer_assertion_verifies_with_the_public_key() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(TOKEN_PATH))
        .and(body_string_contains(
            "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer",
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(token_body(&server, "tok-1")))
        .expect(1)
        .mount(&server)
        .await;
    answer_account_for(&server, "tok-1").await;
    let mut settings = settings_for(&server);
    settings.credentials = SalesforceCredentials::JwtBearer {
        client_id: "consumer-key".into(),
        username: "integration@acme.example".into(),
        private_key_pem: Secret::from(PRIVATE_KEY),
    };
    let client = SalesforceClient::new(settings).expect("client");
    client
        .get("Account", "001000000000001AAA", &[])
        .await
        .expect("get");
    assert!(!format!("{client:?}").contains("PRIVATE KEY"));

    let requests = requests_to(&server, TOKEN_PATH).await;
    let assertion = url::form_urlencoded::parse(&requests[0].body)
        .find(|(key, _)| key == "assertion")
        .map(|(_, value)| value.into_owned())
        .expect("an assertion");
    let audience = Url::parse(&server.uri())
        .expect("url")
        .origin()
        .ascii_serialization();
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::RS256);
    validation.set_audience(&[&audience]);
    validation.set_issuer(&["consumer-key"]);
    let key = jsonwebtoken::DecodingKey::from_rsa_pem(PUBLIC_KEY.as_bytes()).expect("public key");
    let claims = jsonwebtoken::decode::<Claims>(&assertion, &key, &validation)
        .expect("the assertion verifies")
        .claims;
    assert_eq!(claims.iss, "consumer-key");
    assert_eq!(claims.sub, "integration@acme.example");
    assert_eq!(claims.aud, audience);
    let ahead = claims.exp - chrono::Utc::now().timestamp();
    assert!((170..=180).contains(&ahead), "exp is {ahead}s ahead");
}

#[test]
fn the_jwt_audience_is_the_login_host_when_the_token_url_is_login_salesforce_com() {
    let token_url = Url::parse("https://login.salesforce.com/services/oauth2/token").expect("url");
    let assertion = super::super::jwt::JwtAssertion::new(
        "consumer-key",
        "integration@acme.example",
        &Secret::from(PRIVATE_KEY),
        &token_url,
    )
    .expect("key");
    let signed = assertion.sign(chrono::Utc::now()).expect("signed");
    let claims = jsonwebtoken::dangerous::insecure_decode::<Claims>(&signed)
        .expect("decodes")
        .claims;
    assert_eq!(claims.aud, "https://login.salesforce.com");
}

#[test]
fn a_key_that_is_not_pem_fails_at_construction() {
    let mut settings = SalesforceSettings::new(
        Url::parse("https://acme.my.salesforce.com").expect("url"),
        SalesforceCredentials::JwtBearer {
            client_id: "consumer-key".into(),
            username: "integration@acme.example".into(),
            private_key_pem: Secret::from("not a key"),
        },
    );
    settings.api_version = "67.0".into();
    let error = SalesforceClient::new(settings).expect_err("bad key");
    assert_eq!(error.class, ErrorClass::Permanent);
}

#[test]
fn a_pkcs1_rsa_key_signs_assertions_that_verify_like_a_pkcs8_one() {
    const PKCS1_KEY: &str = include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/keys/rsa-test-key.pkcs1.pem"
    ));
    assert!(PKCS1_KEY.starts_with("-----BEGIN RSA PRIVATE KEY-----"));
    let token_url = Url::parse("https://login.salesforce.com/services/oauth2/token").expect("url");
    let signed = super::super::jwt::JwtAssertion::new(
        "consumer-key",
        "integration@acme.example",
        &Secret::from(PKCS1_KEY),
        &token_url,
    )
    .expect("a PKCS#1 key is usable")
    .sign(chrono::Utc::now())
    .expect("signed");
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::RS256);
    validation.set_audience(&["https://login.salesforce.com"]);
    let key = jsonwebtoken::DecodingKey::from_rsa_pem(PUBLIC_KEY.as_bytes()).expect("public key");
    let claims = jsonwebtoken::decode::<Claims>(&signed, &key, &validation)
        .expect("the assertion verifies with the public key")
        .claims;
    assert_eq!(claims.sub, "integration@acme.example");
}
