//! Salesforce Outbound Messages: SOAP 1.1 `notifications` parsed into typed notifications, refusing hostile XML.
//!
//! The body arrives from the public internet, so it is read in one streaming
//! pass with hard limits (depth, attributes, fields, notifications) and no DTD
//! support at all: a DOCTYPE is refused outright, which closes off entity
//! expansion ("billion laughs") and external entities in one go.
//!
//! Elements are matched by namespace URI and local name, never by prefix:
//! Salesforce and proxies in between are free to choose prefixes.
//!
//! Reading is split in two: `guarded_reader` turns bytes into a stream of
//! elements and text with every hardening limit applied, and this module walks
//! that stream through the `notifications` structure.

mod guarded_reader;

use serde_json::{Map, Value};

use self::guarded_reader::{Content, Element, Ns, Stream};

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
mod hostile_tests;
#[cfg(test)]
mod tests;
