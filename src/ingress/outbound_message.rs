//! Salesforce Outbound Messages: SOAP 1.1 `notifications` parsed into typed notifications, refusing hostile XML.
//!
//! The body arrives from the public internet, so it is read in one streaming
//! pass with hard limits (depth, attributes, fields, notifications) and no DTD
//! support at all: a DOCTYPE is refused outright, which closes off entity
//! expansion ("billion laughs") and external entities in one go.
//!
//! Elements are matched by namespace URI and local name, never by prefix:
//! Salesforce and proxies in between are free to choose prefixes.

use std::borrow::Cow;

use quick_xml::XmlVersion;
use quick_xml::escape::resolve_predefined_entity;
use quick_xml::events::{BytesDecl, BytesRef, BytesStart, Event};
use quick_xml::name::{Namespace, NamespaceResolver, ResolveResult};
use quick_xml::reader::NsReader;
use serde_json::{Map, Value};

const SOAP_ENV_NS: &str = "http://schemas.xmlsoap.org/soap/envelope/";
const OUTBOUND_NS: &str = "http://soap.sforce.com/2005/09/outbound";
const XSI_NS: &str = "http://www.w3.org/2001/XMLSchema-instance";

/// Salesforce's own messages are 6 deep; 16 leaves room for SOAP headers.
const MAX_DEPTH: usize = 16;
const MAX_ATTRIBUTES: usize = 64;
const MAX_FIELDS: usize = 1000;
/// The WSDL's `maxOccurs` for `Notification`.
const MAX_NOTIFICATIONS: usize = 100;
/// Names and values echoed into error messages are cut to this many characters,
/// so a hostile body cannot blow up logs through its error.
const MAX_SHOWN: usize = 100;

/// One Outbound Message delivery: who sent it and the records it carries.
#[derive(Debug, Clone, PartialEq)]
pub struct OutboundMessage {
    pub organization_id: String,
    pub action_id: String,
    /// `None` when the message was configured not to send a session id.
    pub session_id: Option<String>,
    pub enterprise_url: String,
    pub partner_url: String,
    pub notifications: Vec<Notification>,
}

