//! The Salesforce connector against the sandbox org over real HTTP: both OAuth flows, upserts,
//! error classes (vendor bodies and injected faults), token refresh, SOQL paging, sObject
//! Collections and the `Sforce-Limit-Info` usage reading.

use serde_json::{Map, Value, json};
use std::collections::{HashMap, HashSet};
use tandem::config::Secret;
use tandem::connectors::salesforce::{SalesforceClient, SalesforceCredentials, SalesforceSettings};
use tandem::connectors::{ConnectorError, ErrorClass, System};
use tandem::sandbox::{Sandbox, SandboxConfig, SandboxCredentials};
use url::Url;

const RSA_PRIVATE: &str = include_str!("../fixtures/keys/rsa-test-key.pem");
const RSA_PUBLIC: &str = include_str!("../fixtures/keys/rsa-test-key.pub.pem");
/// A custom field these tests declare on the sandbox org's Account and Contact, as an External ID.
const EXT: &str = "Tandem_Ext_Id__c";
/// A well-formed Account id (prefix 001, valid checksum) that the org never issued.
const UNISSUED_ACCOUNT_ID: &str = "001000000000000AAA";

/// `config` with [`EXT`] declared on Account and Contact (the org refuses custom fields it
/// lacks).
fn with_ext_field(mut config: SandboxConfig) -> SandboxConfig {
    for object in ["Account", "Contact"] {
        let field = format!("salesforce:{object}.{EXT}").parse().unwrap();
        config.fields.extra.push(field);
    }
    config
}

/// A sandbox org, a connector signed in to it, and a plain client for `/_sandbox` routes.
struct Org {
    sandbox: Sandbox,
    client: SalesforceClient,
    http: reqwest::Client,
}

impl Org {
    /// The sandbox with its defaults and a client-credentials connector.
    async fn start() -> Org {
        let sandbox = Sandbox::start(with_ext_field(SandboxConfig::default()))
            .await
            .expect("sandbox starts");
        let credentials = SandboxCredentials::default();
        let client = connector(
            &sandbox,
            SalesforceCredentials::ClientCredentials {
                client_id: credentials.salesforce_client_id,
                client_secret: Secret::from(credentials.salesforce_client_secret),
            },
        );
        Org::with(sandbox, client)
    }

    fn with(sandbox: Sandbox, client: SalesforceClient) -> Org {
        Org {
            sandbox,
            client,
            http: reqwest::Client::new(),
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.sandbox.salesforce_url)
    }

    async fn counters(&self) -> Value {
        self.inspect(reqwest::Method::GET, "/_sandbox/counters", None)
            .await
    }

    /// How many API calls of `operation` (`upsert`, `token`, `query`…) the org has served.
    async fn operations(&self, operation: &str) -> u64 {
        self.counters().await["operations"][operation]
            .as_u64()
            .unwrap_or(0)
    }

    async fn inspect(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let mut request = self.http.request(method, self.url(path));
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("the sandbox answers");
        assert!(
            response.status().is_success(),
            "{path} answered {}",
            response.status()
        );
        response.json().await.expect("a JSON answer")
    }

    /// Plans the next API call's fault.
    async fn inject(&self, plan: Value) {
        self.inspect(reqwest::Method::POST, "/_sandbox/faults", Some(plan))
            .await;
    }

    /// A record created by a person in the Salesforce UI; answers its id.
    async fn human_create(&self, object: &str, body: Value) -> String {
        let row = self
            .inspect(
                reqwest::Method::POST,
                &format!("/_sandbox/records/{object}"),
                Some(body),
            )
            .await;
        row["Id"].as_str().expect("the row has an Id").to_owned()
    }

    async fn records(&self, object: &str) -> Vec<Value> {
        let rows = self
            .inspect(
                reqwest::Method::GET,
                &format!("/_sandbox/records/{object}"),
                None,
            )
            .await;
        rows.as_array().expect("a list of rows").clone()
    }
}

fn connector(sandbox: &Sandbox, credentials: SalesforceCredentials) -> SalesforceClient {
    let instance_url = Url::parse(&sandbox.salesforce_url).expect("the sandbox URL parses");
    SalesforceClient::new(SalesforceSettings::new(instance_url, credentials))
        .expect("the client builds")
}

fn fields(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        other => panic!("{other} is not an object"),
    }
}

