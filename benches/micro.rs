//! `cargo bench --bench micro` (or `scripts/bench micro`): criterion timings of the pure steps of
//! ingest and apply — a Standard Webhooks signature check, an Outbound Message parse, a JSON
//! event parse, and mapping one customer to an Account.

use criterion::{Criterion, criterion_group, criterion_main};
use serde_json::{Value, json};
use std::hint::black_box;
use tandem::domain::System;
use tandem::domain::mapping::{Flow, Mapping, Scope};
use tandem::ingress::standard_webhooks::{SigningKey, Verifier, WebhookHeaders};
use tandem::ingress::{json_event, outbound_message};

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const OUTBOUND: &str = include_str!("../tests/fixtures/sf-outbound-message-notification.xml");

fn customer() -> Value {
    json!({
        "object": "customer", "record_id": "101", "change": "updated",
        "version": "2026-11-27T10:15:02.120Z", "modified_by": "42", "role": "3",
        "execution_context": "userinterface",
        "fields": { "companyname": "Benchmark Industries International", "email": "ap@benchmark.example",
                    "phone": "+1 415 555 0100", "url": "https://benchmark.example", "creditlimit": 25000,
                    "terms": { "id": "2", "refName": "Net 30" }, "billaddr1": "1 Market Street, Suite 300",
                    "billcity": "San Francisco", "billzip": "94105", "billcountry": "US",
                    "comments": "x".repeat(560) }
    })
}

fn signature(c: &mut Criterion) {
    let key = SigningKey::parse(SECRET).expect("the bench secret");
    let body = customer().to_string();
    let now = chrono::Utc::now().timestamp();
    let signed = key.sign("msg_bench", now, body.as_bytes());
    let verifier = Verifier::new(vec![key]);
    let timestamp = now.to_string();
    c.bench_function("verify a Standard Webhooks signature (1 KiB body)", |b| {
        b.iter(|| {
            let headers = WebhookHeaders {
                id: Some("msg_bench"),
                timestamp: Some(&timestamp),
                signature: Some(&signed),
            };
            verifier
                .verify(black_box(headers), black_box(body.as_bytes()), now)
                .expect("valid")
        })
    });
}

fn parsing(c: &mut Criterion) {
    c.bench_function("parse the Outbound Message fixture (SOAP)", |b| {
        b.iter(|| outbound_message::parse(black_box(OUTBOUND.as_bytes())).expect("parses"))
    });
    let body = customer().to_string();
    let received = chrono::Utc::now();
    c.bench_function("parse a JSON change event (1 KiB)", |b| {
        b.iter(|| {
            json_event::parse(
                black_box(body.as_bytes()),
                System::Netsuite,
                "msg_bench",
                received,
            )
            .expect("parses")
        })
    });
}

fn mapping(c: &mut Criterion) {
    let mapping = Mapping::shipped();
    let Value::Object(fields) = customer()["fields"].clone() else {
        unreachable!("an object literal")
    };
    c.bench_function("map one customer to an Account (shipped mapping)", |b| {
        b.iter(|| {
            mapping
                .map(Flow::CustomerToAccount, black_box(&fields), Scope::All)
                .expect("maps")
        })
    });
}

criterion_group!(micro, signature, parsing, mapping);
criterion_main!(micro);
