//! The guarded XML event stream: `NsReader` wrapped so that every event obeys the
//! hardening rules (no DOCTYPE or processing instructions, only predefined entities,
//! depth and attribute limits, UTF-8 only) before the structural parser sees it.

use std::borrow::Cow;

use quick_xml::XmlVersion;
use quick_xml::escape::resolve_predefined_entity;
use quick_xml::events::{BytesDecl, BytesRef, BytesStart, Event};
use quick_xml::name::{Namespace, NamespaceResolver, ResolveResult};
use quick_xml::reader::NsReader;

use super::{MAX_ATTRIBUTES, MAX_DEPTH, ParseError, clip, is_blank, trim_xml};

const SOAP_ENV_NS: &str = "http://schemas.xmlsoap.org/soap/envelope/";
const OUTBOUND_NS: &str = "http://soap.sforce.com/2005/09/outbound";
const XSI_NS: &str = "http://www.w3.org/2001/XMLSchema-instance";

/// Which namespaces the parser cares about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Ns {
    Soap,
    Outbound,
    Other,
}

/// A start tag, with the only attributes that matter already picked out.
#[derive(Debug)]
pub(super) struct Element {
    pub(super) ns: Ns,
    pub(super) name: String,
    pub(super) xsi_type: Option<String>,
    pub(super) nil: bool,
}

impl Element {
    pub(super) fn is(&self, ns: Ns, name: &str) -> bool {
        self.ns == ns && self.name == name
    }
}

/// What the structural parser sees: comments, the declaration and entities are
/// already dealt with, and every hardening limit already enforced.
pub(super) enum Content<'i> {
    Open(Element),
    Text(Cow<'i, str>),
    Close,
}

/// The event source: wraps `NsReader` and applies the limits to every event,
/// including those inside elements that the parser skips.
pub(super) struct Stream<'i> {
    reader: NsReader<&'i [u8]>,
    /// Local names of the open elements: the depth limit and truncation errors need them.
    open: Vec<String>,
    /// A self-closing tag is reported as Open then Close, so callers have one code path.
    pending_close: bool,
    at_start: bool,
}

impl<'i> Stream<'i> {
    pub(super) fn new(xml: &'i str) -> Self {
        Self {
            reader: NsReader::from_str(xml),
            open: Vec::with_capacity(MAX_DEPTH),
            pending_close: false,
            at_start: true,
        }
    }

    /// The next piece of content; `None` at the end of the input.
    pub(super) fn next(&mut self) -> Result<Option<Content<'i>>, ParseError> {
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
    pub(super) fn next_child(&mut self) -> Result<Option<Element>, ParseError> {
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
    pub(super) fn read_text(
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
    pub(super) fn skip_element(&mut self) -> Result<(), ParseError> {
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
