use super::*;
use crate::connectors::netsuite::m2m::AssertionClaims;
use crate::connectors::netsuite::tba::{base_string, parse_authorization, sign};
use serde_json::json;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, ResponseTemplate};

const INVALID_LOGIN: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/netsuite-rest-error-401-invalid-login.json"
));

fn token(value: &str, expires_in: serde_json::Value) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({
        "access_token": value, "token_type": "bearer", "expires_in": expires_in
    }))
}

fn customer() -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({"id": "1", "companyName": "Acme"}))
}

#[tokio::test]
async fn the_tba_header_is_parseable_with_the_realm_first_and_verifies() {
    let server = MockServer::start().await;
    Mock::given(method("PATCH"))
        .respond_with(ResponseTemplate::new(204))
        .mount(&server)
        .await;

    tba_client(&server)
        .patch(
            "salesOrder",
            &RecordId::Internal("647".into()),
            &json!({}),
            Some("item"),
        )
        .await
        .unwrap();

    let request = &server.received_requests().await.unwrap()[0];
    let header = authorization(request);
    assert!(header.starts_with("OAuth realm=\"123456_SB1\""), "{header}");
    let params = parse_authorization(&header).unwrap();
    let value = |name: &str| {
        params
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.clone())
            .unwrap_or_else(|| panic!("{name} missing from {header}"))
    };
    assert_eq!(value("oauth_consumer_key"), "ck-7f3a");
    assert_eq!(value("oauth_token"), "tok-9b2c");
    assert_eq!(value("oauth_signature_method"), "HMAC-SHA256");
    assert_eq!(value("oauth_version"), "1.0");
    assert!(value("oauth_nonce").len() >= 20);
    let now = chrono::Utc::now().timestamp();
    let timestamp: i64 = value("oauth_timestamp").parse().unwrap();
    assert!((now - timestamp).abs() < 60);

    // What a server does: rebuild the base string from the request line and the Host header.
    let host = request.headers.get("host").unwrap().to_str().unwrap();
    let path_and_query = &request.url[url::Position::BeforePath..];
    let url = url::Url::parse(&format!("http://{host}{path_and_query}")).unwrap();
    let protocol: Vec<(&str, &str)> = params
        .iter()
        .map(|(name, value)| (name.as_str(), value.as_str()))
        .collect();
    let base = base_string(request.method.as_str(), &url, &protocol);
    assert!(
        base.contains("replace%3Ditem"),
        "the query is signed: {base}"
    );
    assert_eq!(
        value("oauth_signature"),
        sign(&base, "consumer-secret", "token-secret")
    );
}

#[tokio::test]
async fn an_m2m_token_is_minted_once_for_twenty_concurrent_calls() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(TOKEN_PATH))
        .respond_with(token("tok-1", json!(3600)).set_delay(Duration::from_millis(50)))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{RECORDS}/customer/1")))
        .and(header("authorization", "Bearer tok-1"))
        .respond_with(customer())
        .expect(20)
        .mount(&server)
        .await;
    let client = m2m_client(&server);

    let mut calls = tokio::task::JoinSet::new();
    for _ in 0..20 {
        let client = client.clone();
        calls.spawn(async move {
            client
                .get("customer", &RecordId::Internal("1".into()), None)
                .await
        });
    }
    while let Some(done) = calls.join_next().await {
        assert_eq!(done.unwrap().unwrap()["companyName"], "Acme");
    }

    let requests = server.received_requests().await.unwrap();
    let mint = requests
        .iter()
        .find(|r| r.url.path() == TOKEN_PATH)
        .unwrap();
    let form: Vec<(String, String)> = url::form_urlencoded::parse(&mint.body)
        .into_owned()
        .collect();
    let assertion = &form
        .iter()
        .find(|(name, _)| name == "client_assertion")
        .unwrap()
        .1;
    let claims: AssertionClaims = jsonwebtoken::dangerous::insecure_decode(assertion)
        .unwrap()
        .claims;
    assert_eq!(claims.aud, format!("{}{TOKEN_PATH}", server.uri()));
    assert_eq!(claims.iss, "client-1a2b");
}

#[tokio::test]
async fn an_m2m_token_is_minted_again_once_it_expires() {
    let server = MockServer::start().await;
    // Shorter than the refresh margin: stale as soon as it arrives, so each call mints anew.
    Mock::given(method("POST"))
        .and(path(TOKEN_PATH))
        .respond_with(token("short-lived", json!("30")))
        .expect(2)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(header("authorization", "Bearer short-lived"))
        .respond_with(customer())
        .expect(2)
        .mount(&server)
        .await;
    let client = m2m_client(&server);

    for _ in 0..2 {
        client
            .get("customer", &RecordId::Internal("1".into()), None)
            .await
            .unwrap();
    }
}

#[tokio::test]
async fn an_m2m_401_drops_the_token_and_retries_once_with_a_new_one() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(TOKEN_PATH))
        .respond_with(token("revoked", json!(3600)))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(TOKEN_PATH))
        .respond_with(token("fresh", json!(3600)))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(header("authorization", "Bearer revoked"))
        .respond_with(ResponseTemplate::new(401).set_body_raw(INVALID_LOGIN, "application/json"))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(header("authorization", "Bearer fresh"))
        .respond_with(customer())
        .expect(1)
        .mount(&server)
        .await;

    let record = m2m_client(&server)
        .get("customer", &RecordId::Internal("1".into()), None)
        .await
        .unwrap();
    assert_eq!(record["id"], "1");
}

#[tokio::test]
async fn an_m2m_401_that_persists_asks_for_new_credentials() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(TOKEN_PATH))
        .respond_with(token("refused", json!(3600)))
        .expect(2)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(401).set_body_raw(INVALID_LOGIN, "application/json"))
        .expect(2)
        .mount(&server)
        .await;

    let error = m2m_client(&server)
        .get("customer", &RecordId::Internal("1".into()), None)
        .await
        .unwrap_err();
    assert_eq!(error.class, ErrorClass::RefreshAuth);
    assert_eq!(error.code.as_deref(), Some("INVALID_LOGIN"));
}