/// One changed record.
#[derive(Debug, Clone, PartialEq)]
pub struct Notification {
    /// The notification's own id, stable across Salesforce's retries.
    pub id: String,
    /// The sObject type's local name, e.g. `Account` for `xsi:type="sf:Account"`.
    pub object: String,
    /// Field local name to its text, or `Null` for `xsi:nil="true"`; includes `Id`.
    pub fields: Map<String, Value>,
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum ParseError {
    #[error("body is not valid UTF-8")]
    NotUtf8,
    #[error("malformed XML at byte {position}: {message}")]
    Malformed { position: u64, message: String },
    #[error("XML DOCTYPE declarations are not allowed")]
    DocType,
    #[error("XML processing instructions are not allowed (<?{0}?>)")]
    ProcessingInstruction(String),
    #[error("the XML declaration is only allowed at the very start of the body")]
    MisplacedDeclaration,
    #[error("XML encoding {0:?} is not supported, only UTF-8")]
    UnsupportedEncoding(String),
    #[error("unknown entity reference &{0};")]
    UnknownEntity(String),
    #[error("invalid character reference &{0};")]
    InvalidCharRef(String),
    #[error("undeclared namespace prefix {0:?}")]
    UndeclaredPrefix(String),
    #[error("element nesting deeper than {max}", max = MAX_DEPTH)]
    TooDeep,
    #[error("element <{0}> has more than {max} attributes", max = MAX_ATTRIBUTES)]
    TooManyAttributes(String),
    #[error("element <{element}> has a malformed attribute: {message}")]
    BadAttribute { element: String, message: String },
    #[error("truncated XML: <{0}> is not closed")]
    Truncated(String),
    #[error("truncated XML: no SOAP Envelope")]
    NoEnvelope,
    #[error("root element <{0}> is not a SOAP 1.1 Envelope")]
    NotEnvelope(String),
    #[error("unexpected content outside the SOAP Envelope")]
    OutsideEnvelope,
    #[error("unexpected element <{element}> in <{parent}>")]
    UnexpectedElement { element: String, parent: String },
    #[error("unexpected text in <{0}>")]
    UnexpectedText(String),
    #[error("missing {0}")]
    Missing(&'static str),
    #[error("duplicate {0}")]
    Duplicate(&'static str),
    #[error("expected 1 to {max} Notification elements, found {0}", max = MAX_NOTIFICATIONS)]
    NotificationCount(usize),
    /// `index` counts from 1, in document order.
    #[error("Notification {index}: {problem}")]
    Notification { index: usize, problem: String },
}

/// Parses an Outbound Message request body.
///
/// # Errors
///
/// Any body that is not a well-formed, UTF-8, DTD-free SOAP 1.1 `notifications`
/// message within the limits above; the error says what was wrong.
pub fn parse(body: &[u8]) -> Result<OutboundMessage, ParseError> {
    let xml = std::str::from_utf8(body).map_err(|_| ParseError::NotUtf8)?;
    let mut stream = Stream::new(xml);
    let root = root_element(&mut stream)?;
    if !root.is(Ns::Soap, "Envelope") {
        return Err(ParseError::NotEnvelope(clip(&root.name)));
    }
    let message = parse_envelope(&mut stream)?;
    expect_end_of_document(&mut stream)?;
    Ok(message)
}

fn root_element(stream: &mut Stream<'_>) -> Result<Element, ParseError> {
    loop {
        match stream.next()? {
            Some(Content::Open(element)) => return Ok(element),
            Some(Content::Text(text)) if is_blank(&text) => {}
            Some(_) => return Err(ParseError::OutsideEnvelope),
            None => return Err(ParseError::NoEnvelope),
        }
    }
}

fn expect_end_of_document(stream: &mut Stream<'_>) -> Result<(), ParseError> {
    loop {
        match stream.next()? {
            None => return Ok(()),
            Some(Content::Text(text)) if is_blank(&text) => {}
            Some(_) => return Err(ParseError::OutsideEnvelope),
        }
    }
}

fn parse_envelope(stream: &mut Stream<'_>) -> Result<OutboundMessage, ParseError> {
    let mut message = None;
    while let Some(child) = stream.next_child()? {
        if message.is_some() {
            return Err(unexpected(&child, "Envelope"));
        } else if child.is(Ns::Soap, "Header") {
            // Salesforce sends none, but an intermediary may add one; nothing in it concerns us.
            stream.skip_element()?;
        } else if child.is(Ns::Soap, "Body") {
            message = Some(parse_body(stream)?);
        } else {
            return Err(unexpected(&child, "Envelope"));
        }
    }
    message.ok_or(ParseError::Missing("SOAP Body"))
}

fn parse_body(stream: &mut Stream<'_>) -> Result<OutboundMessage, ParseError> {
    let mut message = None;
    while let Some(child) = stream.next_child()? {
        if message.is_none() && child.is(Ns::Outbound, "notifications") {
            message = Some(parse_notifications(stream)?);
        } else {
            return Err(unexpected(&child, "Body"));
        }
    }
    message.ok_or(ParseError::Missing("notifications"))
}

fn parse_notifications(stream: &mut Stream<'_>) -> Result<OutboundMessage, ParseError> {
    let mut organization_id = None;
    let mut action_id = None;
    let mut session_id = None;
    let mut enterprise_url = None;
    let mut partner_url = None;
    let mut notifications = Vec::new();
    let mut found = 0;
    while let Some(child) = stream.next_child()? {
        if child.ns != Ns::Outbound {
            stream.skip_element()?;
            continue;
        }
        match child.name.as_str() {
            "OrganizationId" => set_once(
                &mut organization_id,
                leaf_text(stream, &child)?,
                "OrganizationId",
            )?,
            "ActionId" => set_once(&mut action_id, leaf_text(stream, &child)?, "ActionId")?,
            "SessionId" => set_once(&mut session_id, leaf_text(stream, &child)?, "SessionId")?,
            "EnterpriseUrl" => set_once(
                &mut enterprise_url,
                leaf_text(stream, &child)?,
                "EnterpriseUrl",
            )?,
            "PartnerUrl" => set_once(&mut partner_url, leaf_text(stream, &child)?, "PartnerUrl")?,
            "Notification" => {
                found += 1;
                if found <= MAX_NOTIFICATIONS {
                    notifications.push(parse_notification(stream, found)?);
                } else {
                    // Skipping rather than failing now lets the error report the real count.
                    stream.skip_element()?;
                }
            }
            // Newer Salesforce releases may add elements; they must not break delivery.
            _ => stream.skip_element()?,
        }
    }
    let required = |value: Option<Option<String>>, name| {
        value
            .flatten()
            .filter(|id| !id.is_empty())
            .ok_or(ParseError::Missing(name))
    };
    let message = OutboundMessage {
        organization_id: required(organization_id, "OrganizationId")?,
        action_id: required(action_id, "ActionId")?,
        session_id: session_id.flatten(),
        enterprise_url: enterprise_url.flatten().unwrap_or_default(),
        partner_url: partner_url.flatten().unwrap_or_default(),
        notifications,
    };
    if !(1..=MAX_NOTIFICATIONS).contains(&found) {
        return Err(ParseError::NotificationCount(found));
    }
    Ok(message)
}

fn set_once<T>(slot: &mut Option<T>, value: T, name: &'static str) -> Result<(), ParseError> {
    if slot.is_some() {
        return Err(ParseError::Duplicate(name));
    }
    *slot = Some(value);
    Ok(())
}

/// Text of a leaf element of `notifications` or `Notification`, trimmed; `None` if nil.
fn leaf_text(stream: &mut Stream<'_>, element: &Element) -> Result<Option<String>, ParseError> {
    let text = stream.read_text(|child| unexpected(&child, &element.name))?;
    match (element.nil, is_blank(&text)) {
        (true, true) => Ok(None),
        (true, false) => Err(ParseError::UnexpectedText(clip(&element.name))),
        (false, _) => Ok(Some(trim_xml(&text).to_owned())),
    }
}

fn parse_notification(stream: &mut Stream<'_>, index: usize) -> Result<Notification, ParseError> {
    let mut id = None;
    let mut sobject = None;
    while let Some(child) = stream.next_child()? {
        if child.is(Ns::Outbound, "Id") {
            set_once(&mut id, leaf_text(stream, &child)?, "Id")
                .map_err(|duplicate| problem(index, duplicate.to_string()))?;
        } else if child.is(Ns::Outbound, "sObject") {
            set_once(
                &mut sobject,
                parse_sobject(stream, &child, index)?,
                "sObject",
            )
            .map_err(|duplicate| problem(index, duplicate.to_string()))?;
        } else {
            stream.skip_element()?;
        }
    }
    let id = id
        .flatten()
        .filter(|id| !id.is_empty())
        .ok_or_else(|| problem(index, "missing Id"))?;
    let (object, fields) = sobject.ok_or_else(|| problem(index, "missing sObject"))?;
    Ok(Notification { id, object, fields })
}

fn parse_sobject(
    stream: &mut Stream<'_>,
    sobject: &Element,
    index: usize,
) -> Result<(String, Map<String, Value>), ParseError> {
    let object = object_name(sobject.xsi_type.as_deref(), index)?;
    let mut fields = Map::new();
    while let Some(field) = stream.next_child()? {
        if fields.len() == MAX_FIELDS {
            return Err(problem(
                index,
                format!("sObject has more than {MAX_FIELDS} fields"),
            ));
        }
        if fields.contains_key(&field.name) {
            return Err(problem(
                index,
                format!("duplicate field <{}>", clip(&field.name)),
            ));
        }
        let value = field_value(stream, &field, index)?;
        fields.insert(field.name, value);
    }
    match fields.get("Id") {
        Some(Value::String(id)) if !id.is_empty() => Ok((object, fields)),
        _ => Err(problem(index, "sObject has no sf:Id")),
    }
}

/// The local part of `xsi:type`; its prefix is not resolved because only the
/// type name matters downstream, and refusing a record over an undeclared
/// prefix would gain nothing.
fn object_name(xsi_type: Option<&str>, index: usize) -> Result<String, ParseError> {
    let qualified = trim_xml(xsi_type.ok_or_else(|| problem(index, "sObject has no xsi:type"))?);
    let local = qualified
        .split_once(':')
        .map_or(qualified, |(_prefix, local)| local);
    // The name ends up in API paths downstream, so only Salesforce API-name characters pass.
    let is_api_name = !local.is_empty()
        && local
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_');
    if is_api_name {
        Ok(local.to_owned())
    } else {
        Err(problem(
            index,
            format!(
                "sObject xsi:type {:?} is not an sObject type name",
                clip(qualified)
            ),
        ))
    }
}

/// A field's text exactly as sent (no trimming), or `Null` when nil.
fn field_value(
    stream: &mut Stream<'_>,
    field: &Element,
    index: usize,
) -> Result<Value, ParseError> {
    let text = stream.read_text(|child| {
        problem(
            index,
            format!(
                "field <{}> contains element <{}>",
                clip(&field.name),
                clip(&child.name)
            ),
        )
    })?;
    match (field.nil, is_blank(&text)) {
        (true, true) => Ok(Value::Null),
        (true, false) => Err(problem(
            index,
            format!("field <{}> is xsi:nil but has content", clip(&field.name)),
        )),
        (false, _) => Ok(Value::String(text)),
    }
}

fn problem(index: usize, problem: impl Into<String>) -> ParseError {
    ParseError::Notification {
        index,
        problem: problem.into(),
    }
}

fn unexpected(child: &Element, parent: &str) -> ParseError {
    ParseError::UnexpectedElement {
        element: clip(&child.name),
        parent: clip(parent),
    }
}

/// Which namespaces the parser cares about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ns {
    Soap,
    Outbound,
    Other,
}

/// A start tag, with the only attributes that matter already picked out.
#[derive(Debug)]
struct Element {
    ns: Ns,
    name: String,
    xsi_type: Option<String>,
    nil: bool,
}

impl Element {
    fn is(&self, ns: Ns, name: &str) -> bool {
        self.ns == ns && self.name == name
    }
}

/// What the structural parser sees: comments, the declaration and entities are
/// already dealt with, and every hardening limit already enforced.
enum Content<'i> {
    Open(Element),
    Text(Cow<'i, str>),
    Close,
}

/// The event source: wraps `NsReader` and applies the limits to every event,
/// including those inside elements that the parser skips.
struct Stream<'i> {
    reader: NsReader<&'i [u8]>,
    /// Local names of the open elements: the depth limit and truncation errors need them.
    open: Vec<String>,
    /// A self-closing tag is reported as Open then Close, so callers have one code path.
    pending_close: bool,
    at_start: bool,
}

impl<'i> Stream<'i> {
    fn new(xml: &'i str) -> Self {
        Self {
            reader: NsReader::from_str(xml),
            open: Vec::with_capacity(MAX_DEPTH),
            pending_close: false,
            at_start: true,
        }
    }

