//! The NetSuite connector against the sandbox account over real HTTP: TBA signatures (and what
//! tampering does to them), M2M tokens, record writes and reads, error classes, and the
//! account's concurrency limit kept busy without ever being exceeded.

use reqwest::header::AUTHORIZATION;
use serde_json::{Value, json};
use std::time::{Duration, Instant};
use tandem::config::Secret;
use tandem::connectors::netsuite::tba::{TbaSigner, fresh_nonce};
use tandem::connectors::netsuite::{
    M2mCredentials, NetsuiteClient, NetsuiteCredentials, NetsuiteSettings, RecordId, TbaCredentials,
};
use tandem::connectors::{ConnectorError, ErrorClass, System};
use tandem::sandbox::{Sandbox, SandboxConfig, SandboxCredentials};
use url::Url;

const RSA_PRIVATE: &str = include_str!("../fixtures/keys/rsa-test-key.pem");
const RSA_PUBLIC: &str = include_str!("../fixtures/keys/rsa-test-key.pub.pem");
const EC_PRIVATE: &str = include_str!("../fixtures/keys/ec-test-key.pem");
const EC_PUBLIC: &str = include_str!("../fixtures/keys/ec-test-key.pub.pem");
/// Seeded records (src/sandbox/netsuite/seed.rs): subsidiary "Parent Company", customer Acme,
/// and sales order SO-1001 with lines for items 201 and 202.
const PARENT_SUBSIDIARY: &str = "1";
const ACME: &str = "101";
const SALES_ORDER: &str = "301";

/// A sandbox account, a connector signed in to it, and a plain client for raw requests.
struct Account {
    sandbox: Sandbox,
    client: NetsuiteClient,
    http: reqwest::Client,
}

impl Account {
    /// The sandbox with its defaults and a TBA connector.
    async fn start() -> Account {
        Account::start_with(SandboxConfig::default(), 10).await
    }

    async fn start_with(config: SandboxConfig, concurrency: usize) -> Account {
        let credentials = NetsuiteCredentials::Tba(tba_credentials(&config.credentials));
        Account::start_signed_in(config, credentials, concurrency).await
    }

    async fn start_signed_in(
        config: SandboxConfig,
        credentials: NetsuiteCredentials,
        concurrency: usize,
    ) -> Account {
        let account_id = config.credentials.netsuite_account_id.clone();
        let sandbox = Sandbox::start(config).await.expect("sandbox starts");
        let settings = NetsuiteSettings {
            concurrency,
            ..NetsuiteSettings::new(account_id, sandbox.netsuite_url.clone(), credentials)
        };
        let client = NetsuiteClient::new(settings).expect("the client builds");
        Account {
            sandbox,
            client,
            http: reqwest::Client::new(),
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.sandbox.netsuite_url)
    }

    async fn inspect(&self, path: &str) -> Value {
        let response = self
            .http
            .get(self.url(path))
            .send()
            .await
            .expect("the sandbox answers");
        assert!(
            response.status().is_success(),
            "{path} answered {}",
            response.status()
        );
        response.json().await.expect("a JSON answer")
    }

    async fn counters(&self) -> Value {
        self.inspect("/_sandbox/counters").await
    }

    /// A record as the sandbox holds it, sublists expanded.
    async fn record(&self, record_type: &str, id: &str) -> Value {
        self.inspect(&format!("/_sandbox/records/{record_type}/{id}"))
            .await
    }
}

fn tba_credentials(credentials: &SandboxCredentials) -> TbaCredentials {
    TbaCredentials {
        consumer_key: credentials.netsuite_consumer_key.clone(),
        consumer_secret: Secret::from(credentials.netsuite_consumer_secret.as_str()),
        token_id: credentials.netsuite_token_id.clone(),
        token_secret: Secret::from(credentials.netsuite_token_secret.as_str()),
    }
}

fn customer(name: &str) -> Value {
    json!({ "companyName": name, "subsidiary": { "id": PARENT_SUBSIDIARY } })
}

fn internal(id: &str) -> RecordId {
    RecordId::Internal(id.to_owned())
}

