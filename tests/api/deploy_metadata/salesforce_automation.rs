//! What the Salesforce project sends and who may send it: the Closed Won Outbound Message carries
//! every field tandem reads, the flows send it and the relay events while skipping tandem's own
//! changes, the integration permission set covers every field tandem touches, and the relay
//! posts to tandem's JSON event endpoint.

use super::mapped::{self, Access};
use super::xml::Element;
use super::{files, load_xml, repository, salesforce_source, shipped_mapping};
use serde_json::Value;
use std::collections::BTreeSet;
use tandem::domain::System;
use tandem::domain::mapping::Flow;
use tandem::http::ROUTES;

/// What the ingress and the Opportunity → sales order flow read from a notification besides the
/// mapped fields: the id, the stage that makes it an order, the account that becomes the
/// customer, the currency, and the version, creation and author of the change (ordering, created
/// or updated, the loop guard).
const NOTIFICATION_FIELDS: [&str; 7] = [
    "Id",
    "StageName",
    "AccountId",
    "CurrencyIsoCode",
    "LastModifiedDate",
    "CreatedDate",
    "LastModifiedById",
];
/// The custom permission the flows skip, granted by the integration permission set.
const SKIP_PERMISSION: &str = "Tandem_Integration";
const CLOSED_WON: &str = "Closed Won";

fn flows() -> Vec<(String, Element)> {
    files(&salesforce_source().join("flows"), ".flow-meta.xml")
        .into_iter()
        .map(|path| (path.display().to_string(), load_xml(&path)))
        .collect()
}

/// The flow's action calls of `action_type` named `action_name`.
fn calls<'a>(flow: &'a Element, action_type: &str, action_name: &str) -> Vec<&'a Element> {
    flow.all("actionCalls")
        .filter(|call| call.text_of("actionType") == Some(action_type))
        .filter(|call| call.text_of("actionName") == Some(action_name))
        .collect()
}

/// Whether a decision lets `action` run only for a user without the skip permission.
fn skips_tandem(flow: &Element, action: &str) -> bool {
    flow.all("decisions")
        .flat_map(|decision| decision.all("rules"))
        .any(|rule| {
            let leads_to_action = rule
                .child("connector")
                .and_then(|connector| connector.text_of("targetReference"))
                == Some(action);
            let without_permission = rule.all("conditions").any(|condition| {
                condition.text_of("leftValueReference")
                    == Some(&format!("$Permission.{SKIP_PERMISSION}"))
                    && condition.text_of("operator") == Some("EqualTo")
                    && condition
                        .child("rightValue")
                        .and_then(|value| value.text_of("booleanValue"))
                        == Some("false")
            });
            leads_to_action && without_permission
        })
}

fn input<'a>(call: &'a Element, name: &str) -> Option<&'a Element> {
    call.all("inputParameters")
        .find(|parameter| parameter.text_of("name") == Some(name))
        .and_then(|parameter| parameter.child("value"))
}

#[test]
fn the_closed_won_outbound_message_carries_every_field_tandem_reads_from_an_opportunity() {
    let path = salesforce_source().join("workflows/Opportunity.workflow-meta.xml");
    let workflow = load_xml(&path);
    let message = workflow
        .child("outboundMessages")
        .unwrap_or_else(|| panic!("{}: no outbound message", path.display()));
    let name = message.text_of("fullName").unwrap_or_default();
    let endpoint = message.text_of("endpointUrl").unwrap_or_default();
    let route = url::Url::parse(endpoint)
        .unwrap_or_else(|error| panic!("{}: endpointUrl {endpoint:?}: {error}", path.display()));
    assert!(
        ROUTES.contains(&("post", route.path())),
        "{}: {name} posts to {}, which is not a tandem route",
        path.display(),
        route.path()
    );
    assert_eq!(
        route.path(),
        "/webhooks/salesforce/outbound-message",
        "{}: {name}",
        path.display()
    );
    assert_eq!(
        message.text_of("includeSessionId"),
        Some("false"),
        "{}: tandem needs no session",
        path.display()
    );

    let sent: BTreeSet<&str> = message
        .all("fields")
        .map(|field| field.text.trim())
        .collect();
    let mapping = shipped_mapping();
    let mapped = mapping
        .flow(Flow::OpportunityToSalesOrder)
        .fields()
        .iter()
        .filter_map(|field| field.source())
        .map(str::to_owned);
    let origin = mapping.record_fields().salesforce_origin.clone();
    let needed = mapped
        .chain(NOTIFICATION_FIELDS.map(str::to_owned))
        .chain([origin]);
    for field in needed {
        assert!(
            sent.contains(field.as_str()),
            "{}: {name} does not send {field}",
            path.display()
        );
    }
}

