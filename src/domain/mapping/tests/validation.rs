//! Every problem a mapping file can have is refused at load, naming the flow, field and value.

use super::*;

fn refused(field: &str) -> String {
    one_field(field).unwrap_err().to_string()
}

#[test]
fn a_tax_target_is_refused_naming_the_field() {
    for target in ["taxcode", "istaxable", "custbody_tax_region", "tax1amt"] {
        let message = refused(&format!(
            "source = \"Tax_Code__c\"\ntarget = \"{target}\"\ngroup = \"identity\""
        ));
        assert_eq!(
            message,
            format!(
                "mapping: flow account_to_customer, field Tax_Code__c → {target}: \
                 tax fields are never synced (NetSuite computes tax)"
            )
        );
    }
    let salesforce = Mapping::parse(&file_with(
        "[[flows.invoice_to_opportunity.fields]]\nsource = \"taxtotal\"\ntarget = \"Sales_Tax__c\"\ngroup = \"finance\"",
    ))
    .unwrap_err();
    assert_eq!(salesforce.field_problem(), Some(&FieldProblem::TaxField));
}

#[test]
fn custom_fields_are_welcome() {
    for target in [
        "custbody_region",
        "custentity_segment",
        "custitem_colour",
        "custcol_site",
        "Region__c",
    ] {
        assert!(
            one_field(&format!(
                "source = \"A\"\ntarget = \"{target}\"\ngroup = \"identity\""
            ))
            .is_ok(),
            "{target}"
        );
    }
}

#[test]
fn an_unknown_flow_is_refused() {
    let error = Mapping::parse(&file_with("[[flows.account_to_vendor.fields]]\nsource = \"Name\"\ntarget = \"companyname\"\ngroup = \"identity\""))
        .unwrap_err();
    let message = error.to_string();
    assert!(
        message.starts_with(
            r#"mapping: unknown flow "account_to_vendor" (flows are account_to_customer, "#
        ),
        "{message}"
    );
}

#[test]
fn an_unknown_group_is_refused() {
    assert_eq!(
        refused("source = \"Name\"\ntarget = \"companyname\"\ngroup = \"sales\""),
        r#"mapping: flow account_to_customer, field Name → companyname: group "sales" is not in [groups]"#
    );
}

#[test]
fn unknown_transforms_and_bad_arguments_are_refused() {
    let field = |transforms: &str| {
        let text = format!(
            "source = \"A\"\ntarget = \"b\"\ngroup = \"identity\"\ntransforms = [{transforms}]"
        );
        one_field(&text)
            .unwrap_err()
            .field_problem()
            .cloned()
            .unwrap()
    };
    assert_eq!(
        field(r#""titlecase""#),
        FieldProblem::UnknownTransform("titlecase".into())
    );
    assert_eq!(
        field(r#""table:payment_terms""#),
        FieldProblem::UnknownTable("payment_terms".into())
    );
    for spec in [
        "date",
        "date:",
        "date:%Q",
        "number:two",
        "number:-1",
        "number:13",
        "truncate:0",
        "truncate",
        "trim:1",
        "table:",
    ] {
        assert!(
            matches!(field(&format!("{spec:?}")), FieldProblem::BadArgument { ref transform, .. } if transform == spec),
            "{spec}"
        );
    }
    assert_eq!(
        refused(
            "source = \"A\"\ntarget = \"b\"\ngroup = \"identity\"\ntransforms = [\"number:two\"]"
        ),
        "mapping: flow account_to_customer, field A → b: transform \"number:two\": \
         the scale must be a whole number of decimals from 0 to 12"
    );
}

#[test]
fn a_field_needs_exactly_one_of_source_and_value() {
    assert_eq!(
        refused("source = \"A\"\nvalue = \"x\"\ntarget = \"b\"\ngroup = \"identity\""),
        "mapping: flow account_to_customer, field A → b: has both source and value; give one"
    );
    assert_eq!(
        refused("target = \"b\"\ngroup = \"identity\""),
        "mapping: flow account_to_customer, field ? → b: has neither source nor value"
    );
    assert_eq!(
        refused("value = 3\nfallback = \"A\"\ntarget = \"b\"\ngroup = \"identity\""),
        "mapping: flow account_to_customer, field value 3 → b: fallback needs a source field"
    );
    assert_eq!(
        refused("source = \" \"\ntarget = \"b\"\ngroup = \"identity\""),
        "mapping: flow account_to_customer, field   → b: field names must not be empty"
    );
}

#[test]
fn a_target_mapped_twice_in_one_flow_is_refused() {
    let text = file_with(
        "[[flows.account_to_customer.fields]]\nsource = \"Name\"\ntarget = \"companyname\"\ngroup = \"identity\"\n\
         [[flows.account_to_customer.fields]]\nsource = \"Legal_Name__c\"\ntarget = \"companyName\"\ngroup = \"identity\"\n\
         [[flows.customer_to_account.fields]]\nsource = \"companyname\"\ntarget = \"Name\"\ngroup = \"identity\"",
    );
    assert_eq!(
        Mapping::parse(&text).unwrap_err().to_string(),
        "mapping: flow account_to_customer, field Legal_Name__c → companyName: target is mapped twice in this flow"
    );
}

#[test]
fn settings_outside_the_flows_are_checked() {
    let head = file_with("");
    let cases = [
        (
            head.replace("version = 1", "version = 2"),
            "mapping: version 2 is not supported (this tandem reads version 1)",
        ),
        (
            head.replace("default_subsidiary = \"1\"", "default_subsidiary = \"\""),
            "mapping: netsuite.default_subsidiary: must not be empty",
        ),
        (
            head.replace("USD = ", "usd = "),
            "mapping: currencies.usd: an ISO 4217 code is three capital letters",
        ),
        (
            head.replace(
                "subsidiary = \"1\", currency",
                "subsidiary = \" \", currency",
            ),
            "mapping: currencies.USD: give a currency or a subsidiary internal id, not empty",
        ),
        (
            head.replace("USD = { subsidiary = \"1\", currency = \"1\" }", "USD = {}"),
            "mapping: currencies.USD: give a currency or a subsidiary internal id, not empty",
        ),
        (
            format!("{head}\n[record_fields]\nsalesforce_origin = \"Origin c\"\n"),
            "mapping: record_fields.salesforce_origin: a field API name holds only letters, digits and _",
        ),
    ];
    for (text, expected) in cases {
        assert_eq!(Mapping::parse(&text).unwrap_err().to_string(), expected);
    }
}

#[test]
fn malformed_files_are_syntax_errors_naming_the_key() {
    let head = file_with("");
    for (text, mentions) in [
        (
            head.replace("finance = \"netsuite\"", "finance = \"erp\""),
            "erp",
        ),
        (
            head.replace("[netsuite]", "[netsuite]\nsubsidary = \"1\""),
            "subsidary",
        ),
        (
            file_with(
                "[[flows.account_to_customer.fields]]\nsource = \"Name\"\ngroup = \"identity\"",
            ),
            "target",
        ),
        (
            file_with(
                "[[flows.account_to_customer.fields]]\nsource = \"Name\"\ntarget = \"x\"\ngroup = \"identity\"\nrequird = true",
            ),
            "requird",
        ),
        ("version = ".to_owned(), "version"),
    ] {
        let error = Mapping::parse(&text).unwrap_err();
        assert!(matches!(error, MappingError::Syntax(_)), "{error}");
        assert!(
            error.to_string().contains(mentions),
            "{error} should mention {mentions}"
        );
    }
}
