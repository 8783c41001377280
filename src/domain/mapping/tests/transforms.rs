//! Each transform on the values both systems send, and the errors it reports.

use super::*;
use serde_json::json;

fn ok(transforms: &str, value: Value) -> Value {
    transformed(transforms, value.clone())
        .unwrap_or_else(|error| panic!("{transforms} on {value}: {error}"))
}

fn problem(transforms: &str, value: Value) -> FieldProblem {
    let error = transformed(transforms, value).unwrap_err();
    error.field_problem().cloned().expect("a field error")
}

#[test]
fn text_transforms_change_text_and_pass_other_values_through() {
    assert_eq!(ok(r#"["trim"]"#, json!("  Acme  ")), json!("Acme"));
    assert_eq!(ok(r#"["upper"]"#, json!("acme gmbh")), json!("ACME GMBH"));
    assert_eq!(
        ok(r#"["lower"]"#, json!("Jane@ACME.com")),
        json!("jane@acme.com")
    );
    assert_eq!(ok(r#"["truncate:4"]"#, json!("Müller & Co")), json!("Müll"));
    assert_eq!(ok(r#"["truncate:40"]"#, json!("short")), json!("short"));
    assert_eq!(ok(r#"["trim", "upper"]"#, json!(12)), json!(12));
}

#[test]
fn transforms_apply_in_the_order_listed() {
    assert_eq!(ok(r#"["truncate:3", "trim"]"#, json!("  Acme")), json!("A"));
    assert_eq!(
        ok(r#"["trim", "truncate:3"]"#, json!("  Acme")),
        json!("Acm")
    );
}

#[test]
fn dates_are_read_in_every_form_and_written_in_the_format() {
    assert_eq!(
        ok(r#"["date:%Y-%m-%d"]"#, json!("2026-11-27T10:15:02Z")),
        json!("2026-11-27")
    );
    assert_eq!(
        ok(r#"["date:%Y-%m-%d"]"#, json!("11/27/2026")),
        json!("2026-11-27")
    );
    assert_eq!(
        ok(r#"["date:%-m/%-d/%Y"]"#, json!("2026-01-05")),
        json!("1/5/2026")
    );
    assert_eq!(
        ok(
            r#"["date:%d.%m.%Y"]"#,
            json!("2026-11-27T10:15:02.000+0000")
        ),
        json!("27.11.2026")
    );
    assert_eq!(ok(r#"["date:%Y-%m-%d"]"#, json!("")), Value::Null);
}

#[test]
fn a_value_that_is_not_a_date_is_an_error_showing_it() {
    assert_eq!(
        problem(r#"["date:%Y-%m-%d"]"#, json!("31/31/2026")),
        FieldProblem::NotADate(json!("31/31/2026"))
    );
    assert_eq!(
        problem(r#"["date:%Y-%m-%d"]"#, json!(20261127)),
        FieldProblem::NotADate(json!(20261127))
    );
}

#[test]
fn numbers_are_read_from_text_and_rounded_to_the_scale() {
    assert_eq!(ok(r#"["number:2"]"#, json!("1200.50")), json!(1200.5));
    assert_eq!(ok(r#"["number:2"]"#, json!("5000.0")), json!(5000));
    assert_eq!(ok(r#"["number:2"]"#, json!(1.005)), json!(1.01));
    assert_eq!(ok(r#"["number:0"]"#, json!("2.5")), json!(3));
    assert_eq!(ok(r#"["number"]"#, json!("0.125")), json!(0.125));
    assert_eq!(ok(r#"["number"]"#, json!(" 1.0E7 ")), json!(10_000_000));
    assert_eq!(ok(r#"["number:2"]"#, json!("")), Value::Null);
}

#[test]
fn a_value_that_is_not_a_number_is_an_error_showing_it() {
    for value in [
        json!("12 USD"),
        json!("1,200.50"),
        json!(true),
        json!({"id": "1"}),
    ] {
        assert_eq!(
            problem(r#"["number:2"]"#, value.clone()),
            FieldProblem::NotANumber(value)
        );
    }
}

#[test]
fn booleans_are_read_from_every_spelling() {
    for (value, expected) in [
        (json!(true), true),
        (json!("true"), true),
        (json!("TRUE"), true),
        (json!("T"), true),
        (json!("1"), true),
        (json!(1), true),
        (json!(false), false),
        (json!("false"), false),
        (json!("F"), false),
        (json!("0"), false),
        (json!(0), false),
    ] {
        assert_eq!(ok(r#"["bool"]"#, value.clone()), json!(expected), "{value}");
        assert_eq!(ok(r#"["not"]"#, value.clone()), json!(!expected), "{value}");
    }
    assert_eq!(
        problem(r#"["bool"]"#, json!("yes please")),
        FieldProblem::NotABoolean(json!("yes please"))
    );
    assert_eq!(
        problem(r#"["not"]"#, json!(2)),
        FieldProblem::NotABoolean(json!(2))
    );
}

#[test]
fn tables_look_values_up_and_name_what_they_lack() {
    assert_eq!(
        ok(r#"["table:invoice_status"]"#, json!("open")),
        json!("Open")
    );
    assert_eq!(
        ok(r#"["table:invoice_status"]"#, json!("Paid In Full")),
        json!("Paid")
    );
    assert_eq!(
        ok(
            r#"["table:invoice_status"]"#,
            json!({"id": "B", "refName": "Paid In Full"})
        ),
        json!("Paid")
    );
    let error = transformed(r#"["table:invoice_status"]"#, json!("overdue")).unwrap_err();
    assert_eq!(
        error.to_string(),
        r#"mapping: flow account_to_customer, field In → out: "overdue" is not in table invoice_status"#
    );
}

#[test]
fn references_are_wrapped_and_unwrapped() {
    assert_eq!(ok(r#"["ref"]"#, json!("7")), json!({"id": "7"}));
    assert_eq!(ok(r#"["ref"]"#, json!(7)), json!({"id": "7"}));
    assert_eq!(
        ok(r#"["ref"]"#, json!({"id": "7", "refName": "Net 30"})),
        json!({"id": "7", "refName": "Net 30"})
    );
    assert_eq!(ok(r#"["ref"]"#, json!("")), Value::Null);
    assert_eq!(
        problem(r#"["ref"]"#, json!(true)),
        FieldProblem::NotAReference(json!(true))
    );
    assert_eq!(
        ok(r#"["ref_name"]"#, json!({"id": "2", "refName": "Net 30"})),
        json!("Net 30")
    );
    assert_eq!(ok(r#"["ref_name"]"#, json!("Net 30")), json!("Net 30"));
    assert_eq!(
        problem(r#"["ref_name"]"#, json!({"id": "2"})),
        FieldProblem::NotAReference(json!({"id": "2"}))
    );
}

#[test]
fn null_passes_every_transform() {
    for transforms in [
        r#"["trim"]"#,
        r#"["date:%Y-%m-%d"]"#,
        r#"["number:2"]"#,
        r#"["bool"]"#,
        r#"["not"]"#,
        r#"["table:invoice_status"]"#,
        r#"["ref"]"#,
        r#"["ref_name"]"#,
        r#"["truncate:3"]"#,
    ] {
        assert_eq!(ok(transforms, Value::Null), Value::Null, "{transforms}");
    }
}