#[test]
fn a_record_triggered_flow_sends_it_when_an_opportunity_becomes_closed_won_unless_tandem_changed_it()
 {
    let workflow = load_xml(&salesforce_source().join("workflows/Opportunity.workflow-meta.xml"));
    let message = workflow
        .child("outboundMessages")
        .and_then(|m| m.text_of("fullName"));
    let action = format!("Opportunity.{}", message.unwrap_or_default());
    let flows = flows();
    let (path, flow) = flows
        .iter()
        .find(|(_, flow)| !calls(flow, "outboundMessage", &action).is_empty())
        .unwrap_or_else(|| panic!("no flow calls the outbound message {action}"));
    let start = flow
        .child("start")
        .unwrap_or_else(|| panic!("{path}: no start"));
    assert_eq!(start.text_of("object"), Some("Opportunity"), "{path}");
    assert_eq!(
        start.text_of("triggerType"),
        Some("RecordAfterSave"),
        "{path}"
    );
    assert_eq!(
        start.text_of("recordTriggerType"),
        Some("CreateAndUpdate"),
        "{path}"
    );
    assert_eq!(
        start.text_of("doesRequireRecordChangedToMeetCriteria"),
        Some("true"),
        "{path}: only when the opportunity becomes Closed Won"
    );
    let closed_won = start.all("filters").any(|filter| {
        filter.text_of("field") == Some("StageName")
            && filter.text_of("operator") == Some("EqualTo")
            && filter.child("value").and_then(|v| v.text_of("stringValue")) == Some(CLOSED_WON)
    });
    assert!(
        closed_won,
        "{path}: the start has no filter StageName = {CLOSED_WON}"
    );
    let call = calls(flow, "outboundMessage", &action)[0];
    let name = call.text_of("name").unwrap_or_default();
    assert!(
        skips_tandem(flow, name),
        "{path}: {name} runs for tandem's integration user too"
    );
    assert_eq!(flow.text_of("status"), Some("Active"), "{path}");
}

#[test]
fn every_relay_flow_sends_the_fields_its_flow_maps_and_skips_tandem() {
    let mapping = shipped_mapping();
    let mut relayed = BTreeSet::new();
    for (path, flow) in flows() {
        for call in calls(&flow, "apex", "TandemRelay") {
            let object = flow
                .child("start")
                .and_then(|start| start.text_of("object"));
            let object =
                object.unwrap_or_else(|| panic!("{path}: a relay flow needs a start object"));
            let fields = input(call, "fields").and_then(|value| value.text_of("stringValue"));
            let fields: BTreeSet<&str> = fields
                .unwrap_or_default()
                .split(',')
                .map(str::trim)
                .collect();
            let record =
                input(call, "recordId").and_then(|value| value.text_of("elementReference"));
            assert_eq!(
                record,
                Some("$Record.Id"),
                "{path}: the relay needs the record id"
            );
            for flow_of_object in Flow::ALL
                .into_iter()
                .filter(|f| f.source_system() == System::Salesforce)
            {
                if mapped::records(flow_of_object).0 != object {
                    continue;
                }
                for source in mapping
                    .flow(flow_of_object)
                    .fields()
                    .iter()
                    .filter_map(|f| f.source())
                {
                    assert!(
                        fields.contains(source),
                        "{path}: relays no {source}, which {} reads",
                        flow_of_object.as_str()
                    );
                }
            }
            let name = call.text_of("name").unwrap_or_default();
            assert!(
                skips_tandem(&flow, name),
                "{path}: {name} runs for tandem's integration user too"
            );
            relayed.insert(object.to_owned());
        }
    }
    for object in ["Account", "Contact"] {
        assert!(
            relayed.contains(object),
            "no flow relays {object} changes: {relayed:?}"
        );
    }
}