fn expect_error<T: std::fmt::Debug>(result: Result<T, ConnectorError>) -> ConnectorError {
    let error = result.expect_err("the call fails");
    assert_eq!(error.system, System::Salesforce);
    error
}

#[tokio::test]
async fn an_upsert_by_external_id_creates_then_updates_the_same_record() {
    let org = Org::start().await;

    let created = org
        .client
        .upsert(
            "Account",
            EXT,
            "ACME-1",
            &fields(json!({ "Name": "Acme Upsert" })),
        )
        .await
        .expect("the first upsert succeeds");
    let updated = org
        .client
        .upsert(
            "Account",
            EXT,
            "ACME-1",
            &fields(json!({ "Name": "Acme Upsert, renamed" })),
        )
        .await
        .expect("the second upsert succeeds");

    assert!(created.created, "the first upsert creates");
    assert!(!updated.created, "the second upsert updates");
    assert!(created.id.is_some());
    assert_eq!(created.id, updated.id, "both upserts address one record");
    let record = org
        .client
        .get("Account", created.id.as_deref().unwrap(), &["Name", EXT])
        .await
        .expect("the record reads back");
    assert_eq!(record["Name"], "Acme Upsert, renamed");
    assert_eq!(record[EXT], "ACME-1");
    assert_eq!(
        org.operations("token").await,
        1,
        "one client-credentials token serves every call"
    );
}

