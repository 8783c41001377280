//! `openapi/tandem.yaml` against the server itself: the same routes both ways, the documented
//! errors, references that resolve, and examples that are what tandem really accepts and sends.

use crate::helpers::{ACK_FIXTURE, NETSUITE_SECRET, SALESFORCE_SECRET, spawn_app};
use serde_json::{Value, json};
use std::collections::BTreeSet;
use tandem::http::{ApiError, ROUTES};
use tandem::ingress::soap_response::{self, FaultCode};

const SPEC: &str = include_str!("../../openapi/tandem.yaml");
const OUTBOUND_MESSAGE: &str = "/webhooks/salesforce/outbound-message";
const HTTP_METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];
const WEBHOOK_ERRORS: [&str; 5] = ["400", "401", "413", "415", "503"];

fn spec() -> Value {
    serde_yaml::from_str(SPEC).expect("openapi/tandem.yaml is valid YAML")
}

/// Every `(method, path, operation)` in the document, in document order.
fn operations(spec: &Value) -> Vec<(String, String, &Value)> {
    let paths = spec["paths"].as_object().expect("the spec has paths");
    paths
        .iter()
        .flat_map(|(path, item)| {
            let item = item.as_object().expect("a path item is a mapping");
            item.iter()
                .filter(|(key, _)| HTTP_METHODS.contains(&key.as_str()))
                .map(move |(method, operation)| (method.clone(), path.clone(), operation))
        })
        .collect()
}

/// Follows `$ref`s (a chain of them too) to the object they point at.
fn resolve<'a>(spec: &'a Value, mut value: &'a Value) -> &'a Value {
    for _ in 0..16 {
        let Some(reference) = value.get("$ref").and_then(Value::as_str) else {
            return value;
        };
        value = pointer(spec, reference)
            .unwrap_or_else(|| panic!("{reference} does not resolve inside the spec"));
    }
    panic!("$ref chain longer than 16 links");
}

/// The target of a local `#/…` reference.
fn pointer<'a>(spec: &'a Value, reference: &str) -> Option<&'a Value> {
    spec.pointer(reference.strip_prefix('#')?)
}

/// The response an operation documents for `status`, with references followed.
fn response<'a>(spec: &'a Value, operation: &'a Value, status: &str) -> Option<&'a Value> {
    operation["responses"]
        .get(status)
        .map(|response| resolve(spec, response))
}

fn operation<'a>(spec: &'a Value, method: &str, path: &str) -> &'a Value {
    spec["paths"][path]
        .get(method)
        .unwrap_or_else(|| panic!("the spec has no {method} {path}"))
}

/// Every example of a media type object: `example`, or the values of `examples`.
fn examples<'a>(spec: &'a Value, media: &'a Value) -> Vec<&'a Value> {
    match (media.get("example"), media.get("examples")) {
        (Some(example), _) => vec![example],
        (None, Some(Value::Object(named))) => named
            .values()
            .map(|example| &resolve(spec, example)["value"])
            .collect(),
        _ => Vec::new(),
    }
}

/// The media type without parameters (`text/xml; charset=utf-8` → `text/xml`).
fn essence(content_type: &str) -> String {
    content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase()
}

#[test]
fn the_spec_documents_exactly_the_routes_tandem_serves() {
    let spec = spec();
    let documented: BTreeSet<(String, String)> = operations(&spec)
        .into_iter()
        .map(|(method, path, _)| (method, path))
        .collect();
    let served: BTreeSet<(String, String)> = ROUTES
        .iter()
        .map(|(method, path)| ((*method).to_owned(), (*path).to_owned()))
        .collect();
    let undocumented: Vec<_> = served.difference(&documented).collect();
    let not_served: Vec<_> = documented.difference(&served).collect();
    assert!(
        undocumented.is_empty() && not_served.is_empty(),
        "served but not in openapi/tandem.yaml: {undocumented:?}; \
         in openapi/tandem.yaml but not served: {not_served:?}"
    );
}