fn expect_error<T: std::fmt::Debug>(result: Result<T, ConnectorError>) -> ConnectorError {
    let error = result.expect_err("the call fails");
    assert_eq!(error.system, System::Netsuite);
    error
}

#[tokio::test]
async fn a_created_record_has_the_id_from_location_and_reads_back() {
    let account = Account::start().await;

    let id = account
        .client
        .create("customer", &customer("Initrode LLC"))
        .await
        .expect("the signed create is accepted");
    let record = account
        .client
        .get("customer", &internal(&id), None)
        .await
        .expect("the signed read is accepted");

    assert!(
        id.bytes().all(|b| b.is_ascii_digit()),
        "an internal id: {id}"
    );
    assert_eq!(record["id"], id.as_str());
    assert_eq!(record["companyName"], "Initrode LLC");
    assert_eq!(record["subsidiary"]["id"], PARENT_SUBSIDIARY);
    assert_eq!(account.counters().await["auth_failures"], 0);
}

#[tokio::test]
async fn an_upsert_by_external_id_twice_leaves_one_record() {
    let account = Account::start().await;

    let first = account
        .client
        .upsert_by_external_id(
            "customer",
            "SF-001-UPSERT",
            &customer("Vandelay Industries"),
        )
        .await
        .expect("the first upsert succeeds");
    let second = account
        .client
        .upsert_by_external_id(
            "customer",
            "SF-001-UPSERT",
            &customer("Vandelay Industries, Inc."),
        )
        .await
        .expect("the second upsert succeeds");

    assert!(first.id.is_some(), "the internal id comes from Location");
    assert_eq!(first.id, second.id, "both upserts address one record");
    let holders: Vec<Value> = account
        .inspect("/_sandbox/records/customer")
        .await
        .as_array()
        .unwrap()
        .iter()
        .filter(|record| record["externalId"] == "SF-001-UPSERT")
        .cloned()
        .collect();
    assert_eq!(holders.len(), 1, "one record holds the external id");
    assert_eq!(holders[0]["companyName"], "Vandelay Industries, Inc.");
    let by_eid = account
        .client
        .get(
            "customer",
            &RecordId::External("SF-001-UPSERT".into()),
            Some(&["companyName"]),
        )
        .await
        .expect("the record reads by external id");
    assert_eq!(by_eid["companyName"], "Vandelay Industries, Inc.");
}

#[tokio::test]
async fn a_patch_with_replace_item_replaces_the_sales_order_lines() {
    let account = Account::start().await;
    let lines = |order: &Value| -> Vec<String> {
        order["item"]["items"]
            .as_array()
            .expect("expanded lines")
            .iter()
            .map(|line| line["item"]["id"].as_str().unwrap_or_default().to_owned())
            .collect()
    };
    assert_eq!(
        lines(&account.record("salesOrder", SALES_ORDER).await),
        ["201", "202"]
    );

    account
        .client
        .patch(
            "salesOrder",
            &internal(SALES_ORDER),
            &json!({ "item": { "items": [{ "item": { "id": "204" }, "quantity": 3, "rate": 12.5 }] } }),
            Some("item"),
        )
        .await
        .expect("the patch succeeds");

    let order = account.record("salesOrder", SALES_ORDER).await;
    assert_eq!(lines(&order), ["204"], "the old lines are gone");
    assert_eq!(order["total"], 37.5);
}

#[tokio::test]
async fn an_unknown_internal_id_is_permanent_nonexistent_id() {
    let account = Account::start().await;

    let error = expect_error(
        account
            .client
            .get("customer", &internal("987654"), None)
            .await,
    );

    assert_eq!(error.class, ErrorClass::Permanent, "{error}");
    assert_eq!(error.status, Some(404));
    assert_eq!(error.code.as_deref(), Some("NONEXISTENT_ID"));
}

