//! `[salesforce]` becomes client settings, or a one-line error naming the key.

use super::*;
use crate::config::{SalesforceAuth, SalesforceConfig};
use crate::connectors::error::ErrorClass;

fn config() -> SalesforceConfig {
    SalesforceConfig {
        instance_url: Some("https://acme.my.salesforce.com".into()),
        client_id: Some("consumer-key".into()),
        client_secret: Some(Secret::from(CLIENT_SECRET)),
        ..SalesforceConfig::default()
    }
}

#[test]
fn client_credentials_default_to_the_instance_token_endpoint() {
    let settings = SalesforceSettings::from_config(&config()).expect("settings");
    assert_eq!(
        settings.token_url().expect("url").as_str(),
        "https://acme.my.salesforce.com/services/oauth2/token"
    );
    assert_eq!(settings.api_version, "67.0");
    assert_eq!(
        settings.timeout,
        crate::connectors::salesforce::DEFAULT_TIMEOUT
    );
    SalesforceClient::from_config(&config()).expect("client");
}

#[test]
fn a_missing_value_is_a_permanent_error_naming_its_key() {
    let mut missing = config();
    missing.client_secret = None;
    let error = SalesforceClient::from_config(&missing).expect_err("no secret");
    assert_eq!(error.class, ErrorClass::Permanent);
    assert!(
        error.message.contains("salesforce.client_secret"),
        "{}",
        error.message
    );
    let mut missing = config();
    missing.instance_url = None;
    let error = SalesforceClient::from_config(&missing).expect_err("no instance");
    assert!(
        error.message.contains("salesforce.instance_url"),
        "{}",
        error.message
    );
}

#[test]
fn jwt_bearer_reads_the_private_key_file_and_the_token_url() {
    let mut jwt = config();
    jwt.auth = SalesforceAuth::JwtBearer;
    jwt.client_secret = None;
    jwt.username = Some("integration@acme.example".into());
    jwt.token_url = Some("https://login.salesforce.com/services/oauth2/token".into());
    jwt.private_key_path = Some(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/keys/rsa-test-key.pem"),
    );
    let client = SalesforceClient::from_config(&jwt).expect("client");
    assert!(!format!("{client:?}").contains("PRIVATE KEY"));

    jwt.private_key_path = Some("/nonexistent/key.pem".into());
    let error = SalesforceClient::from_config(&jwt).expect_err("no key file");
    assert!(
        error.message.contains("salesforce.private_key_path"),
        "{}",
        error.message
    );
}