    /// The next piece of content; `None` at the end of the input.
    fn next(&mut self) -> Result<Option<Content<'i>>, ParseError> {
        if std::mem::take(&mut self.pending_close) {
            self.open.pop();
            return Ok(Some(Content::Close));
        }
        loop {
            let event = self.reader.read_event().map_err(|e| self.malformed(&e))?;
            let at_start = std::mem::take(&mut self.at_start);
            let content = match event {
                Event::Start(start) => Content::Open(self.open_element(&start)?),
                Event::Empty(start) => {
                    let element = self.open_element(&start)?;
                    self.pending_close = true;
                    Content::Open(element)
                }
                Event::End(_) => {
                    self.open.pop();
                    Content::Close
                }
                Event::Text(text) => Content::Text(text.xml10_content()),
                Event::CData(cdata) => Content::Text(cdata.xml10_content()),
                Event::GeneralRef(reference) => Content::Text(resolve_reference(&reference)?),
                Event::Comment(_) => continue,
                Event::Decl(decl) if at_start => {
                    check_declaration(&decl)?;
                    continue;
                }
                Event::Decl(_) => return Err(ParseError::MisplacedDeclaration),
                Event::PI(pi) => return Err(ParseError::ProcessingInstruction(clip(pi.target()))),
                // Refused without looking inside: no DTD means no entity expansion
                // and no external entities, whatever the declaration says.
                Event::DocType(_) => return Err(ParseError::DocType),
                Event::Eof => return Ok(None),
            };
            return Ok(Some(content));
        }
    }