#[tokio::test]
async fn an_invalid_item_on_a_sales_order_is_permanent_invalid_content_at_its_path() {
    let account = Account::start().await;
    let order = json!({
        "entity": { "id": ACME },
        "item": { "items": [{ "item": { "id": "9999" }, "quantity": 1 }] },
    });

    let error = expect_error(account.client.create("salesOrder", &order).await);

    assert_eq!(error.class, ErrorClass::Permanent, "{error}");
    assert_eq!(error.status, Some(400));
    assert_eq!(error.code.as_deref(), Some("INVALID_CONTENT"));
    assert!(
        error
            .fields
            .iter()
            .any(|field| field == "item.items[0].item"),
        "{:?}",
        error.fields
    );
    assert!(!error.is_retryable());
}

/// A raw GET of Acme with a hand-made TBA header.
struct HandSigned {
    account: Account,
    signer: TbaSigner,
    url: Url,
}

impl HandSigned {
    async fn start() -> HandSigned {
        let account = Account::start().await;
        let credentials = SandboxCredentials::default();
        let signer = TbaSigner::new(
            credentials.netsuite_account_id.clone(),
            tba_credentials(&credentials),
        );
        let url = Url::parse(&account.url(&format!(
            "/services/rest/record/v1/customer/{ACME}?fields=companyName"
        )))
        .expect("the URL parses");
        HandSigned {
            account,
            signer,
            url,
        }
    }

    fn header(&self, nonce: &str, timestamp: u64) -> String {
        self.signer
            .authorization_at("GET", &self.url, nonce, timestamp)
    }

    async fn get(&self, url: &Url, authorization: &str) -> reqwest::Response {
        self.account
            .http
            .get(url.as_str())
            .header(AUTHORIZATION, authorization)
            .send()
            .await
            .expect("the sandbox answers")
    }
}

fn now() -> u64 {
    chrono::Utc::now().timestamp().unsigned_abs()
}

/// Asserts a 401 whose body carries NetSuite's `INVALID_LOGIN`.
async fn assert_invalid_login(response: reqwest::Response) {
    assert_eq!(response.status(), 401);
    let body: Value = response.json().await.expect("a JSON error body");
    assert_eq!(body["o:errorDetails"][0]["o:errorCode"], "INVALID_LOGIN");
}

#[tokio::test]
async fn a_hand_signed_get_is_accepted_but_not_with_one_query_byte_changed() {
    let signed = HandSigned::start().await;
    let header = signed.header(&fresh_nonce(), now());
    let mut tampered = signed.url.clone();
    tampered.set_query(Some("fields=companyNamf"));

    // The tampered request goes first: if it were refused for its nonce rather than its
    // signature, the genuine one after it would be refused too.
    let refused = signed.get(&tampered, &header).await;
    let accepted = signed.get(&signed.url, &header).await;

    assert_invalid_login(refused).await;
    assert_eq!(accepted.status(), 200);
    let body: Value = accepted.json().await.unwrap();
    assert_eq!(body["companyName"], "Acme Corporation");
    assert_eq!(signed.account.counters().await["auth_failures"], 1);
}

#[tokio::test]
async fn a_nonce_and_timestamp_are_accepted_only_once() {
    let signed = HandSigned::start().await;
    let header = signed.header(&fresh_nonce(), now());

    let first = signed.get(&signed.url, &header).await;
    let replay = signed.get(&signed.url, &header).await;

    assert_eq!(first.status(), 200);
    assert_invalid_login(replay).await;
}

#[tokio::test]
async fn a_timestamp_ten_minutes_old_is_refused() {
    let signed = HandSigned::start().await;
    let stale = signed.header(&fresh_nonce(), now() - 600);
    let fresh = signed.header(&fresh_nonce(), now());

    let refused = signed.get(&signed.url, &stale).await;
    let accepted = signed.get(&signed.url, &fresh).await;

    assert_invalid_login(refused).await;
    assert_eq!(
        accepted.status(),
        200,
        "the same signer, on time, is accepted"
    );
}

