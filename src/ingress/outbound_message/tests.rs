//! Parsing well-formed Outbound Messages, and refusing ones whose SOAP structure is wrong.

use std::fmt::Write as _;

use super::*;

pub(super) const FIXTURE: &[u8] = include_bytes!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/sf-outbound-message-notification.xml"
));

pub(super) const HEADER: &str = concat!(
    "<OrganizationId>00D000000000001EAA</OrganizationId>",
    "<ActionId>04k000000000001AAA</ActionId>",
    "<SessionId>session</SessionId>",
    "<EnterpriseUrl>https://example.my.salesforce.com/services/Soap/c/62.0/00D</EnterpriseUrl>",
    "<PartnerUrl>https://example.my.salesforce.com/services/Soap/u/62.0/00D</PartnerUrl>",
);

/// A complete message whose `notifications` element holds `content`.
pub(super) fn envelope(content: &str) -> String {
    format!(
        concat!(
            r#"<?xml version="1.0" encoding="UTF-8"?>"#,
            r#"<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/""#,
            r#" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">"#,
            "<soapenv:Body>",
            r#"<notifications xmlns="http://soap.sforce.com/2005/09/outbound">{}</notifications>"#,
            "</soapenv:Body></soapenv:Envelope>"
        ),
        content
    )
}

/// A `Notification` numbered `n` whose sObject holds `fields`.
pub(super) fn notification_with(n: usize, fields: &str) -> String {
    format!(
        concat!(
            "<Notification><Id>04l{:015}</Id>",
            r#"<sObject xmlns:sf="urn:sobject.enterprise.soap.sforce.com" xsi:type="sf:Account">"#,
            "{}</sObject></Notification>"
        ),
        n, fields
    )
}

pub(super) fn notification(n: usize) -> String {
    notification_with(
        n,
        &format!("<sf:Id>001{n:015}</sf:Id><sf:Name>Account {n}</sf:Name>"),
    )
}

fn message(notifications: usize) -> String {
    let mut content = HEADER.to_owned();
    for n in 1..=notifications {
        content.push_str(&notification(n));
    }
    envelope(&content)
}

fn single_account(fields: &str) -> Notification {
    let body = envelope(&format!("{HEADER}{}", notification_with(1, fields)));
    let mut message = parse(body.as_bytes()).expect("message parses");
    message.notifications.remove(0)
}

#[test]
fn the_salesforce_fixture_parses_into_one_account_notification() {
    let message = parse(FIXTURE).expect("fixture parses");
    assert_eq!(message.organization_id, "ABC90000000gNcmEAE");
    assert_eq!(message.action_id, "00190000000PGrlAAG");
    assert!(
        message
            .session_id
            .as_deref()
            .is_some_and(|s| s.starts_with("ABC90000000gNcm!"))
    );
    assert_eq!(
        message.enterprise_url,
        "https://na1.salesforce.com/services/Soap/c/41.0/ABC90000000gNcm"
    );
    assert_eq!(
        message.partner_url,
        "https://na1.salesforce.com/services/Soap/u/41.0/ABC90000000gNcm"
    );
    assert_eq!(message.notifications.len(), 1);
    let notification = &message.notifications[0];
    assert_eq!(notification.id, "04l9000001olR84AAE");
    assert_eq!(notification.object, "Account");
    assert_eq!(notification.fields["Id"], "0019000001KwyWtAAJ");
    assert_eq!(notification.fields["Name"], "Salesforce.com Inc.");
    assert_eq!(
        notification.fields["BillingStreet"],
        "The Landmark @ One Market, Suite 300"
    );
    assert_eq!(notification.fields.len(), 6);
}