#[test]
fn every_webhook_operation_documents_400_401_413_415_and_503_with_tandems_error_codes() {
    let spec = spec();
    let webhooks: Vec<_> = operations(&spec)
        .into_iter()
        .filter(|(_, path, _)| path.starts_with("/webhooks/"))
        .collect();
    assert_eq!(webhooks.len(), 3, "three webhook operations are documented");

    let errors = [
        ApiError::Malformed(String::new()),
        ApiError::Unauthorized(String::new()),
        ApiError::PayloadTooLarge { limit: 0 },
        ApiError::UnsupportedMediaType(String::new()),
        ApiError::QueueUnavailable,
    ];
    for (method, path, operation) in &webhooks {
        for status in WEBHOOK_ERRORS {
            let response = response(&spec, operation, status)
                .unwrap_or_else(|| panic!("{method} {path} does not document {status}"));
            assert!(
                response["description"]
                    .as_str()
                    .is_some_and(|d| !d.is_empty()),
                "{method} {path} {status} has no description"
            );
            let content = response["content"]
                .as_object()
                .unwrap_or_else(|| panic!("{method} {path} {status} documents no body"));
            if let Some(json) = content.get("application/json") {
                // A JSON error: its example carries tandem's code for that status.
                let error = errors
                    .iter()
                    .find(|error| error.status().as_str() == status)
                    .expect("an ApiError for every webhook error status");
                for example in examples(&spec, json) {
                    assert_eq!(
                        example["error"],
                        error.code(),
                        "{method} {path} {status} example has the wrong error code"
                    );
                }
                if status == "503" {
                    assert!(
                        response["headers"].get("Retry-After").is_some(),
                        "{method} {path} 503 does not document Retry-After"
                    );
                }
            } else {
                // The SOAP endpoint: every error is a SOAP Fault.
                let xml = content
                    .get("text/xml")
                    .unwrap_or_else(|| panic!("{method} {path} {status} is neither JSON nor XML"));
                assert_eq!(
                    xml["schema"]["$ref"], "#/components/schemas/SoapFaultEnvelope",
                    "{method} {path} {status} is not a SOAP Fault"
                );
            }
        }
    }
    assert!(
        response(&spec, operation(&spec, "post", OUTBOUND_MESSAGE), "403").is_some(),
        "a wrong OrganizationId (403) is documented"
    );

    let codes: BTreeSet<&str> =
        spec["components"]["schemas"]["Error"]["properties"]["error"]["enum"]
            .as_array()
            .expect("Error.error lists its codes")
            .iter()
            .filter_map(Value::as_str)
            .collect();
    let all_errors = errors.into_iter().chain([
        ApiError::Forbidden(String::new()),
        ApiError::Busy,
        ApiError::NotFound,
        ApiError::MethodNotAllowed,
        ApiError::Internal,
    ]);
    for error in all_errors {
        assert!(
            codes.contains(error.code()),
            "Error.error does not list {}",
            error.code()
        );
    }
}

#[test]
fn every_ref_in_the_spec_resolves_inside_the_document() {
    fn collect<'a>(value: &'a Value, at: String, found: &mut Vec<(String, &'a str)>) {
        match value {
            Value::Object(map) => {
                for (key, child) in map {
                    match (key.as_str(), child) {
                        ("$ref", Value::String(reference)) => found.push((at.clone(), reference)),
                        _ => collect(child, format!("{at}/{key}"), found),
                    }
                }
            }
            Value::Array(items) => {
                for (index, child) in items.iter().enumerate() {
                    collect(child, format!("{at}/{index}"), found);
                }
            }
            _ => {}
        }
    }
    let spec = spec();
    let mut references = Vec::new();
    collect(&spec, String::new(), &mut references);
    assert!(references.len() > 20, "the spec uses reusable components");
    let dangling: Vec<_> = references
        .iter()
        .filter(|(_, reference)| pointer(&spec, reference).is_none())
        .collect();
    assert!(
        dangling.is_empty(),
        "$refs that do not resolve: {dangling:?}"
    );
}

#[test]
fn the_outbound_message_200_example_is_the_ack_fixture() {
    let spec = spec();
    let ok = response(&spec, operation(&spec, "post", OUTBOUND_MESSAGE), "200")
        .expect("the outbound message documents 200");
    let found = examples(&spec, &ok["content"]["text/xml"]);
    assert_eq!(found.len(), 1, "one Ack example");
    assert_eq!(found[0].as_str(), Some(ACK_FIXTURE));
}

#[test]
fn every_soap_fault_example_is_byte_for_byte_what_tandem_sends() {
    fn between<'a>(text: &'a str, open: &str, close: &str) -> &'a str {
        let start = text.find(open).expect("opening tag") + open.len();
        let end = text[start..].find(close).expect("closing tag") + start;
        &text[start..end]
    }
    let spec = spec();
    let operation = operation(&spec, "post", OUTBOUND_MESSAGE);
    let faults: Vec<_> = operation["responses"]
        .as_object()
        .expect("responses")
        .keys()
        .filter(|status| status.as_str() != "200")
        .collect();
    assert_eq!(
        faults.len(),
        7,
        "400, 401, 403, 408, 413, 415 and 503 are faults"
    );
    for status in faults {
        let response = response(&spec, operation, status).unwrap();
        let found = examples(&spec, &response["content"]["text/xml"]);
        assert_eq!(found.len(), 1, "{status} has one fault example");
        let example = found[0].as_str().expect("the example is XML text");
        let code = match between(example, "<faultcode>", "</faultcode>") {
            "soapenv:Client" => FaultCode::Client,
            "soapenv:Server" => FaultCode::Server,
            other => panic!("{status}: unknown faultcode {other}"),
        };
        assert_eq!(
            code == FaultCode::Server,
            status.starts_with('5'),
            "{status}: soapenv:Server is for 5xx only"
        );
        let message = between(example, "<faultstring>", "</faultstring>");
        assert_eq!(
            example,
            soap_response::fault(code, message),
            "{status} fault example"
        );
    }
}