    /// Like `next`, for use inside an element, where the end of input means truncation.
    fn content(&mut self) -> Result<Content<'i>, ParseError> {
        match self.next()? {
            Some(content) => Ok(content),
            None => Err(ParseError::Truncated(clip(
                self.open.last().map_or("Envelope", String::as_str),
            ))),
        }
    }

    /// The next child element of the current element, `None` at its end tag.
    fn next_child(&mut self) -> Result<Option<Element>, ParseError> {
        loop {
            match self.content()? {
                Content::Open(child) => return Ok(Some(child)),
                Content::Close => return Ok(None),
                Content::Text(text) if is_blank(&text) => {}
                Content::Text(_) => {
                    let parent = self.open.last().map_or("", String::as_str);
                    return Err(ParseError::UnexpectedText(clip(parent)));
                }
            }
        }
    }

    /// The character data of the current element up to its end tag.
    fn read_text(
        &mut self,
        on_child: impl FnOnce(Element) -> ParseError,
    ) -> Result<String, ParseError> {
        let mut text = String::new();
        loop {
            match self.content()? {
                Content::Text(piece) => text.push_str(&piece),
                Content::Open(child) => return Err(on_child(child)),
                Content::Close => return Ok(text),
            }
        }
    }

    /// Consumes the rest of the current element, still subject to every limit.
    fn skip_element(&mut self) -> Result<(), ParseError> {
        let mut depth = 0_usize;
        loop {
            match self.content()? {
                Content::Open(_) => depth += 1,
                Content::Close if depth == 0 => return Ok(()),
                Content::Close => depth -= 1,
                Content::Text(_) => {}
            }
        }
    }

    fn open_element(&mut self, start: &BytesStart<'_>) -> Result<Element, ParseError> {
        if self.open.len() >= MAX_DEPTH {
            return Err(ParseError::TooDeep);
        }
        let resolver = self.reader.resolver();
        let (ns, local) = resolver.resolve_element(start.name());
        let ns = match ns {
            ResolveResult::Bound(Namespace(SOAP_ENV_NS)) => Ns::Soap,
            ResolveResult::Bound(Namespace(OUTBOUND_NS)) => Ns::Outbound,
            ResolveResult::Bound(_) | ResolveResult::Unbound => Ns::Other,
            ResolveResult::Unknown(prefix) => {
                return Err(ParseError::UndeclaredPrefix(clip(&prefix)));
            }
        };
        let name = local.into_inner().to_owned();
        let (xsi_type, nil) = scan_attributes(start, resolver, &name)?;
        self.open.push(name.clone());
        Ok(Element {
            ns,
            name,
            xsi_type,
            nil,
        })
    }

    fn malformed(&self, error: &quick_xml::Error) -> ParseError {
        ParseError::Malformed {
            position: self.reader.error_position(),
            message: clip(&error.to_string()),
        }
    }
}