#[test]
fn other_prefixes_and_default_namespaces_parse_identically() {
    let expected = parse(FIXTURE).expect("fixture parses");
    let session = expected.session_id.clone().unwrap_or_default();
    let fields = |p: &str| {
        format!(
            concat!(
                "<{p}Id>0019000001KwyWtAAJ</{p}Id>",
                "<{p}BillingCity>San Francisco</{p}BillingCity>",
                "<{p}BillingCountry>United States</{p}BillingCountry>",
                "<{p}BillingPostalCode>CA 94105</{p}BillingPostalCode>",
                "<{p}BillingStreet>The Landmark @ One Market, Suite 300</{p}BillingStreet>",
                "<{p}Name>Salesforce.com Inc.</{p}Name>"
            ),
            p = p
        )
    };
    let header = |p: &str| {
        format!(
            concat!(
                "<{p}OrganizationId>ABC90000000gNcmEAE</{p}OrganizationId>",
                "<{p}ActionId>00190000000PGrlAAG</{p}ActionId>",
                "<{p}SessionId>{s}</{p}SessionId>",
                "<{p}EnterpriseUrl>https://na1.salesforce.com/services/Soap/c/41.0/ABC90000000gNcm</{p}EnterpriseUrl>",
                "<{p}PartnerUrl>https://na1.salesforce.com/services/Soap/u/41.0/ABC90000000gNcm</{p}PartnerUrl>"
            ),
            p = p,
            s = session
        )
    };
    let prefixed = format!(
        concat!(
            r#"<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" xmlns:i="http://www.w3.org/2001/XMLSchema-instance">"#,
            r#"<s:Body><out:notifications xmlns:out="http://soap.sforce.com/2005/09/outbound">{}"#,
            r#"<out:Notification><out:Id>04l9000001olR84AAE</out:Id>"#,
            r#"<out:sObject xmlns:ns2="urn:sobject.enterprise.soap.sforce.com" i:type="ns2:Account">{}</out:sObject>"#,
            "</out:Notification></out:notifications></s:Body></s:Envelope>"
        ),
        header("out:"),
        fields("ns2:")
    );
    let defaults = format!(
        concat!(
            r#"<Envelope xmlns="http://schemas.xmlsoap.org/soap/envelope/">"#,
            r#"<Body><notifications xmlns="http://soap.sforce.com/2005/09/outbound">{}"#,
            "<Notification><Id>04l9000001olR84AAE</Id>",
            r#"<sObject xmlns:x="http://www.w3.org/2001/XMLSchema-instance" x:type="Account">"#,
            "{}</sObject>",
            "</Notification></notifications></Body></Envelope>"
        ),
        header(""),
        fields("")
    );
    assert_eq!(parse(prefixed.as_bytes()), Ok(expected.clone()));
    assert_eq!(parse(defaults.as_bytes()), Ok(expected));
}

#[test]
fn elements_are_matched_by_namespace_not_by_prefix() {
    let soap12 = String::from_utf8_lossy(FIXTURE).replace(
        "http://schemas.xmlsoap.org/soap/envelope/",
        "http://www.w3.org/2003/05/soap-envelope",
    );
    assert_eq!(
        parse(soap12.as_bytes()),
        Err(ParseError::NotEnvelope("Envelope".to_owned()))
    );
    let foreign = String::from_utf8_lossy(FIXTURE).replace(
        "http://soap.sforce.com/2005/09/outbound",
        "urn:not-salesforce",
    );
    assert_eq!(
        parse(foreign.as_bytes()),
        Err(ParseError::UnexpectedElement {
            element: "notifications".to_owned(),
            parent: "Body".to_owned()
        })
    );
}

#[test]
fn a_nil_session_id_is_none_and_a_nil_field_is_null() {
    let content = HEADER.replace(
        "<SessionId>session</SessionId>",
        r#"<SessionId xsi:nil="true"/>"#,
    ) + &notification_with(
        1,
        r#"<sf:Id>001000000000001AAA</sf:Id><sf:Phone xsi:nil="true"/><sf:Fax xsi:nil="1"></sf:Fax>"#,
    );
    let message = parse(envelope(&content).as_bytes()).expect("message parses");
    assert_eq!(message.session_id, None);
    let fields = &message.notifications[0].fields;
    assert_eq!(fields["Phone"], Value::Null);
    assert_eq!(fields["Fax"], Value::Null);
}

