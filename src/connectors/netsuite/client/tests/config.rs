use super::*;
use crate::config::NetsuiteAuth;
use std::io::Write;

fn tba_config() -> NetsuiteConfig {
    NetsuiteConfig {
        account_id: Some("123456-sb1".into()),
        base_url: Some("https://123456-sb1.suitetalk.api.netsuite.com".into()),
        consumer_key: Some("ck".into()),
        consumer_secret: Some(Secret::from("cs")),
        token_id: Some("ti".into()),
        token_secret: Some(Secret::from("ts")),
        ..NetsuiteConfig::default()
    }
}

fn m2m_config(private_key_path: Option<std::path::PathBuf>) -> NetsuiteConfig {
    NetsuiteConfig {
        account_id: Some("123456".into()),
        base_url: Some("https://123456.suitetalk.api.netsuite.com".into()),
        auth: NetsuiteAuth::Oauth2M2m,
        client_id: Some("client".into()),
        certificate_id: Some("cert".into()),
        private_key_path,
        ..NetsuiteConfig::default()
    }
}

#[test]
fn a_complete_tba_config_builds_a_client_with_an_upper_case_realm() {
    let settings = NetsuiteSettings::from_config(&tba_config()).unwrap();
    assert_eq!(settings.realm(), "123456_SB1");
    assert_eq!(settings.concurrency, 10);
    assert_eq!(settings.timeout, Duration::from_secs(30));
    assert!(NetsuiteClient::from_config(&tba_config()).is_ok());
}

#[test]
fn each_missing_tba_value_is_named_by_its_key() {
    type Unset = fn(&mut NetsuiteConfig);
    let cases: [(&str, Unset); 6] = [
        ("netsuite.account_id", |c| c.account_id = None),
        ("netsuite.base_url", |c| c.base_url = Some("  ".into())),
        ("netsuite.consumer_key", |c| c.consumer_key = None),
        ("netsuite.consumer_secret", |c| c.consumer_secret = None),
        ("netsuite.token_id", |c| c.token_id = None),
        ("netsuite.token_secret", |c| {
            c.token_secret = Some(Secret::from(""))
        }),
    ];
    for (key, remove) in cases {
        let mut config = tba_config();
        remove(&mut config);
        let error = NetsuiteClient::from_config(&config).unwrap_err();
        assert!(error.message.starts_with(key), "{key}: {}", error.message);
        assert_eq!(error.class, ErrorClass::Permanent);
    }
}

#[test]
fn secrets_never_appear_in_a_config_error() {
    let mut config = tba_config();
    config.consumer_secret = Some(Secret::from("super-secret-value"));
    config.token_id = None;
    let error = NetsuiteClient::from_config(&config).unwrap_err();
    assert!(!error.to_string().contains("super-secret-value"));
}

#[test]
fn a_bad_base_url_is_refused() {
    let mut config = tba_config();
    config.base_url = Some("123456.suitetalk.api.netsuite.com".into());
    let error = NetsuiteClient::from_config(&config).unwrap_err();
    assert!(
        error.message.starts_with("netsuite.base_url"),
        "{}",
        error.message
    );
}

#[test]
fn m2m_reads_the_private_key_file() {
    let mut file = tempfile::NamedTempFile::new().unwrap();
    file.write_all(RSA_KEY.as_bytes()).unwrap();
    assert!(NetsuiteClient::from_config(&m2m_config(Some(file.path().to_owned()))).is_ok());
}

#[test]
fn m2m_names_the_key_path_when_it_is_missing_unreadable_or_not_a_key() {
    let error = NetsuiteClient::from_config(&m2m_config(None)).unwrap_err();
    assert!(
        error.message.starts_with("netsuite.private_key_path"),
        "{}",
        error.message
    );

    let gone = std::env::temp_dir().join("tandem-no-such-key.pem");
    let error = NetsuiteClient::from_config(&m2m_config(Some(gone))).unwrap_err();
    assert!(
        error
            .message
            .starts_with("netsuite.private_key_path: cannot read"),
        "{}",
        error.message
    );

    let mut file = tempfile::NamedTempFile::new().unwrap();
    file.write_all(b"-----BEGIN CERTIFICATE-----\nnope\n-----END CERTIFICATE-----\n")
        .unwrap();
    let error = NetsuiteClient::from_config(&m2m_config(Some(file.path().to_owned()))).unwrap_err();
    assert!(
        error.message.starts_with("netsuite.private_key_path"),
        "{}",
        error.message
    );
}

#[test]
fn m2m_names_a_missing_client_id() {
    let mut config = m2m_config(None);
    config.client_id = None;
    let error = NetsuiteClient::from_config(&config).unwrap_err();
    assert!(
        error.message.starts_with("netsuite.client_id"),
        "{}",
        error.message
    );
}
