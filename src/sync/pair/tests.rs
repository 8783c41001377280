//! An event taken over in doubt (the worker applying it died) against the sandbox: a target
//! that already holds the event's origin stamp is not written again, on either side.

use crate::config::Config;
use crate::connectors::{NetsuiteClient, SalesforceClient};
use crate::domain::mapping::Mapping;
use crate::domain::{ChangeEvent, ChangeKind, System};
use crate::sandbox::{Sandbox, SandboxConfig, SandboxCredentials};
use crate::store::SqliteStore;
use crate::sync::context::SyncContext;
use crate::sync::flows::Flows;
use crate::sync::loop_guard::Identity;
use crate::sync::{Applied, Apply};
use serde_json::json;
use std::sync::Arc;

/// Seeded: NetSuite customer 101 and Salesforce account 0015e0000000001AAA, linked.
const ACCOUNT: &str = "0015e0000000001AAA";
const CUSTOMER: &str = "101";

async fn flows(sandbox: &Sandbox, dir: &tempfile::TempDir) -> Flows {
    let mut config = Config::default();
    crate::sandbox::tandem_config::configure(&mut config, sandbox, &SandboxCredentials::default());
    let store = SqliteStore::open(&dir.path().join("store.db"))
        .await
        .unwrap();
    Flows {
        ctx: SyncContext {
            store: Arc::new(store),
            salesforce: SalesforceClient::from_config(&config.salesforce).unwrap(),
            netsuite: NetsuiteClient::from_config(&config.netsuite).unwrap(),
            mapping: Arc::new(Mapping::shipped()),
            identity: Identity::from_config(&config),
            delete_policy: config.sync.delete_policy,
            currencies: Default::default(),
        },
    }
}

fn change(source: System, object: &str, record_id: &str, fields: serde_json::Value) -> ChangeEvent {
    ChangeEvent {
        id: format!("{source}:died-while-applying#0"),
        source,
        object: object.into(),
        record_id: record_id.into(),
        change: ChangeKind::Updated,
        version: None,
        // A person, not the integration: not an echo.
        modified_by: Some("42".into()),
        origin: None,
        execution_context: Some("userinterface".into()),
        role: Some("3".into()),
        fields: fields.as_object().cloned().unwrap(),
        received_at: chrono::Utc::now(),
        attempt: 2,
    }
}

/// Successful `PATCH`es of `path_end` the emulator behind `journal` served.
fn patches(journal: &crate::sandbox::journal::Journal, path_end: &str) -> usize {
    journal
        .requests(10_000)
        .iter()
        .filter(|r| r.method == "PATCH" && r.status < 300 && r.path.ends_with(path_end))
        .count()
}

#[tokio::test]
async fn a_netsuite_record_holding_the_events_stamp_is_not_written_again_in_doubt() {
    let sandbox = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let flows = flows(&sandbox, &dir).await;
    let event = change(
        System::Salesforce,
        "Account",
        ACCOUNT,
        json!({ "Name": "Acme Corporation", "AnnualRevenue": 250000 }),
    );
    let customer = format!("/customer/{CUSTOMER}");
    // The worker that died wrote it before it could record it.
    flows.apply(&event, false).await.unwrap();
    assert_eq!(patches(sandbox.netsuite.journal(), &customer), 1);

    let applied = flows.apply(&event, true).await.unwrap();
    assert!(matches!(applied, Applied::Written { .. }), "{applied:?}");
    assert_eq!(
        patches(sandbox.netsuite.journal(), &customer),
        1,
        "written again"
    );

    // Without the doubt (or without the stamp) it writes, as any update does.
    flows.apply(&event, false).await.unwrap();
    assert_eq!(patches(sandbox.netsuite.journal(), &customer), 2);
}

#[tokio::test]
async fn a_salesforce_record_holding_the_events_stamp_is_not_written_again_in_doubt() {
    let sandbox = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let flows = flows(&sandbox, &dir).await;
    let event = change(
        System::Netsuite,
        "customer",
        CUSTOMER,
        json!({ "companyname": "Acme Corporation", "externalid": ACCOUNT, "creditlimit": 7500 }),
    );
    let account = format!("/Account/{ACCOUNT}");
    flows.apply(&event, false).await.unwrap();
    assert_eq!(patches(sandbox.salesforce.journal(), &account), 1);

    let applied = flows.apply(&event, true).await.unwrap();
    assert!(matches!(applied, Applied::Written { .. }), "{applied:?}");
    assert_eq!(
        patches(sandbox.salesforce.journal(), &account),
        1,
        "written again"
    );
}