#[test]
fn an_absent_session_id_is_none_and_absent_urls_are_empty() {
    let header = "<OrganizationId>00D000000000001EAA</OrganizationId><ActionId>04k000000000001AAA</ActionId>";
    let message =
        parse(envelope(&format!("{header}{}", notification(1))).as_bytes()).expect("parses");
    assert_eq!(message.session_id, None);
    assert_eq!(message.enterprise_url, "");
    assert_eq!(message.partner_url, "");
}

#[test]
fn escapes_unicode_and_cdata_are_decoded() {
    let account = single_account(concat!(
        "<sf:Id>001000000000001AAA</sf:Id>",
        "<sf:Name>Caf&#233; &amp; Co — 東京</sf:Name>",
        "<sf:Description>&lt;b&gt; &quot;x&apos; &#x1F600;</sf:Description>",
        "<sf:Site><![CDATA[<i>raw</i> & more]]></sf:Site>",
    ));
    assert_eq!(account.fields["Name"], "Café & Co — 東京");
    assert_eq!(account.fields["Description"], "<b> \"x' 😀");
    assert_eq!(account.fields["Site"], "<i>raw</i> & more");
}

#[test]
fn field_text_is_kept_exactly_including_surrounding_spaces() {
    let account = single_account(
        "<sf:Id>001000000000001AAA</sf:Id><sf:Name>  two  spaces  </sf:Name><sf:Fax></sf:Fax><sf:Phone/>",
    );
    assert_eq!(account.fields["Name"], "  two  spaces  ");
    assert_eq!(account.fields["Fax"], "");
    assert_eq!(account.fields["Phone"], "");
}

#[test]
fn a_hundred_notifications_parse() {
    let message = parse(message(100).as_bytes()).expect("100 notifications parse");
    assert_eq!(message.notifications.len(), 100);
    assert_eq!(message.notifications[99].id, "04l000000000000100");
    assert_eq!(message.notifications[99].fields["Name"], "Account 100");
}

#[test]
fn a_hundred_and_one_notifications_are_refused() {
    let error = parse(message(101).as_bytes()).expect_err("101 is too many");
    assert_eq!(error, ParseError::NotificationCount(101));
    assert_eq!(
        error.to_string(),
        "expected 1 to 100 Notification elements, found 101"
    );
}

#[test]
fn zero_notifications_are_refused() {
    assert_eq!(
        parse(message(0).as_bytes()),
        Err(ParseError::NotificationCount(0))
    );
}

#[test]
fn a_missing_organization_id_is_refused() {
    let header = HEADER.replace("<OrganizationId>00D000000000001EAA</OrganizationId>", "");
    let error = parse(envelope(&format!("{header}{}", notification(1))).as_bytes())
        .expect_err("OrganizationId is required");
    assert_eq!(error.to_string(), "missing OrganizationId");
}

#[test]
fn a_duplicate_organization_id_is_refused() {
    let body = envelope(&format!(
        "{HEADER}<OrganizationId>00D000000000002EAA</OrganizationId>{}",
        notification(1)
    ));
    assert_eq!(
        parse(body.as_bytes()),
        Err(ParseError::Duplicate("OrganizationId"))
    );
}

#[test]
fn a_notification_without_an_sobject_id_is_refused_with_its_index() {
    let content = format!(
        "{HEADER}{}{}{}",
        notification(1),
        notification(2),
        notification_with(3, "<sf:Name>No Id</sf:Name>")
    );
    let error = parse(envelope(&content).as_bytes()).expect_err("sObject Id is required");
    assert_eq!(error.to_string(), "Notification 3: sObject has no sf:Id");
}

#[test]
fn a_notification_without_an_id_or_sobject_is_refused() {
    let without_id = notification(1).replace("<Id>04l000000000000001</Id>", "");
    let error = parse(envelope(&format!("{HEADER}{without_id}")).as_bytes()).expect_err("Id");
    assert_eq!(error.to_string(), "Notification 1: missing Id");
    let without_sobject = "<Notification><Id>04l000000000000001</Id></Notification>";
    let error =
        parse(envelope(&format!("{HEADER}{without_sobject}")).as_bytes()).expect_err("sObject");
    assert_eq!(error.to_string(), "Notification 1: missing sObject");
}