/// Validates every attribute (syntax, duplicates, entities, prefixes) and picks
/// out `xsi:type` and `xsi:nil`. Counting while iterating means a tag with
/// 100,000 attributes costs 65 steps here, and nothing is collected.
fn scan_attributes(
    start: &BytesStart<'_>,
    resolver: &NamespaceResolver,
    element: &str,
) -> Result<(Option<String>, bool), ParseError> {
    let bad = |message: String| ParseError::BadAttribute {
        element: clip(element),
        message: clip(&message),
    };
    let mut xsi_type = None;
    let mut nil = false;
    // `attributes()` has its duplicate check on by default.
    for (seen, attribute) in start.attributes().enumerate() {
        if seen == MAX_ATTRIBUTES {
            return Err(ParseError::TooManyAttributes(clip(element)));
        }
        let attribute = attribute.map_err(|e| bad(e.to_string()))?;
        let value = attribute
            .normalized_value(XmlVersion::Implicit1_0)
            .map_err(|e| bad(e.to_string()))?;
        let (ns, local) = resolver.resolve_attribute(attribute.key);
        match ns {
            ResolveResult::Bound(Namespace(XSI_NS)) => match local.into_inner() {
                "type" => xsi_type = Some(value.into_owned()),
                "nil" => {
                    nil = xsd_boolean(&value)
                        .ok_or_else(|| bad(format!("xsi:nil value {value:?} is not a boolean")))?;
                }
                _ => {}
            },
            ResolveResult::Unknown(prefix) => {
                return Err(ParseError::UndeclaredPrefix(clip(&prefix)));
            }
            ResolveResult::Bound(_) | ResolveResult::Unbound => {}
        }
    }
    Ok((xsi_type, nil))
}

fn xsd_boolean(value: &str) -> Option<bool> {
    match trim_xml(value) {
        "true" | "1" => Some(true),
        "false" | "0" => Some(false),
        _ => None,
    }
}

