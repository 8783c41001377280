//! What the load generator sends: signed Standard Webhooks JSON events (~1 KiB) and Salesforce
//! Outbound Messages (~4 KiB SOAP, the verbatim fixture with a longer record), each with a fresh
//! delivery id.

use bytes::Bytes;
use http_body_util::Full;
use hyper::Request;
use serde_json::{Map, Value, json};
use std::sync::Arc;
use tandem::ingress::standard_webhooks::SigningKey;

/// The Standard Webhooks secret the bench's tandem accepts on both JSON endpoints.
pub const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
/// The organisation of the fixture's Outbound Message; the bench's config expects it.
pub const SOAP_ORG_ID: &str = "ABC90000000gNcmEAE";
/// The `?token=` of the Outbound Message endpoint.
pub const OUTBOUND_TOKEN: &str = "bench-outbound-token-0123456789";

const FIXTURE: &str = include_str!("../../tests/fixtures/sf-outbound-message-notification.xml");
const FIXTURE_NOTIFICATION_ID: &str = "04l9000001olR84AAE";

/// Builds request `n` of a series.
pub type MakeRequest = Arc<dyn Fn(u64) -> Request<Full<Bytes>> + Send + Sync>;

/// What a series sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A signed JSON event to `/webhooks/netsuite/events`.
    Json,
    /// An Outbound Message to `/webhooks/salesforce/outbound-message`.
    Soap,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Json => "JSON ~1 KiB",
            Kind::Soap => "SOAP ~4 KiB",
        }
    }
}

/// A NetSuite customer event of about 1 KiB, like one with a handful of fields.
pub fn customer_event(record_id: &str, change: &str, fields: Map<String, Value>) -> String {
    json!({
        "object": "customer", "record_id": record_id, "change": change,
        "version": chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
        "modified_by": "42", "role": "3", "execution_context": "userinterface",
        "fields": fields,
    })
    .to_string()
}

/// The ~1 KiB body of request `n` in the ingest series.
pub fn payload(n: u64) -> String {
    let fields = json!({
        "companyname": "Benchmark Industries International", "email": "ap@benchmark.example",
        "phone": "+1 415 555 0100", "url": "https://benchmark.example", "creditlimit": 25000,
        "terms": { "id": "2", "refName": "Net 30" }, "billaddr1": "1 Market Street, Suite 300",
        "billcity": "San Francisco", "billzip": "94105", "billcountry": "US",
        "comments": "x".repeat(560)
    });
    let Value::Object(fields) = fields else {
        unreachable!("a JSON object literal")
    };
    customer_event(&(n % 5000).to_string(), "updated", fields)
}

/// Where requests go: the `Host` header and the origin-form target (path and query).
#[derive(Clone)]
pub struct Target {
    host: String,
    path: hyper::Uri,
}

impl Target {
    /// `base` is `http://127.0.0.1:port`; `path` starts with `/`.
    pub fn new(base: &str, path: &str) -> Target {
        Target {
            host: base.trim_start_matches("http://").to_owned(),
            path: path.parse().expect("a request path"),
        }
    }
}

/// A signed POST of `body` to `target` with delivery id `id`.
pub fn signed(key: &SigningKey, target: &Target, id: &str, body: String) -> Request<Full<Bytes>> {
    let timestamp = chrono::Utc::now().timestamp();
    let signature = key.sign(id, timestamp, body.as_bytes());
    Request::post(target.path.clone())
        .header("host", &target.host)
        .header("content-type", "application/json")
        .header("webhook-id", id)
        .header("webhook-timestamp", timestamp.to_string())
        .header("webhook-signature", signature)
        .body(Full::new(Bytes::from(body)))
        .expect("a valid request")
}

/// The fixture with a ~2.7 KiB description (so the message is ~4 KiB) and notification id `n`.
fn outbound_message(n: u64) -> String {
    // 18 characters like the fixture's: key prefix 04l, twelve digits, a checksum-like suffix.
    let id = format!("04l{:012}AAE", n % 1_000_000_000_000);
    let description = format!(
        "<sf:Description>{}</sf:Description>\n     <sf:Name>",
        "Benchmark account description. ".repeat(88)
    );
    FIXTURE
        .replacen(FIXTURE_NOTIFICATION_ID, &id, 1)
        .replacen("<sf:Name>", &description, 1)
}

/// Request maker for `kind` against tandem at `base` (`http://127.0.0.1:port`); `offset` keeps
/// delivery ids of separate series apart.
pub fn maker(kind: Kind, base: &str, offset: u64) -> MakeRequest {
    match kind {
        Kind::Json => {
            let url = Target::new(base, "/webhooks/netsuite/events");
            let key = SigningKey::parse(SECRET).expect("the bench secret");
            Arc::new(move |n| {
                let n = offset + n;
                signed(&key, &url, &format!("bench_{n}"), payload(n))
            })
        }
        Kind::Soap => {
            let url = Target::new(
                base,
                &format!("/webhooks/salesforce/outbound-message?token={OUTBOUND_TOKEN}"),
            );
            Arc::new(move |n| {
                Request::post(url.path.clone())
                    .header("host", &url.host)
                    .header("content-type", "text/xml; charset=utf-8")
                    .header("soapaction", "\"\"")
                    .body(Full::new(Bytes::from(outbound_message(offset + n))))
                    .expect("a valid request")
            })
        }
    }
}
