use super::*;
use jsonwebtoken::{DecodingKey, Validation};
use wiremock::matchers::{body_string_contains, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const RSA_KEY: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/keys/rsa-test-key.pem"
));
const RSA_PUBLIC: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/keys/rsa-test-key.pub.pem"
));
const EC_KEY: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/keys/ec-test-key.pem"
));
const EC_PUBLIC: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/keys/ec-test-key.pub.pem"
));

const TOKEN_URL: &str =
    "https://123456-sb1.suitetalk.api.netsuite.com/services/rest/auth/oauth2/v1/token";

fn credentials(pem: &str) -> M2mCredentials {
    M2mCredentials {
        client_id: "client-1a2b".into(),
        certificate_id: "cert-9z8y".into(),
        private_key_pem: Secret::from(pem),
    }
}

fn source(pem: &str, token_url: &str) -> TokenSource {
    TokenSource::new(
        reqwest::Client::new(),
        Url::parse(token_url).unwrap(),
        &credentials(pem),
    )
    .unwrap()
}

fn decoded(
    assertion: &str,
    public_pem: &str,
    algorithm: Algorithm,
) -> jsonwebtoken::TokenData<AssertionClaims> {
    let key = match algorithm {
        Algorithm::PS256 => DecodingKey::from_rsa_pem(public_pem.as_bytes()).unwrap(),
        _ => DecodingKey::from_ec_pem(public_pem.as_bytes()).unwrap(),
    };
    let mut validation = Validation::new(algorithm);
    validation.set_audience(&[TOKEN_URL]);
    validation.set_issuer(&["client-1a2b"]);
    validation.validate_exp = false;
    jsonwebtoken::decode(assertion, &key, &validation).unwrap()
}

#[test]
fn the_token_url_is_under_the_account_host() {
    let base = Url::parse("https://123456-sb1.suitetalk.api.netsuite.com").unwrap();
    assert_eq!(token_url(&base).as_str(), TOKEN_URL);
}

#[test]
fn an_rsa_key_signs_a_ps256_assertion_with_the_documented_claims() {
    let source = source(RSA_KEY, TOKEN_URL);
    assert_eq!(source.algorithm(), Algorithm::PS256);
    let token = decoded(
        &source.assertion(1_717_171_717).unwrap(),
        RSA_PUBLIC,
        Algorithm::PS256,
    );

    assert_eq!(token.header.alg, Algorithm::PS256);
    assert_eq!(token.header.typ.as_deref(), Some("JWT"));
    assert_eq!(token.header.kid.as_deref(), Some("cert-9z8y"));
    assert_eq!(
        token.claims,
        AssertionClaims {
            iss: "client-1a2b".into(),
            scope: "restlets,rest_webservices".into(),
            aud: TOKEN_URL.into(),
            iat: 1_717_171_717,
            exp: 1_717_171_717 + 3600,
        }
    );
}

#[test]
fn an_ec_key_signs_an_es256_assertion_with_the_documented_claims() {
    let source = source(EC_KEY, TOKEN_URL);
    assert_eq!(source.algorithm(), Algorithm::ES256);
    let now = chrono::Utc::now().timestamp();
    let token = decoded(&source.assertion(now).unwrap(), EC_PUBLIC, Algorithm::ES256);

    assert_eq!(token.header.alg, Algorithm::ES256);
    assert_eq!(token.header.kid.as_deref(), Some("cert-9z8y"));
    assert_eq!(token.claims.scope, SCOPE);
    assert_eq!(token.claims.iat, now);
    assert!(token.claims.exp - token.claims.iat <= 3600);
}

#[test]
fn the_rsa_assertion_does_not_verify_with_the_ec_key() {
    let assertion = source(RSA_KEY, TOKEN_URL).assertion(1_717_171_717).unwrap();
    let key = DecodingKey::from_ec_pem(EC_PUBLIC.as_bytes()).unwrap();
    assert!(
        jsonwebtoken::decode::<AssertionClaims>(
            &assertion,
            &key,
            &Validation::new(Algorithm::ES256)
        )
        .is_err()
    );
}

#[test]
fn a_key_that_is_not_a_private_key_is_refused() {
    for pem in ["not a key", RSA_PUBLIC, EC_PUBLIC] {
        let error = TokenSource::new(
            reqwest::Client::new(),
            Url::parse(TOKEN_URL).unwrap(),
            &credentials(pem),
        )
        .unwrap_err();
        assert_eq!(error.class, ErrorClass::Permanent);
        assert!(error.message.contains("private key"), "{}", error.message);
    }
}

#[test]
fn expires_in_is_read_as_a_number_or_a_string() {
    for body in [
        r#"{"access_token":"a","token_type":"bearer","expires_in":3600}"#,
        r#"{"access_token":"a","token_type":"bearer","expires_in":"3600"}"#,
        r#"{"access_token":"a","token_type":"bearer","expires_in":3600.0}"#,
    ] {
        let answer: TokenAnswer = serde_json::from_str(body).unwrap();
        assert_eq!(answer.expires_in, Some(3600), "{body}");
    }
    let answer: TokenAnswer = serde_json::from_str(r#"{"access_token":"a"}"#).unwrap();
    assert_eq!(answer.expires_in, None);
    assert!(
        serde_json::from_str::<TokenAnswer>(r#"{"access_token":"a","expires_in":"soon"}"#).is_err()
    );
}

#[tokio::test]
async fn the_token_request_is_a_client_credentials_form_with_the_assertion() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/services/rest/auth/oauth2/v1/token"))
        .and(header("content-type", "application/x-www-form-urlencoded"))
        .and(body_string_contains("grant_type=client_credentials"))
        .and(body_string_contains(
            "client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer",
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "access_token": "eyJ.minted", "token_type": "bearer", "expires_in": "3600"
        })))
        .expect(1)
        .mount(&server)
        .await;
    let url = token_url(&Url::parse(&server.uri()).unwrap());
    let source = source(EC_KEY, url.as_str());

    assert_eq!(source.access_token().await.unwrap().expose(), "eyJ.minted");
    assert_eq!(
        source.access_token().await.unwrap().expose(),
        "eyJ.minted",
        "cached"
    );

    let requests = server.received_requests().await.unwrap();
    let form: Vec<(String, String)> = url::form_urlencoded::parse(&requests[0].body)
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
    assert_eq!(claims.aud, url.as_str());
}

#[tokio::test]
async fn a_refused_mint_asks_for_new_credentials_and_keeps_the_oauth_code() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(400).set_body_json(serde_json::json!({
            "error": "invalid_client", "error_description": "Invalid client assertion"
        })))
        .mount(&server)
        .await;
    let url = token_url(&Url::parse(&server.uri()).unwrap());
    let error = source(RSA_KEY, url.as_str())
        .access_token()
        .await
        .unwrap_err();

    assert_eq!(error.class, ErrorClass::RefreshAuth);
    assert_eq!(error.status, Some(400));
    assert_eq!(error.code.as_deref(), Some("invalid_client"));
    assert!(error.message.contains("Invalid client assertion"));
}

#[tokio::test]
async fn a_failing_token_server_is_a_transient_error() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(503))
        .mount(&server)
        .await;
    let url = token_url(&Url::parse(&server.uri()).unwrap());
    let error = source(RSA_KEY, url.as_str())
        .access_token()
        .await
        .unwrap_err();
    assert_eq!(error.class, ErrorClass::Retry);
}