#[test]
fn an_sobject_without_xsi_type_is_refused_and_an_unprefixed_type_is_accepted() {
    let untyped = notification(1).replace(r#" xsi:type="sf:Account""#, "");
    let error = parse(envelope(&format!("{HEADER}{untyped}")).as_bytes()).expect_err("type");
    assert_eq!(error.to_string(), "Notification 1: sObject has no xsi:type");
    let unprefixed = notification(1).replace("sf:Account", "Custom__c");
    let message = parse(envelope(&format!("{HEADER}{unprefixed}")).as_bytes()).expect("parses");
    assert_eq!(message.notifications[0].object, "Custom__c");
    let hostile = notification(1).replace("sf:Account", "sf:../../x");
    assert!(parse(envelope(&format!("{HEADER}{hostile}")).as_bytes()).is_err());
}

#[test]
fn a_field_containing_an_element_is_refused_naming_the_field() {
    let body = envelope(&format!(
        "{HEADER}{}{}",
        notification(1),
        notification_with(
            2,
            "<sf:Id>001000000000002AAA</sf:Id><sf:Owner><sf:Name>x</sf:Name></sf:Owner>"
        )
    ));
    let error = parse(body.as_bytes()).expect_err("nested field is refused");
    assert_eq!(
        error.to_string(),
        "Notification 2: field <Owner> contains element <Name>"
    );
}

#[test]
fn a_duplicate_field_is_refused() {
    let fields = "<sf:Id>001000000000001AAA</sf:Id><sf:Name>a</sf:Name><sf:Name>b</sf:Name>";
    let body = envelope(&format!("{HEADER}{}", notification_with(1, fields)));
    let error = parse(body.as_bytes()).expect_err("duplicate field is refused");
    assert_eq!(error.to_string(), "Notification 1: duplicate field <Name>");
}

#[test]
fn a_thousand_fields_parse_and_more_are_refused() {
    let fields = |count: usize| {
        let mut fields = String::from("<sf:Id>001000000000001AAA</sf:Id>");
        for i in 1..count {
            let _ = write!(fields, "<sf:F{i}__c>{i}</sf:F{i}__c>");
        }
        envelope(&format!("{HEADER}{}", notification_with(1, &fields)))
    };
    let message = parse(fields(1000).as_bytes()).expect("1000 fields parse");
    assert_eq!(message.notifications[0].fields.len(), 1000);
    let error = parse(fields(1001).as_bytes()).expect_err("1001 fields are refused");
    assert_eq!(
        error.to_string(),
        "Notification 1: sObject has more than 1000 fields"
    );
}

#[test]
fn unknown_elements_inside_notifications_are_ignored() {
    let content = format!(
        "{HEADER}<FutureHeader a=\"1\"><Deep>text</Deep></FutureHeader>{}",
        notification(1).replacen("<Id>", "<Priority>high</Priority><Id>", 1)
    );
    let message = parse(envelope(&content).as_bytes()).expect("parses");
    assert_eq!(message.notifications.len(), 1);
}

#[test]
fn unknown_elements_in_the_body_are_refused() {
    let body = String::from_utf8_lossy(FIXTURE)
        .replace("<soapenv:Body>", "<soapenv:Body><soapenv:Other/>");
    assert!(matches!(
        parse(body.as_bytes()),
        Err(ParseError::UnexpectedElement { element, parent }) if element == "Other" && parent == "Body"
    ));
}

#[test]
fn a_soap_header_is_skipped() {
    let body = String::from_utf8_lossy(FIXTURE).replace(
        "<soapenv:Body>",
        "<soapenv:Header><wsse:Security xmlns:wsse=\"urn:wsse\">x</wsse:Security></soapenv:Header><soapenv:Body>",
    );
    assert_eq!(parse(body.as_bytes()), parse(FIXTURE));
}

#[test]
fn text_between_structural_elements_is_refused() {
    let body = String::from_utf8_lossy(FIXTURE).replace("<Notification>", "stray<Notification>");
    assert_eq!(
        parse(body.as_bytes()),
        Err(ParseError::UnexpectedText("notifications".to_owned()))
    );
}