/// Only the five predefined entities exist: there is no DTD to declare others.
fn resolve_reference(reference: &BytesRef<'_>) -> Result<Cow<'static, str>, ParseError> {
    if reference.is_char_ref() {
        return match reference.resolve_char_ref() {
            Ok(Some(ch)) if is_xml_char(ch) => Ok(Cow::Owned(ch.to_string())),
            _ => Err(ParseError::InvalidCharRef(clip(reference))),
        };
    }
    resolve_predefined_entity(reference)
        .map(Cow::Borrowed)
        .ok_or_else(|| ParseError::UnknownEntity(clip(reference)))
}

/// XML 1.0's `Char` production: `&#0;` and most control characters are not XML.
fn is_xml_char(ch: char) -> bool {
    matches!(ch, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// The body was already checked to be UTF-8; a declaration claiming otherwise
/// means the sender and we disagree on what the bytes say.
fn check_declaration(decl: &BytesDecl<'_>) -> Result<(), ParseError> {
    match decl.encoding() {
        None => Ok(()),
        Some(Ok(encoding)) if encoding.eq_ignore_ascii_case("utf-8") => Ok(()),
        Some(Ok(encoding)) => Err(ParseError::UnsupportedEncoding(clip(&encoding))),
        Some(Err(error)) => Err(ParseError::BadAttribute {
            element: "?xml".to_owned(),
            message: clip(&error.to_string()),
        }),
    }
}

fn is_xml_space(ch: char) -> bool {
    matches!(ch, ' ' | '\t' | '\r' | '\n')
}

fn is_blank(text: &str) -> bool {
    text.chars().all(is_xml_space)
}

fn trim_xml(text: &str) -> &str {
    text.trim_matches(is_xml_space)
}

fn clip(text: &str) -> String {
    match text.char_indices().nth(MAX_SHOWN) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use std::fmt::Write as _;
    use std::time::{Duration, Instant};

    use super::*;

    const FIXTURE: &[u8] = include_bytes!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/sf-outbound-message-notification.xml"
    ));

    const HEADER: &str = concat!(
        "<OrganizationId>00D000000000001EAA</OrganizationId>",
        "<ActionId>04k000000000001AAA</ActionId>",
        "<SessionId>session</SessionId>",
        "<EnterpriseUrl>https://example.my.salesforce.com/services/Soap/c/62.0/00D</EnterpriseUrl>",
        "<PartnerUrl>https://example.my.salesforce.com/services/Soap/u/62.0/00D</PartnerUrl>",
    );

    /// A complete message whose `notifications` element holds `content`.
    fn envelope(content: &str) -> String {
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
    fn notification_with(n: usize, fields: &str) -> String {
        format!(
            concat!(
                "<Notification><Id>04l{:015}</Id>",
                r#"<sObject xmlns:sf="urn:sobject.enterprise.soap.sforce.com" xsi:type="sf:Account">"#,
                "{}</sObject></Notification>"
            ),
            n, fields
        )
    }

    fn notification(n: usize) -> String {
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
    fn an_undeclared_prefix_is_refused() {
        let body = envelope(&format!("{HEADER}<x:Extra/>{}", notification(1)));
        assert_eq!(
            parse(body.as_bytes()),
            Err(ParseError::UndeclaredPrefix("x".to_owned()))
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
        let with_pi = String::from_utf8_lossy(FIXTURE)
            .replace("<soapenv:Body>", "<soapenv:Body><?evil stuff?>");
        assert_eq!(
            parse(with_pi.as_bytes()),
            Err(ParseError::ProcessingInstruction("evil".to_owned()))
        );
        let with_comment = String::from_utf8_lossy(FIXTURE)
            .replace("<sf:Name>", "<!-- c --><sf:Name><!-- inside -->");
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
            let body = envelope(&format!("{HEADER}{}", notification(1))).replacen(
                "<Notification>",
                tag,
                1,
            );
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
    fn text_between_structural_elements_is_refused() {
        let body =
            String::from_utf8_lossy(FIXTURE).replace("<Notification>", "stray<Notification>");
        assert_eq!(
            parse(body.as_bytes()),
            Err(ParseError::UnexpectedText("notifications".to_owned()))
        );
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
}
