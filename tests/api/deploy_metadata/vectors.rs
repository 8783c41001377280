//! The Apex relay's test expects, for each Standard Webhooks test vector, the signature tandem
//! itself computes and verifies: the constants are read out of `TandemRelayTest.cls`.

use super::salesforce_source;
use std::collections::BTreeMap;
use tandem::ingress::standard_webhooks::{SigningKey, Verifier, WebhookHeaders};

const PARTS: [&str; 5] = ["SECRET", "ID", "TIMESTAMP", "BODY", "SIGNATURE"];

/// `VECTOR_<n>_<PART>` constants of an Apex class, by vector number then part, as their values.
fn vectors(source: &str) -> BTreeMap<String, BTreeMap<String, String>> {
    let mut vectors: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    for line in source.lines() {
        let Some(rest) = line.trim().strip_prefix("static final ") else {
            continue;
        };
        let Some((declaration, value)) = rest.split_once(" = ") else {
            continue;
        };
        let name = declaration.rsplit(' ').next().unwrap_or_default();
        let Some((number, part)) = name.strip_prefix("VECTOR_").and_then(|n| n.split_once('_'))
        else {
            continue;
        };
        let value = value.trim().trim_end_matches(';');
        let value = match value.strip_prefix('\'').and_then(|v| v.strip_suffix('\'')) {
            Some(quoted) => unescape(quoted),
            None => value.trim_end_matches(['L', 'l']).to_owned(),
        };
        vectors
            .entry(number.to_owned())
            .or_default()
            .insert(part.to_owned(), value);
    }
    vectors
}

/// An Apex string literal's text.
fn unescape(literal: &str) -> String {
    let mut text = String::with_capacity(literal.len());
    let mut chars = literal.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            text.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => text.push('\n'),
            Some('t') => text.push('\t'),
            Some('r') => text.push('\r'),
            Some(other) => text.push(other),
            None => text.push('\\'),
        }
    }
    text
}

#[test]
fn the_apex_test_expects_what_tandem_signs_for_every_standard_webhooks_vector() {
    let path = salesforce_source().join("classes/TandemRelayTest.cls");
    let source = std::fs::read_to_string(&path).expect("TandemRelayTest.cls");
    let vectors = vectors(&source);
    assert!(
        vectors.len() >= 2,
        "{}: expected both vectors, found {vectors:?}",
        path.display()
    );
    for (number, vector) in &vectors {
        let part = |name: &str| {
            vector
                .get(name)
                .unwrap_or_else(|| panic!("{}: VECTOR_{number}_{name} is missing", path.display()))
                .as_str()
        };
        let timestamp: i64 = part("TIMESTAMP").parse().expect("an integer timestamp");
        let key = SigningKey::parse(part("SECRET")).expect("a whsec_ secret");
        let signed = key.sign(part("ID"), timestamp, part("BODY").as_bytes());
        assert_eq!(
            signed,
            part("SIGNATURE"),
            "{}: vector {number}",
            path.display()
        );
        let headers = WebhookHeaders {
            id: Some(part("ID")),
            timestamp: Some(part("TIMESTAMP")),
            signature: Some(part("SIGNATURE")),
        };
        let verified = Verifier::new(vec![key]).verify(headers, part("BODY").as_bytes(), timestamp);
        assert_eq!(
            verified,
            Ok(part("ID")),
            "{}: vector {number}",
            path.display()
        );
        assert_eq!(
            vector.len(),
            PARTS.len(),
            "{}: vector {number} has {vector:?}",
            path.display()
        );
    }
}

#[test]
fn apex_literals_are_read_as_apex_writes_them() {
    let source = "    static final String VECTOR_9_BODY = '{\"a\": \\'b\\\\\\'}';\n    static final Long VECTOR_9_TIMESTAMP = 12L;\n";
    let vectors = vectors(source);
    assert_eq!(vectors["9"]["BODY"], "{\"a\": 'b\\'}");
    assert_eq!(vectors["9"]["TIMESTAMP"], "12");
}