#[test]
fn the_integration_permission_set_grants_api_access_the_skip_and_every_field_tandem_touches() {
    let path = salesforce_source().join("permissionsets/Tandem_Integration.permissionset-meta.xml");
    let set = load_xml(&path);
    let granted = |list: &str, key: &str, name: &str| {
        set.all(list).any(|entry| {
            entry.text_of(key) == Some(name) && entry.text_of("enabled") == Some("true")
        })
    };
    assert!(
        granted("userPermissions", "name", "ApiEnabled"),
        "{}: API Enabled",
        path.display()
    );
    assert!(
        granted("customPermissions", "name", SKIP_PERMISSION),
        "{}: {SKIP_PERMISSION}",
        path.display()
    );
    let permission = salesforce_source().join(format!(
        "customPermissions/{SKIP_PERMISSION}.customPermission-meta.xml"
    ));
    assert!(permission.is_file(), "{} is missing", permission.display());
    for used in mapped::uses(&shipped_mapping()) {
        if used.system != System::Salesforce {
            continue;
        }
        let name = format!("{}.{}", used.record, used.field);
        let entry = set
            .all("fieldPermissions")
            .find(|entry| entry.text_of("field") == Some(&name));
        let entry = entry
            .unwrap_or_else(|| panic!("{}: no access to {name} ({})", path.display(), used.by));
        assert_eq!(
            entry.text_of("readable"),
            Some("true"),
            "{}: {name} unreadable",
            path.display()
        );
        if used.access == Access::Write {
            assert_eq!(
                entry.text_of("editable"),
                Some("true"),
                "{}: {name} ({}) not editable",
                path.display(),
                used.by
            );
        }
    }
}

#[test]
fn the_apex_relay_posts_to_tandems_json_event_endpoint_through_the_named_credential() {
    let class = salesforce_source().join("classes/TandemRelay.cls");
    let source = std::fs::read_to_string(&class).expect("TandemRelay.cls");
    let prefix = "'callout:Tandem/";
    let start = source
        .find(prefix)
        .unwrap_or_else(|| panic!("{}: no callout:Tandem endpoint", class.display()));
    let rest = &source[start + prefix.len() - 1..];
    let path = &rest[..rest.find('\'').unwrap_or(rest.len())];
    assert!(
        ROUTES.contains(&("post", path)),
        "{}: {path} is not a tandem route",
        class.display()
    );
    assert_eq!(path, "/webhooks/salesforce/events", "{}", class.display());
    let credential =
        load_xml(&salesforce_source().join("namedCredentials/Tandem.namedCredential-meta.xml"));
    let external = credential
        .all("namedCredentialParameters")
        .find_map(|parameter| parameter.text_of("externalCredential"));
    assert_eq!(
        external,
        Some("Tandem"),
        "the Named Credential Tandem uses the External Credential Tandem"
    );
    let sender = load_xml(
        &salesforce_source().join("permissionsets/Tandem_Relay_Sender.permissionset-meta.xml"),
    );
    let principal = sender
        .all("externalCredentialPrincipalAccesses")
        .find_map(|access| access.text_of("externalCredentialPrincipal"));
    let principal = principal.unwrap_or_default();
    let ec = load_xml(
        &salesforce_source().join("externalCredentials/Tandem.externalCredential-meta.xml"),
    );
    let named = ec
        .all("externalCredentialParameters")
        .filter(|p| p.text_of("parameterType") == Some("NamedPrincipal"))
        .filter_map(|p| p.text_of("parameterName"))
        .any(|name| principal == format!("Tandem-{name}"));
    assert!(
        named,
        "Tandem_Relay_Sender grants {principal:?}, not a principal of the External Credential Tandem"
    );
}

#[test]
fn every_salesforce_api_version_is_62_or_later() {
    let project = repository().join("deploy/salesforce/sfdx-project.json");
    let json: Value =
        serde_json::from_str(&std::fs::read_to_string(&project).expect("sfdx-project.json"))
            .unwrap_or_else(|error| panic!("{}: {error}", project.display()));
    let version = |text: &str| text.parse::<f64>().unwrap_or(0.0);
    let source = json["sourceApiVersion"].as_str().unwrap_or_default();
    assert!(
        version(source) >= 62.0,
        "{}: sourceApiVersion {source:?}",
        project.display()
    );
    let mut checked = 0;
    for path in files(&salesforce_source(), "-meta.xml") {
        let root = load_xml(&path);
        let versions = root
            .all("apiVersion")
            .chain(root.children.iter().flat_map(|c| c.all("apiVersion")));
        for found in versions {
            checked += 1;
            assert!(
                version(found.text.trim()) >= 62.0,
                "{}: apiVersion {}",
                path.display(),
                found.text.trim()
            );
        }
    }
    assert!(checked >= 4, "only {checked} apiVersion elements found");
}
