//! Token flows and the session check in front of every API call.

use super::{Org, answer};
use crate::sandbox::{SandboxConfig, SandboxCredentials};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};

const PRIVATE_KEY: &str = include_str!("../../../../tests/fixtures/keys/rsa-test-key.pem");
const PUBLIC_KEY: &str = include_str!("../../../../tests/fixtures/keys/rsa-test-key.pub.pem");

async fn token_request(org: &Org, form: &[(&str, &str)]) -> (u16, Value) {
    answer(
        org.http
            .post(org.url("/services/oauth2/token"))
            .form(form)
            .send()
            .await
            .unwrap(),
    )
    .await
}

#[tokio::test]
async fn a_client_credentials_token_opens_a_session_and_a_wrong_secret_is_invalid_client() {
    let org = Org::start().await;
    let credentials = SandboxCredentials::default();
    let (status, body) = token_request(
        &org,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", &credentials.salesforce_client_id),
            ("client_secret", &credentials.salesforce_client_secret),
        ],
    )
    .await;
    assert_eq!(status, 200);
    let token = body["access_token"].as_str().unwrap();
    assert!(token.starts_with("00D5e000000SbxA!AR"), "{token}");
    assert_eq!(body["instance_url"], org.sandbox.salesforce_url.as_str());
    assert_eq!(
        body["id"],
        format!(
            "{}/id/00D5e000000SbxAEAS/0055e000000TndmAAC",
            org.sandbox.salesforce_url
        )
        .as_str()
    );
    assert_eq!(
        (body["token_type"].as_str(), body["scope"].as_str()),
        (Some("Bearer"), Some("api"))
    );
    assert!(body["issued_at"].as_str().unwrap().parse::<i64>().is_ok());
    assert!(!body["signature"].as_str().unwrap().is_empty());
    let response = org
        .http
        .get(org.api("/sobjects/Account/0015e0000000001AAA"))
        .bearer_auth(token)
        .send()
        .await;
    assert_ne!(response.unwrap().status(), 401);

    let (status, body) = token_request(
        &org,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", &credentials.salesforce_client_id),
            ("client_secret", "not-the-secret"),
        ],
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(
        body,
        json!({"error": "invalid_client", "error_description": "invalid client credentials"})
    );
}

#[tokio::test]
async fn an_unknown_client_id_or_grant_type_is_refused_as_salesforce_refuses_it() {
    let org = Org::start().await;
    let (status, body) = token_request(
        &org,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", "x"),
            ("client_secret", "y"),
        ],
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_client_id"))
    );
    let (status, body) = token_request(&org, &[("grant_type", "password")]).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("unsupported_grant_type"))
    );
}

fn assertion(audience: &str, expires_in: i64) -> String {
    let credentials = SandboxCredentials::default();
    let claims = json!({
        "iss": credentials.salesforce_client_id,
        "sub": credentials.salesforce_username,
        "aud": audience,
        "exp": chrono::Utc::now().timestamp() + expires_in,
    });
    let key = EncodingKey::from_rsa_pem(PRIVATE_KEY.as_bytes()).unwrap();
    jsonwebtoken::encode(&Header::new(Algorithm::RS256), &claims, &key).unwrap()
}

async fn jwt_org() -> Org {
    let mut config = SandboxConfig::default();
    config.credentials.salesforce_jwt_public_key_pem = Some(PUBLIC_KEY.to_owned());
    Org::start_with(config).await
}

const JWT_BEARER: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";

#[tokio::test]
async fn a_jwt_bearer_assertion_signed_by_the_connected_app_key_gets_a_token() {
    let org = jwt_org().await;
    for audience in [
        "https://login.salesforce.com",
        "https://test.salesforce.com",
        org.sandbox.salesforce_url.as_str(),
    ] {
        let (status, body) = token_request(
            &org,
            &[
                ("grant_type", JWT_BEARER),
                ("assertion", &assertion(audience, 120)),
            ],
        )
        .await;
        assert_eq!(status, 200, "{audience}: {body}");
        let token = body["access_token"].as_str().unwrap();
        let response = org
            .http
            .get(org.api("/query?q=SELECT+Id+FROM+Account"))
            .bearer_auth(token)
            .send()
            .await;
        assert_eq!(response.unwrap().status(), 200);
    }
}

#[tokio::test]
async fn jwt_assertions_for_another_audience_expired_or_too_long_lived_are_refused() {
    let org = jwt_org().await;
    let cases = [
        (assertion("https://example.com", 120), "audience is invalid"),
        (
            assertion("https://login.salesforce.com", -60),
            "invalid assertion",
        ),
        (
            assertion("https://login.salesforce.com", 3600),
            "invalid assertion",
        ),
        ("not.a.jwt".to_owned(), "invalid assertion"),
    ];
    for (jwt, description) in cases {
        let (status, body) =
            token_request(&org, &[("grant_type", JWT_BEARER), ("assertion", &jwt)]).await;
        assert_eq!(status, 400);
        assert_eq!(
            body,
            json!({"error": "invalid_grant", "error_description": description})
        );
    }
}

#[tokio::test]
async fn jwt_bearer_is_refused_when_no_certificate_is_configured() {
    let org = Org::start().await;
    let (status, body) = token_request(
        &org,
        &[
            ("grant_type", JWT_BEARER),
            ("assertion", &assertion("https://login.salesforce.com", 60)),
        ],
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant"))
    );
}

#[tokio::test]
async fn a_call_without_a_token_or_with_an_expired_one_gets_invalid_session_id() {
    let org = Org::start().await;
    let expected =
        json!([{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}]);
    let (status, body) = answer(
        org.http
            .get(org.api("/query?q=SELECT+Id+FROM+Account"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!((status, body), (401, expected.clone()));

    let (status, _) = answer(org.get(&org.api("/query?q=SELECT+Id+FROM+Account")).await).await;
    assert_eq!(status, 200);
    let expired = org
        .http
        .post(org.url("/_sandbox/expire-tokens"))
        .send()
        .await
        .unwrap();
    assert_eq!(expired.status(), 200);
    let (status, body) = answer(org.get(&org.api("/query?q=SELECT+Id+FROM+Account")).await).await;
    assert_eq!((status, body), (401, expected));

    let counters: Value = org
        .http
        .get(org.url("/_sandbox/counters"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(counters["auth_failures"], 2);
}

#[tokio::test]
async fn unserved_api_versions_are_not_found() {
    let org = Org::start().await;
    for version in ["v39.0", "v99.0", "v67", "latest"] {
        let url = org.url(&format!(
            "/services/data/{version}/query?q=SELECT+Id+FROM+Account"
        ));
        let (status, body) = answer(org.get(&url).await).await;
        assert_eq!(status, 404, "{version}");
        assert_eq!(
            body,
            json!([{"errorCode": "NOT_FOUND", "message": "The requested resource does not exist"}])
        );
    }
    let (status, body) = answer(
        org.get(&org.url("/services/data/v45.0/query?q=SELECT+Id+FROM+Account"))
            .await,
    )
    .await;
    assert_eq!(status, 200, "{body}");
}
