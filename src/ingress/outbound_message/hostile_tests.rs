//! Hostile and broken XML: DTDs, entities, processing instructions, limits, truncation and
//! malformed markup are refused, and refused quickly.

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use super::tests::{FIXTURE, HEADER, envelope, notification, notification_with};
use super::*;

/// Parses a body that must be refused, and proves it was refused fast.
fn refused_quickly(body: &[u8]) -> ParseError {
    let started = Instant::now();
    let error = parse(body).expect_err("hostile body is refused");
    let elapsed = started.elapsed();
    assert!(
        elapsed < Duration::from_millis(500),
        "refusing took {elapsed:?}: {error}"
    );
    error
}

#[test]
fn an_undeclared_prefix_is_refused() {
    let body = envelope(&format!("{HEADER}<x:Extra/>{}", notification(1)));
    assert_eq!(
        parse(body.as_bytes()),
        Err(ParseError::UndeclaredPrefix("x".to_owned()))
    );
}

#[test]
fn a_doctype_is_refused_quickly() {
    let body = format!("<!DOCTYPE Envelope>{}", String::from_utf8_lossy(FIXTURE));
    let error = refused_quickly(body.as_bytes());
    assert_eq!(error, ParseError::DocType);
    assert_eq!(
        error.to_string(),
        "XML DOCTYPE declarations are not allowed"
    );
}

#[test]
fn an_external_entity_is_refused_quickly() {
    let body = envelope(&format!(
        "{HEADER}{}",
        notification_with(1, "<sf:Id>&e;</sf:Id>")
    ))
    .replacen(
        "?>",
        r#"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>"#,
        1,
    );
    assert_eq!(refused_quickly(body.as_bytes()), ParseError::DocType);
}

#[test]
fn billion_laughs_is_refused_quickly() {
    let mut body =
        String::from("<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [\n <!ENTITY lol0 \"lol\">\n");
    for level in 1..10 {
        let refs = format!("&lol{};", level - 1).repeat(10);
        let _ = writeln!(body, " <!ENTITY lol{level} \"{refs}\">");
    }
    body.push_str("]>\n<lolz>&lol9;</lolz>");
    assert_eq!(refused_quickly(body.as_bytes()), ParseError::DocType);
}

#[test]
fn a_start_tag_with_a_hundred_thousand_attributes_is_refused_quickly() {
    let attributes: String = (0..100_000).map(|i| format!(" a{i}=\"x\"")).collect();
    let sobject = format!(
        r#"<sObject xmlns:sf="urn:sobject.enterprise.soap.sforce.com" xsi:type="sf:Account"{attributes}>"#
    );
    let body = envelope(&format!("{HEADER}{}", notification(1))).replacen(
        r#"<sObject xmlns:sf="urn:sobject.enterprise.soap.sforce.com" xsi:type="sf:Account">"#,
        &sobject,
        1,
    );
    assert!(body.len() > 1_000_000);
    let error = refused_quickly(body.as_bytes());
    assert_eq!(error, ParseError::TooManyAttributes("sObject".to_owned()));
    assert_eq!(
        error.to_string(),
        "element <sObject> has more than 64 attributes"
    );
}

#[test]
fn sixty_four_attributes_are_allowed() {
    let attributes: String = (0..62).map(|i| format!(" a{i}=\"x\"")).collect();
    let body = envelope(&format!("{HEADER}{}", notification(1))).replacen(
        "<Notification>",
        &format!("<Notification xmlns:extra=\"urn:x\"{attributes} extra:b=\"y\">"),
        1,
    );
    assert!(parse(body.as_bytes()).is_ok());
}

#[test]
fn deep_nesting_in_a_multi_megabyte_body_is_refused_quickly() {
    let depth = 500_000;
    let body = envelope(&format!(
        "{HEADER}{}{}{}",
        "<x>".repeat(depth),
        "</x>".repeat(depth),
        notification(1)
    ));
    assert!(body.len() > 3_000_000);
    assert_eq!(refused_quickly(body.as_bytes()), ParseError::TooDeep);
}

#[test]
fn a_truncated_body_is_refused() {
    let cut = FIXTURE
        .windows(b"</Notification>".len())
        .position(|w| w == b"</Notification>")
        .expect("fixture has a Notification")
        + b"</Notification>".len();
    let error = parse(&FIXTURE[..cut]).expect_err("truncated body is refused");
    assert_eq!(
        error.to_string(),
        "truncated XML: <notifications> is not closed"
    );
}

#[test]
fn every_prefix_of_the_fixture_is_refused() {
    let complete = FIXTURE
        .windows(b"</soapenv:Envelope>".len())
        .position(|w| w == b"</soapenv:Envelope>")
        .expect("fixture has an Envelope end tag")
        + b"</soapenv:Envelope>".len();
    for cut in 0..complete {
        assert!(
            parse(&FIXTURE[..cut]).is_err(),
            "prefix of {cut} bytes parsed"
        );
    }
    assert_eq!(parse(b""), Err(ParseError::NoEnvelope));
}

#[test]
fn an_unknown_entity_is_refused() {
    let body = envelope(&format!(
        "{HEADER}{}",
        notification_with(
            1,
            "<sf:Id>001000000000001AAA</sf:Id><sf:Name>&lol;</sf:Name>"
        )
    ));
    assert_eq!(
        refused_quickly(body.as_bytes()),
        ParseError::UnknownEntity("lol".to_owned())
    );
}

