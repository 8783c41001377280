//! The echo ledger's fields hash: spellings of one value agree, real changes do not.

use super::*;
use serde_json::json;

fn hash(fields: Value, names: &[&str]) -> String {
    fields_hash(&record(fields), names.iter().copied())
}

#[test]
fn the_hash_is_sha256_hex() {
    let digest = hash(json!({ "a": 1 }), &["a"]);
    assert_eq!(digest.len(), 64);
    assert!(
        digest
            .bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()),
        "{digest}"
    );
    assert_eq!(digest, hash(json!({ "a": 1 }), &["a"]), "stable");
}

#[test]
fn spellings_of_one_value_hash_equal() {
    let same = [
        (
            "number and numeric text",
            json!({ "x": 5000 }),
            json!({ "x": "5000.0" }),
        ),
        (
            "numeric text forms",
            json!({ "x": "5000" }),
            json!({ "x": "5000.00" }),
        ),
        (
            "double and integer",
            json!({ "x": 5000.0 }),
            json!({ "x": 5000 }),
        ),
        (
            "exponent",
            json!({ "x": "1.0E7" }),
            json!({ "x": 10_000_000 }),
        ),
        (
            "rounded amounts",
            json!({ "x": 1200.5 }),
            json!({ "x": "1200.50" }),
        ),
        ("negative zero", json!({ "x": "-0.0" }), json!({ "x": 0 })),
        ("null and missing", json!({ "x": null }), json!({})),
        ("empty and missing", json!({ "x": "" }), json!({})),
        (
            "blank and null",
            json!({ "x": "   " }),
            json!({ "x": null }),
        ),
        (
            "bool and text",
            json!({ "x": true }),
            json!({ "x": "true" }),
        ),
        (
            "bool and NetSuite checkbox",
            json!({ "x": false }),
            json!({ "x": "F" }),
        ),
        (
            "bool text case",
            json!({ "x": "TRUE" }),
            json!({ "x": "t" }),
        ),
        (
            "reference and id",
            json!({ "x": { "id": "1", "refName": "Parent" } }),
            json!({ "x": "1" }),
        ),
        (
            "reference with or without name",
            json!({ "x": { "id": "2" } }),
            json!({ "x": { "id": "2", "refName": "Net 30" } }),
        ),
        (
            "reference and numeric id",
            json!({ "x": { "id": "7" } }),
            json!({ "x": 7 }),
        ),
        (
            "surrounding whitespace",
            json!({ "x": " Acme " }),
            json!({ "x": "Acme" }),
        ),
        (
            "name case",
            json!({ "CompanyName": "Acme" }),
            json!({ "companyname": "Acme" }),
        ),
        (
            "unselected fields",
            json!({ "x": 1, "noise": "a" }),
            json!({ "x": 1, "noise": "b" }),
        ),
        (
            "object key order",
            json!({ "x": { "a": 1, "b": "2" } }),
            json!({ "x": { "b": 2, "a": "1.0" } }),
        ),
    ];
    for (case, left, right) in same {
        assert_eq!(
            hash(left, &["x", "CompanyName"]),
            hash(right, &["x", "CompanyName"]),
            "{case}"
        );
    }
}

#[test]
fn name_order_and_repeats_do_not_matter() {
    let fields = json!({ "a": 1, "b": "two" });
    assert_eq!(
        hash(fields.clone(), &["a", "b"]),
        hash(fields.clone(), &["b", "a", "B"])
    );
}

#[test]
fn real_changes_hash_differently() {
    let different = [
        ("amount", json!({ "x": 5000 }), json!({ "x": 5000.01 })),
        ("sign", json!({ "x": 5 }), json!({ "x": -5 })),
        ("text", json!({ "x": "Acme" }), json!({ "x": "Acme Corp" })),
        ("text case", json!({ "x": "Acme" }), json!({ "x": "acme" })),
        ("cleared", json!({ "x": "Acme" }), json!({ "x": null })),
        ("zero is a value", json!({ "x": 0 }), json!({ "x": null })),
        ("false is a value", json!({ "x": false }), json!({})),
        ("flipped", json!({ "x": true }), json!({ "x": false })),
        (
            "number is not bool",
            json!({ "x": 1 }),
            json!({ "x": true }),
        ),
        (
            "reference moved",
            json!({ "x": { "id": "1" } }),
            json!({ "x": { "id": "2" } }),
        ),
        (
            "numeric text and other text",
            json!({ "x": "12" }),
            json!({ "x": "12a" }),
        ),
        (
            "array order",
            json!({ "x": [1, 2] }),
            json!({ "x": [2, 1] }),
        ),
        (
            "big ids stay exact",
            json!({ "x": "12345678901234567890" }),
            json!({ "x": "12345678901234567891" }),
        ),
    ];
    for (case, left, right) in different {
        assert_ne!(hash(left, &["x"]), hash(right, &["x"]), "{case}");
    }
}

#[test]
fn the_same_values_under_other_names_hash_differently() {
    assert_ne!(
        hash(json!({ "a": 1 }), &["a"]),
        hash(json!({ "b": 1 }), &["b"])
    );
    assert_ne!(
        hash(json!({ "a": 1 }), &["a"]),
        hash(json!({ "a": 1 }), &["a", "b"])
    );
}

#[test]
fn what_tandem_wrote_and_its_echo_hash_equal() {
    // The customer fields tandem wrote from an Account, and the same customer as NetSuite's
    // SuiteScript reports it after the write.
    let mapping = Mapping::shipped();
    let flow = mapping.flow(Flow::AccountToCustomer);
    let account = record(
        json!({ "Name": "Acme", "Website": "https://acme.example", "AnnualRevenue": "1200000.0" }),
    );
    let written = flow
        .map(&account, Scope::OwnedBy(crate::domain::System::Salesforce))
        .unwrap();
    let names = flow.target_fields(Scope::OwnedBy(crate::domain::System::Salesforce));
    let echo = record(json!({
        "companyName": "Acme", "url": "https://acme.example", "custentity_arr": "1200000.00",
        "phone": "", "creditlimit": 5000, "entityid": "CUST-101",
    }));
    assert_eq!(
        fields_hash(&written, names.iter().copied()),
        fields_hash(&echo, names.iter().copied())
    );
}
