//! SOAP bodies tandem answers Outbound Messages with: the Ack, and faults that make Salesforce retry.

use std::borrow::Cow;

use quick_xml::escape::escape;

pub const CONTENT_TYPE: &str = "text/xml; charset=utf-8";

const ACK: &str = concat!(
    "<soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\">\n",
    "\t<soapenv:Body>\n",
    "\t\t<notificationsResponse xmlns=\"http://soap.sforce.com/2005/09/outbound\">\n",
    "\t\t\t<Ack>true</Ack>\n",
    "\t\t</notificationsResponse>\n",
    "\t</soapenv:Body>\n",
    "</soapenv:Envelope>\n",
);

/// The exact notificationsResponse Salesforce expects (byte-for-byte the fixture sf-outbound-message-ack.xml).
#[must_use]
pub fn ack() -> &'static str {
    ACK
}

/// Who is to blame for a fault; Salesforce retries either way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaultCode {
    /// The request itself was unacceptable.
    Client,
    /// tandem could not take the request in right now.
    Server,
}

impl FaultCode {
    fn qualified_name(self) -> &'static str {
        match self {
            FaultCode::Client => "soapenv:Client",
            FaultCode::Server => "soapenv:Server",
        }
    }
}

/// A SOAP 1.1 Fault envelope carrying `message` as its faultstring.
#[must_use]
pub fn fault(code: FaultCode, message: &str) -> String {
    format!(
        concat!(
            "<soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\">\n",
            "\t<soapenv:Body>\n",
            "\t\t<soapenv:Fault>\n",
            "\t\t\t<faultcode>{code}</faultcode>\n",
            "\t\t\t<faultstring>{message}</faultstring>\n",
            "\t\t</soapenv:Fault>\n",
            "\t</soapenv:Body>\n",
            "</soapenv:Envelope>\n",
        ),
        code = code.qualified_name(),
        message = escape(xml_chars_only(message)),
    )
}

/// Escaping cannot make a control character like NUL legal XML 1.0, and a
/// fault Salesforce cannot parse is useless, so such characters become U+FFFD.
fn xml_chars_only(text: &str) -> Cow<'_, str> {
    let is_xml_char = |ch: char| matches!(ch, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..);
    if text.chars().all(is_xml_char) {
        Cow::Borrowed(text)
    } else {
        Cow::Owned(
            text.chars()
                .map(|ch| if is_xml_char(ch) { ch } else { '\u{FFFD}' })
                .collect(),
        )
    }
}

#[cfg(test)]
mod tests {
    use quick_xml::escape::resolve_predefined_entity;
    use quick_xml::events::Event;
    use quick_xml::name::{Namespace, ResolveResult};
    use quick_xml::reader::NsReader;

    use super::*;

    const SOAP_ENV_NS: &str = "http://schemas.xmlsoap.org/soap/envelope/";

    /// Reads a fault back as a SOAP client would: the faultcode and faultstring
    /// texts, after checking they sit in a Fault of the SOAP 1.1 namespace.
    fn read_fault(xml: &str) -> (String, String) {
        let mut reader = NsReader::from_str(xml);
        let mut in_fault = false;
        let mut current = None;
        let (mut code, mut string) = (String::new(), String::new());
        loop {
            match reader.read_event().expect("fault is well-formed XML") {
                Event::Start(start) => {
                    let (ns, local) = reader.resolver().resolve_element(start.name());
                    let local = local.into_inner().to_owned();
                    if local == "Fault" {
                        assert_eq!(ns, ResolveResult::Bound(Namespace(SOAP_ENV_NS)));
                        in_fault = true;
                    }
                    current = Some(local);
                }
                Event::End(_) => current = None,
                Event::Text(text) => push_text(&mut code, &mut string, current.as_deref(), &text),
                Event::GeneralRef(reference) => {
                    let resolved = match reference.resolve_char_ref().expect("valid reference") {
                        Some(ch) => ch.to_string(),
                        None => resolve_predefined_entity(&reference)
                            .expect("predefined entity")
                            .to_owned(),
                    };
                    push_text(&mut code, &mut string, current.as_deref(), &resolved);
                }
                Event::Eof => break,
                _ => {}
            }
        }
        assert!(in_fault, "no soapenv:Fault element");
        (code, string)
    }

    fn push_text(code: &mut String, string: &mut String, element: Option<&str>, text: &str) {
        match element {
            Some("faultcode") => code.push_str(text),
            Some("faultstring") => string.push_str(text),
            _ => {}
        }
    }

    #[test]
    fn ack_is_byte_for_byte_the_fixture() {
        let fixture = include_bytes!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/sf-outbound-message-ack.xml"
        ));
        assert_eq!(ack().as_bytes(), fixture);
    }

    #[test]
    fn content_type_is_utf8_xml() {
        assert_eq!(CONTENT_TYPE, "text/xml; charset=utf-8");
    }

    #[test]
    fn fault_escapes_markup_characters_and_parses_back() {
        let message = r#"bad <input> & "quotes" 'too' — ünïcode"#;
        let xml = fault(FaultCode::Server, message);
        assert!(!xml.contains("<input>"));
        assert_eq!(
            read_fault(&xml),
            ("soapenv:Server".to_owned(), message.to_owned())
        );
    }

    #[test]
    fn client_faults_carry_the_client_code() {
        let xml = fault(FaultCode::Client, "malformed notification");
        assert_eq!(
            read_fault(&xml),
            (
                "soapenv:Client".to_owned(),
                "malformed notification".to_owned()
            )
        );
    }

    #[test]
    fn fault_replaces_characters_xml_cannot_carry() {
        let xml = fault(FaultCode::Server, "nul\0 and bell\u{7}");
        assert_eq!(read_fault(&xml).1, "nul\u{FFFD} and bell\u{FFFD}");
    }
}