#[test]
fn the_metrics_description_names_every_metric_tandem_exports() {
    use tandem::ops::metrics::*;
    let spec = spec();
    let description = operation(&spec, "get", "/metrics")["description"]
        .as_str()
        .expect("GET /metrics has a description");
    for name in [
        EVENTS_RECEIVED,
        REQUESTS_REJECTED,
        SIGNATURE_FAILURES,
        ENQUEUE_DURATION,
        QUEUE_DEPTH,
        HTTP_REQUESTS,
        HTTP_DURATION,
    ] {
        assert!(
            description.contains(&format!("`{name}`")),
            "{name} is missing"
        );
    }
}

#[tokio::test]
async fn every_documented_operation_is_served_and_answers_a_documented_status() {
    let spec = spec();
    let app = spawn_app().await;
    for (method, path, operation) in operations(&spec) {
        let verb = reqwest::Method::from_bytes(method.to_ascii_uppercase().as_bytes()).unwrap();
        let answer = app
            .client
            .request(verb, app.url(&path))
            .send()
            .await
            .unwrap();
        let status = answer.status();
        assert!(
            status != reqwest::StatusCode::NOT_FOUND
                && status != reqwest::StatusCode::METHOD_NOT_ALLOWED,
            "{method} {path} is documented but answered {status}"
        );
        // A bodiless POST is refused (415), a GET succeeds: either way, as documented.
        let documented = response(&spec, operation, status.as_str()).unwrap_or_else(|| {
            panic!("{method} {path} answered {status}, which the spec does not document")
        });
        let content_type = answer
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .map(essence)
            .unwrap_or_default();
        let media_types = documented["content"].as_object();
        assert!(
            media_types.is_some_and(|types| types.keys().any(|key| essence(key) == content_type)),
            "{method} {path} {status} answered {content_type:?}, documented {:?}",
            media_types.map(|types| types.keys().collect::<Vec<_>>())
        );
    }
}

#[tokio::test]
async fn the_documented_request_examples_get_the_documented_answers() {
    let spec = spec();
    let app = spawn_app().await;

    let outbound = operation(&spec, "post", OUTBOUND_MESSAGE);
    let ack = examples(
        &spec,
        &response(&spec, outbound, "200").unwrap()["content"]["text/xml"],
    )[0]
    .as_str()
    .unwrap();
    let body = resolve(&spec, &outbound["requestBody"]);
    for example in examples(&spec, &body["content"]["text/xml"]) {
        let answer = app
            .post_outbound_message("", example.as_str().unwrap().to_owned())
            .await;
        assert_eq!(
            answer.status(),
            200,
            "the Outbound Message example is acknowledged"
        );
        assert_eq!(answer.text().await.unwrap(), ack);
    }

    let mut posted = 0;
    for (source, secret) in [
        ("salesforce", SALESFORCE_SECRET),
        ("netsuite", NETSUITE_SECRET),
    ] {
        let path = &format!("/webhooks/{source}/events");
        let operation = operation(&spec, "post", path);
        let duplicate = &resolve(
            &spec,
            &response(&spec, operation, "202").unwrap()["content"]["application/json"]["examples"]
                ["duplicate"],
        )["value"];
        let body = resolve(&spec, &operation["requestBody"]);
        for (index, example) in examples(&spec, &body["content"]["application/json"])
            .into_iter()
            .enumerate()
        {
            let events = example["events"].as_array().map_or(1, Vec::len);
            let id = format!("msg_openapi_{source}_example_{index}");
            let text = serde_json::to_string(example).unwrap();
            let answer = app.post_signed(path, secret, &id, &text).await;
            assert_eq!(answer.status(), 202, "{path} example {index}: {text}");
            assert_eq!(
                answer.json::<Value>().await.unwrap(),
                json!({ "accepted": events })
            );
            let again = app.post_signed(path, secret, &id, &text).await;
            assert_eq!(again.status(), 202);
            assert_eq!(&again.json::<Value>().await.unwrap(), duplicate);
            posted += 1;
        }
    }
    assert_eq!(
        posted, 4,
        "each JSON webhook documents a single and a batch example"
    );
}
