//! A generated corpus of signed webhooks, checked against a signer written here from the
//! Standard Webhooks spec (not tandem's): valid ones — current and rotated-in secrets, edge
//! timestamps, several signatures of which one is right — and invalid ones — forged keys,
//! truncated or re-encoded signatures, tampered bodies, mis-timed or mismatched headers, the
//! other endpoint's secret, a rotated-out secret. Every valid request is accepted, every
//! invalid one refused, and the queue holds exactly the valid ones.

use crate::helpers::*;
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use hmac::{Hmac, Mac};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use sha2::Sha256;
use tandem::config::SecretList;

const NETSUITE: &str = "/webhooks/netsuite/events";
const SALESFORCE: &str = "/webhooks/salesforce/events";
/// Rotated in beside the original Salesforce secret.
const ROTATED_IN: &str = "whsec_9v7X2kQw4Lr8Tz1Nb6Yc3Hd5Jm0Pa2Se";
/// Once a secret, no longer configured.
const ROTATED_OUT: &str = "whsec_Zq4Lm8Nr2Tb6Xw1Kc9Vd3Hf7Jp5Ys0Ga";
/// Requests of each kind; 13 kinds.
const PER_KIND: usize = 80;

/// `v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">` under the base64 key after `whsec_`.
fn signature(secret: &str, id: &str, timestamp: i64, body: &str) -> String {
    let key = STANDARD
        .decode(secret.trim_start_matches("whsec_"))
        .expect("a test secret is base64");
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&key).unwrap();
    mac.update(format!("{id}.{timestamp}.{body}").as_bytes());
    format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()))
}

struct Request {
    kind: &'static str,
    path: &'static str,
    id: String,
    timestamp: String,
    signature: String,
    body: String,
    valid: bool,
}

fn body_for(path: &str, n: usize) -> String {
    if path == NETSUITE {
        netsuite_event(&format!("{}", 5000 + n), "2026-11-27T10:15:02Z")
    } else {
        format!(
            r#"{{"object":"Account","record_id":"001Sbx{n:013}","change":"updated","version":"2026-11-27T10:15:02Z","fields":{{"Name":"Acme {n}"}}}}"#
        )
    }
}

fn random_secret(rng: &mut StdRng) -> String {
    let key: [u8; 24] = rng.random();
    format!("whsec_{}", STANDARD.encode(key))
}

/// One request of `kind`, numbered `n`.
fn generate(kind: &'static str, n: usize, rng: &mut StdRng, now: i64) -> Request {
    let path = if n.is_multiple_of(2) {
        NETSUITE
    } else {
        SALESFORCE
    };
    let secret = if path == NETSUITE {
        NETSUITE_SECRET
    } else {
        SALESFORCE_SECRET
    };
    let id = format!("msg_corpus_{kind}_{n}");
    let body = body_for(path, n);
    let mut request = Request {
        kind,
        path,
        timestamp: now.to_string(),
        signature: signature(secret, &id, now, &body),
        id,
        body,
        valid: false,
    };
    match kind {
        "valid" => request.valid = true,
        "rotated_in" => {
            request.path = SALESFORCE;
            request.body = body_for(SALESFORCE, n);
            request.signature = signature(ROTATED_IN, &request.id, now, &request.body);
            request.valid = true;
        }
        "edge_of_tolerance" => {
            let skew = if n.is_multiple_of(2) { 290 } else { -290 };
            request.timestamp = (now + skew).to_string();
            request.signature = signature(secret, &request.id, now + skew, &request.body);
            request.valid = true;
        }
        "one_of_several" => {
            let forged = signature(&random_secret(rng), &request.id, now, &request.body);
            request.signature = format!("{forged} v1a,garbage {}", request.signature);
            request.valid = true;
        }
        "forged_key" => {
            request.signature = signature(&random_secret(rng), &request.id, now, &request.body);
        }
        "truncated" => {
            let cut = rng.random_range(1..request.signature.len() - 3);
            request.signature.truncate(request.signature.len() - cut);
        }
        "re_encoded" => {
            let raw = STANDARD.decode(&request.signature[3..]).unwrap();
            request.signature = match n % 3 {
                0 => format!("v1,{}", URL_SAFE_NO_PAD.encode(&raw)),
                1 => format!(
                    "v1,{}",
                    raw.iter().map(|b| format!("{b:02x}")).collect::<String>()
                ),
                _ => format!("v2,{}", STANDARD.encode(&raw)),
            };
        }
        "tampered_body" => {
            let mut bytes = request.body.clone().into_bytes();
            let at = rng.random_range(0..bytes.len());
            bytes[at] = if bytes[at] == b' ' { b'\t' } else { b' ' };
            request.body = String::from_utf8(bytes).unwrap();
        }
        "mis_timed" => {
            // Just past the five-minute tolerance, up to an hour, either way.
            let past: i64 = 301 + rng.random_range(0..3600);
            let skew = if n.is_multiple_of(2) { past } else { -past };
            request.timestamp = (now + skew).to_string();
            request.signature = signature(secret, &request.id, now + skew, &request.body);
        }
        "timestamp_not_signed" => request.timestamp = (now - 1).to_string(),
        "id_not_signed" => request.id = format!("{}_other", request.id),
        "other_endpoints_secret" => {
            let other = if path == NETSUITE {
                SALESFORCE_SECRET
            } else {
                NETSUITE_SECRET
            };
            request.signature = signature(other, &request.id, now, &request.body);
        }
        "rotated_out" => {
            request.signature = signature(ROTATED_OUT, &request.id, now, &request.body);
        }
        other => unreachable!("{other}"),
    }
    request
}