#[tokio::test]
async fn two_hundred_concurrent_writes_keep_ten_slots_busy_without_a_429() {
    const WRITES: usize = 200;
    const SLOTS: usize = 10;
    const LATENCY: Duration = Duration::from_millis(100);
    let account = Account::start_with(
        SandboxConfig {
            netsuite_concurrency: SLOTS,
            latency: LATENCY,
            ..SandboxConfig::default()
        },
        SLOTS,
    )
    .await;

    let started = Instant::now();
    let mut writes = tokio::task::JoinSet::new();
    for n in 0..WRITES {
        let client = account.client.clone();
        writes.spawn(async move {
            client
                .create("customer", &customer(&format!("Concurrent {n}")))
                .await
        });
    }
    let outcomes = writes.join_all().await;
    let wall = started.elapsed();

    let failures: Vec<_> = outcomes.iter().filter_map(|o| o.as_ref().err()).collect();
    assert!(
        failures.is_empty(),
        "{} failed: {failures:?}",
        failures.len()
    );
    let counters = account.counters().await;
    let throttled = counters["throttled"].as_u64().unwrap();
    let peak = counters["peak_in_flight"].as_u64().unwrap();
    let busy_ms: u64 = account
        .inspect("/_sandbox/requests?limit=1000")
        .await
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["method"] == "POST" && r["path"] == "/services/rest/record/v1/customer")
        .map(|r| r["duration_ms"].as_u64().unwrap())
        .sum();
    let utilisation = busy_ms as f64 / (wall.as_millis() as f64 * SLOTS as f64);
    println!(
        "NetSuite utilisation: {utilisation:.2} of {SLOTS} slots, peak {peak}, 429s {throttled} \
         ({WRITES} writes in {} ms, {busy_ms} ms of service)",
        wall.as_millis()
    );
    assert_eq!(counters["operations"]["create"], WRITES as u64);
    assert_eq!(throttled, 0, "no request was refused for concurrency");
    assert!(peak <= SLOTS as u64, "peak {peak} exceeds {SLOTS}");
    assert!(
        account.client.governor().peak_in_flight() <= SLOTS,
        "the client's own count agrees"
    );
    assert!(
        busy_ms >= WRITES as u64 * LATENCY.as_millis() as u64,
        "every write took at least the service latency"
    );
    assert!(
        utilisation >= 0.7,
        "utilisation {utilisation:.2} is below 0.7"
    );
}

/// An account that accepts M2M assertions verified with `public_key`, and a client signing
/// them with `private_key`.
async fn m2m_account(public_key: &str, private_key: &str) -> Account {
    let credentials = SandboxCredentials {
        netsuite_m2m_public_key_pem: Some(public_key.into()),
        ..SandboxCredentials::default()
    };
    let m2m = NetsuiteCredentials::M2m(M2mCredentials {
        client_id: credentials.netsuite_client_id.clone(),
        certificate_id: credentials.netsuite_certificate_id.clone(),
        private_key_pem: Secret::from(private_key),
    });
    let config = SandboxConfig {
        credentials,
        ..SandboxConfig::default()
    };
    Account::start_signed_in(config, m2m, 10).await
}

/// Twenty concurrent reads; the counters after them.
async fn twenty_concurrent_reads(account: &Account) -> Value {
    let mut reads = tokio::task::JoinSet::new();
    for _ in 0..20 {
        let client = account.client.clone();
        reads.spawn(async move {
            client
                .get("customer", &internal(ACME), Some(&["companyName"]))
                .await
        });
    }
    for outcome in reads.join_all().await {
        let record = outcome.expect("the bearer token is accepted");
        assert_eq!(record["companyName"], "Acme Corporation");
    }
    account.counters().await
}

#[tokio::test]
async fn a_ps256_m2m_token_is_minted_once_for_twenty_concurrent_requests() {
    let account = m2m_account(RSA_PUBLIC, RSA_PRIVATE).await;

    let counters = twenty_concurrent_reads(&account).await;

    assert_eq!(counters["operations"]["token"], 1, "{counters}");
    assert_eq!(counters["operations"]["get"], 20);
    assert_eq!(counters["auth_failures"], 0);
}

#[tokio::test]
async fn an_es256_m2m_token_is_minted_once_for_twenty_concurrent_requests() {
    let account = m2m_account(EC_PUBLIC, EC_PRIVATE).await;

    let counters = twenty_concurrent_reads(&account).await;

    assert_eq!(counters["operations"]["token"], 1, "{counters}");
    assert_eq!(counters["operations"]["get"], 20);
    assert_eq!(counters["auth_failures"], 0);
}