#[tokio::test]
async fn an_external_id_held_by_two_records_is_a_conflict() {
    let org = Org::start().await;
    for name in ["Twin One", "Twin Two"] {
        org.human_create("Account", json!({ "Name": name, EXT: "TWIN-7" }))
            .await;
    }

    let error = expect_error(
        org.client
            .upsert(
                "Account",
                EXT,
                "TWIN-7",
                &fields(json!({ "Name": "Which?" })),
            )
            .await,
    );

    assert_eq!(error.class, ErrorClass::Conflict, "{error}");
    assert_eq!(error.status, Some(300));
    let names: HashSet<String> = org
        .records("Account")
        .await
        .iter()
        .filter(|row| row[EXT] == "TWIN-7")
        .map(|row| row["Name"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(
        names,
        HashSet::from(["Twin One".to_owned(), "Twin Two".to_owned()]),
        "nothing was written to either record"
    );
}

#[tokio::test]
async fn a_malformed_id_is_permanent_and_names_the_id_field() {
    let org = Org::start().await;

    let error = expect_error(org.client.get("Account", "001-not-an-id", &[]).await);

    assert_eq!(error.class, ErrorClass::Permanent, "{error}");
    assert_eq!(error.status, Some(400));
    assert_eq!(error.code.as_deref(), Some("MALFORMED_ID"));
    assert_eq!(error.fields, ["Id"]);
}

#[tokio::test]
async fn an_unknown_id_is_permanent_not_found() {
    let org = Org::start().await;

    let error = expect_error(org.client.get("Account", UNISSUED_ACCOUNT_ID, &[]).await);

    assert_eq!(error.class, ErrorClass::Permanent, "{error}");
    assert_eq!(error.status, Some(404));
    assert_eq!(error.code.as_deref(), Some("NOT_FOUND"));
}

#[tokio::test]
async fn a_missing_required_field_is_permanent_and_names_the_field() {
    let org = Org::start().await;

    let error = expect_error(
        org.client
            .upsert(
                "Contact",
                EXT,
                "NAMELESS-1",
                &fields(json!({ "FirstName": "Nobody" })),
            )
            .await,
    );

    assert_eq!(error.class, ErrorClass::Permanent, "{error}");
    assert_eq!(error.status, Some(400));
    assert_eq!(error.code.as_deref(), Some("REQUIRED_FIELD_MISSING"));
    assert_eq!(error.fields, ["LastName"]);
}

#[tokio::test]
async fn an_injected_503_is_retryable_and_the_next_call_succeeds() {
    let org = Org::start().await;
    org.inject(json!({ "kind": "status", "status": 503, "count": 1 }))
        .await;
    let body = fields(json!({ "Name": "Flaky Ltd" }));

    let error = expect_error(org.client.upsert("Account", EXT, "FLAKY-1", &body).await);
    let retried = org.client.upsert("Account", EXT, "FLAKY-1", &body).await;

    assert_eq!(error.class, ErrorClass::Retry, "{error}");
    assert_eq!(error.status, Some(503));
    assert_eq!(error.code.as_deref(), Some("SERVER_UNAVAILABLE"));
    assert!(error.is_retryable());
    let outcome = retried.expect("the call after the fault succeeds");
    assert!(outcome.created, "the failed call wrote nothing");
    assert_eq!(org.counters().await["faults_injected"], 1);
}

#[tokio::test]
async fn an_injected_row_lock_is_retryable_unable_to_lock_row() {
    let org = Org::start().await;
    org.inject(json!({ "kind": "lock", "count": 1 })).await;

    let error = expect_error(
        org.client
            .upsert(
                "Account",
                EXT,
                "LOCKED-1",
                &fields(json!({ "Name": "Locked" })),
            )
            .await,
    );

    assert_eq!(error.class, ErrorClass::Retry, "{error}");
    assert_eq!(error.status, Some(400));
    assert_eq!(error.code.as_deref(), Some("UNABLE_TO_LOCK_ROW"));
}

#[tokio::test]
async fn an_injected_403_is_request_limit_exceeded_and_backs_off() {
    let org = Org::start().await;
    org.inject(json!({ "kind": "status", "status": 403, "count": 1 }))
        .await;

    let error = expect_error(org.client.get("Account", UNISSUED_ACCOUNT_ID, &[]).await);

    assert_eq!(error.class, ErrorClass::BackOff, "{error}");
    assert_eq!(error.status, Some(403));
    assert_eq!(error.code.as_deref(), Some("REQUEST_LIMIT_EXCEEDED"));
    assert!(
        error.is_retryable(),
        "a spent allowance comes back, much later"
    );
}

#[tokio::test]
async fn an_expired_session_is_refreshed_once_and_the_call_succeeds() {
    let org = Org::start().await;
    let body = fields(json!({ "Name": "Session Co" }));
    org.client
        .upsert("Account", EXT, "SESSION-1", &body)
        .await
        .expect("the first call succeeds");
    assert_eq!(org.operations("token").await, 1);

    let expired = org
        .inspect(reqwest::Method::POST, "/_sandbox/expire-tokens", None)
        .await;
    let outcome = org.client.upsert("Account", EXT, "SESSION-1", &body).await;

    assert_eq!(expired["expired"], 1);
    assert!(!outcome.expect("the call after expiry succeeds").created);
    let counters = org.counters().await;
    assert_eq!(
        counters["operations"]["token"], 2,
        "exactly one more token call"
    );
    assert_eq!(
        counters["by_status"]["401"], 1,
        "the stale token was refused once"
    );
    assert_eq!(counters["operations"]["upsert"], 2);
}

#[tokio::test]
async fn a_wave_of_calls_refused_together_refreshes_the_token_once() {
    let org = Org::start().await;
    org.client
        .get("Account", UNISSUED_ACCOUNT_ID, &[])
        .await
        .expect_err("not found, but a token was fetched");
    org.inspect(reqwest::Method::POST, "/_sandbox/expire-tokens", None)
        .await;

    let mut calls = tokio::task::JoinSet::new();
    for n in 0..10 {
        let client = org.client.clone();
        calls.spawn(async move {
            let body = fields(json!({ "Name": format!("Wave {n}") }));
            client
                .upsert("Account", EXT, &format!("WAVE-{n}"), &body)
                .await
        });
    }
    let outcomes = calls.join_all().await;

    assert!(
        outcomes.iter().all(Result::is_ok),
        "every call succeeds: {outcomes:?}"
    );
    assert_eq!(
        org.operations("token").await,
        2,
        "the whole wave shares one new token"
    );
}

#[tokio::test]
async fn a_query_follows_every_page_of_results() {
    let org = Org::start().await;
    for n in 0..4 {
        org.human_create("Account", json!({ "Name": format!("Paged {n}") }))
            .await;
    }
    let expected: HashSet<String> = org
        .records("Account")
        .await
        .iter()
        .map(|row| row["Id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(expected.len(), 7, "three seeded accounts and four more");
    org.inspect(
        reqwest::Method::PUT,
        "/_sandbox/query-page-size",
        Some(json!({ "size": 2 })),
    )
    .await;

    let records = org
        .client
        .query("SELECT Id, Name FROM Account")
        .await
        .expect("the query succeeds");

    let ids: Vec<String> = records
        .iter()
        .map(|record| record["Id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(ids.len(), 7, "every record once: {ids:?}");
    assert_eq!(ids.into_iter().collect::<HashSet<_>>(), expected);
    assert_eq!(
        org.operations("query").await,
        4,
        "seven records at two a page take four pages"
    );
}

#[tokio::test]
async fn the_jwt_bearer_flow_gets_a_token_the_org_accepts() {
    let credentials = SandboxCredentials {
        salesforce_jwt_public_key_pem: Some(RSA_PUBLIC.into()),
        ..SandboxCredentials::default()
    };
    let sandbox = Sandbox::start(with_ext_field(SandboxConfig {
        credentials: credentials.clone(),
        ..SandboxConfig::default()
    }))
    .await
    .expect("sandbox starts");
    let client = connector(
        &sandbox,
        SalesforceCredentials::JwtBearer {
            client_id: credentials.salesforce_client_id,
            username: credentials.salesforce_username,
            private_key_pem: Secret::from(RSA_PRIVATE),
        },
    );
    let org = Org::with(sandbox, client);

    let outcome = org
        .client
        .upsert(
            "Account",
            EXT,
            "JWT-1",
            &fields(json!({ "Name": "Signed In" })),
        )
        .await
        .expect("the upsert succeeds with a JWT bearer token");

    assert!(outcome.created);
    let counters = org.counters().await;
    assert_eq!(counters["operations"]["token"], 1);
    assert_eq!(counters["auth_failures"], 0);
}

#[tokio::test]
async fn a_collection_of_201_records_takes_two_requests_and_keeps_their_order() {
    let org = Org::start().await;
    let batch = |round: &str| -> Vec<Map<String, Value>> {
        (0..201)
            .map(|n| {
                fields(json!({ "Name": format!("Bulk {n} {round}"), EXT: format!("BULK-{n}") }))
            })
            .collect()
    };

    let results = org
        .client
        .upsert_collection("Account", EXT, batch("created"))
        .await
        .expect("the collection upsert succeeds");

    assert_eq!(results.len(), 201);
    assert!(
        results
            .iter()
            .all(|result| result.success && result.created),
        "every record was created: {:?}",
        results.iter().find(|result| !result.success)
    );
    assert_eq!(org.operations("composite_upsert").await, 2, "200 + 1");
    let composite_requests = org
        .inspect(reqwest::Method::GET, "/_sandbox/requests", None)
        .await
        .as_array()
        .unwrap()
        .iter()
        .filter(|request| {
            request["path"]
                .as_str()
                .is_some_and(|path| path.contains("/composite/sobjects/Account/"))
        })
        .count();
    assert_eq!(composite_requests, 2);
    let ext_of_id: HashMap<String, String> = org
        .records("Account")
        .await
        .iter()
        .filter_map(|row| {
            Some((
                row["Id"].as_str()?.to_owned(),
                row[EXT].as_str()?.to_owned(),
            ))
        })
        .collect();
    assert_eq!(ext_of_id.len(), 201, "all 201 records are in the org");
    for (n, result) in results.iter().enumerate() {
        let id = result.id.as_deref().expect("a created record has an id");
        assert_eq!(
            ext_of_id.get(id).map(String::as_str),
            Some(format!("BULK-{n}").as_str()),
            "result {n} belongs to record {n}"
        );
    }

    let again = org
        .client
        .upsert_collection("Account", EXT, batch("updated"))
        .await
        .expect("the second collection upsert succeeds");
    assert!(
        again
            .iter()
            .zip(&results)
            .all(|(second, first)| second.success && !second.created && second.id == first.id),
        "sending the same external ids again updates the same records"
    );
}

#[tokio::test]
async fn every_response_updates_the_api_usage_reading() {
    let org = Org::start().await;
    assert_eq!(org.client.api_usage(), None, "nothing read before a call");

    org.client
        .get("Account", UNISSUED_ACCOUNT_ID, &[])
        .await
        .expect_err("not found still reports usage");
    let first = org.client.api_usage().expect("usage after the first call");
    org.client
        .query("SELECT Id FROM Account")
        .await
        .expect("the query succeeds");
    let second = org.client.api_usage().expect("usage after the second call");

    assert!(first.0 >= 1 && first.0 < first.1, "{first:?}");
    assert_eq!(second.0, first.0 + 1, "one more call counted");
    assert_eq!(second.1, first.1, "the daily limit stays");
}