#[test]
fn an_unknown_entity_in_an_attribute_is_refused() {
    let body = envelope(&format!("{HEADER}{}", notification(1))).replacen(
        "<Notification>",
        "<Notification note=\"&lol;\">",
        1,
    );
    assert!(matches!(
        parse(body.as_bytes()),
        Err(ParseError::BadAttribute { element, .. }) if element == "Notification"
    ));
}

#[test]
fn a_character_reference_to_a_non_xml_character_is_refused() {
    let body = envelope(&format!(
        "{HEADER}{}",
        notification_with(
            1,
            "<sf:Id>001000000000001AAA</sf:Id><sf:Name>&#0;</sf:Name>"
        )
    ));
    assert_eq!(
        parse(body.as_bytes()),
        Err(ParseError::InvalidCharRef("#0".to_owned()))
    );
}

#[test]
fn nesting_deeper_than_16_is_refused() {
    // Envelope, Body and notifications are 3 levels; 13 more reach 16, 14 more reach 17.
    let nested = |levels: usize| {
        envelope(&format!(
            "{HEADER}{}{}{}",
            "<extension>".repeat(levels),
            "</extension>".repeat(levels),
            notification(1)
        ))
    };
    assert!(parse(nested(13).as_bytes()).is_ok());
    let error = parse(nested(14).as_bytes()).expect_err("17 levels are refused");
    assert_eq!(error, ParseError::TooDeep);
    assert_eq!(error.to_string(), "element nesting deeper than 16");
}

#[test]
fn trailing_garbage_after_the_envelope_is_refused() {
    for trailer in ["garbage", "<again/>", "<?pi x?>"] {
        let mut body = FIXTURE.to_vec();
        body.extend_from_slice(trailer.as_bytes());
        assert!(parse(&body).is_err(), "{trailer} after the Envelope parsed");
    }
    let mut body = FIXTURE.to_vec();
    body.extend_from_slice(b"\n<!-- comment -->\n");
    assert!(parse(&body).is_ok());
}

#[test]
fn non_utf8_is_refused() {
    let mut latin1 = FIXTURE.to_vec();
    let name = latin1
        .windows(b"Salesforce.com".len())
        .position(|w| w == b"Salesforce.com")
        .expect("fixture names Salesforce.com");
    latin1[name] = 0xE9; // 'é' in Latin-1, invalid on its own in UTF-8
    assert_eq!(parse(&latin1), Err(ParseError::NotUtf8));
    let declared = String::from_utf8_lossy(FIXTURE).replace("UTF-8", "ISO-8859-1");
    assert_eq!(
        parse(declared.as_bytes()),
        Err(ParseError::UnsupportedEncoding("ISO-8859-1".to_owned()))
    );
}

#[test]
fn a_utf8_byte_order_mark_is_accepted() {
    let mut body = b"\xEF\xBB\xBF".to_vec();
    body.extend_from_slice(FIXTURE);
    assert_eq!(parse(&body), parse(FIXTURE));
}

#[test]
fn processing_instructions_are_refused_and_comments_ignored() {
    let with_pi =
        String::from_utf8_lossy(FIXTURE).replace("<soapenv:Body>", "<soapenv:Body><?evil stuff?>");
    assert_eq!(
        parse(with_pi.as_bytes()),
        Err(ParseError::ProcessingInstruction("evil".to_owned()))
    );
    let with_comment =
        String::from_utf8_lossy(FIXTURE).replace("<sf:Name>", "<!-- c --><sf:Name><!-- inside -->");
    assert_eq!(parse(with_comment.as_bytes()), parse(FIXTURE));
}

#[test]
fn a_late_xml_declaration_is_refused() {
    let body = format!(" {}", String::from_utf8_lossy(FIXTURE));
    assert_eq!(
        parse(body.as_bytes()),
        Err(ParseError::MisplacedDeclaration)
    );
}

#[test]
fn duplicate_and_malformed_attributes_are_refused() {
    for tag in [
        r#"<Notification a="1" a="2">"#,
        r#"<Notification a=1>"#,
        r#"<Notification a>"#,
    ] {
        let body =
            envelope(&format!("{HEADER}{}", notification(1))).replacen("<Notification>", tag, 1);
        assert!(
            matches!(
                parse(body.as_bytes()),
                Err(ParseError::BadAttribute { .. } | ParseError::Malformed { .. })
            ),
            "{tag} was accepted"
        );
    }
}

#[test]
fn mismatched_end_tags_are_refused() {
    let body = String::from_utf8_lossy(FIXTURE).replace("</sf:Name>", "</sf:Nome>");
    assert!(matches!(
        parse(body.as_bytes()),
        Err(ParseError::Malformed { .. })
    ));
}

#[test]
fn error_messages_do_not_echo_huge_names() {
    let name = "n".repeat(10_000);
    let body = envelope(&format!("{HEADER}{}", notification(1))).replacen(
        "<Notification>",
        &format!("<Notification>&{name};"),
        1,
    );
    let error = parse(body.as_bytes()).expect_err("unknown entity");
    assert!(error.to_string().len() < 200, "{error}");
}