const KINDS: [&str; 13] = [
    "valid",
    "rotated_in",
    "edge_of_tolerance",
    "one_of_several",
    "forged_key",
    "truncated",
    "re_encoded",
    "tampered_body",
    "mis_timed",
    "timestamp_not_signed",
    "id_not_signed",
    "other_endpoints_secret",
    "rotated_out",
];

#[tokio::test]
async fn a_generated_corpus_of_signatures_is_judged_exactly_right() {
    let app = spawn_app_with(|config| {
        config.salesforce.webhook_secrets = SecretList::from(vec![ROTATED_IN, SALESFORCE_SECRET]);
    })
    .await;
    let seed: u64 = std::env::var("TANDEM_CORPUS_SEED")
        .ok()
        .and_then(|seed| seed.parse().ok())
        .unwrap_or_else(rand::random);
    println!("corpus seed {seed} (rerun with TANDEM_CORPUS_SEED={seed})");
    let mut rng = StdRng::seed_from_u64(seed);
    let now = chrono::Utc::now().timestamp();
    let corpus: Vec<Request> = KINDS
        .iter()
        .flat_map(|kind| (0..PER_KIND).map(move |n| (*kind, n)))
        .map(|(kind, n)| generate(kind, n, &mut rng, now))
        .collect();
    assert!(corpus.len() >= 1000, "{} requests", corpus.len());

    let (mut accepted_invalid, mut rejected_valid) = (Vec::new(), Vec::new());
    for request in &corpus {
        let answer = app
            .client
            .post(app.url(request.path))
            .header("content-type", "application/json")
            .header("webhook-id", &request.id)
            .header("webhook-timestamp", &request.timestamp)
            .header("webhook-signature", &request.signature)
            .body(request.body.clone())
            .send()
            .await
            .unwrap();
        let status = answer.status();
        match (request.valid, status.as_u16()) {
            (true, 202) => {}
            (true, _) => rejected_valid.push(format!("{} {}: {status}", request.kind, request.id)),
            (false, 202) => accepted_invalid.push(format!("{} {}", request.kind, request.id)),
            (false, 400 | 401) => {}
            (false, _) => panic!("{} {} answered {status}", request.kind, request.id),
        }
    }
    let valid = corpus.iter().filter(|request| request.valid).count();
    println!(
        "{} requests ({valid} valid, {} invalid): accepted-invalid {}, rejected-valid {}",
        corpus.len(),
        corpus.len() - valid,
        accepted_invalid.len(),
        rejected_valid.len()
    );
    assert!(
        accepted_invalid.is_empty(),
        "accepted invalid: {accepted_invalid:?}"
    );
    assert!(
        rejected_valid.is_empty(),
        "rejected valid: {rejected_valid:?}"
    );
    assert_eq!(
        app.queued().await,
        valid as u64,
        "the queue holds the valid ones only"
    );
}
