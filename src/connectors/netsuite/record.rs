//! Record references and the REST record service's URLs (`/services/rest/record/v1/{type}/{id}`).

use crate::connectors::error::{ConnectorError, ErrorClass, System};
use url::Url;

/// A record's key in a URL: NetSuite's internal id, or tandem's external id (`eid:` prefix).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum RecordId {
    Internal(String),
    External(String),
}

impl RecordId {
    /// The path segment: `647` or `eid:0015g00000XyZabAAF`.
    pub fn path_segment(&self) -> String {
        match self {
            RecordId::Internal(id) => id.clone(),
            RecordId::External(id) => format!("eid:{id}"),
        }
    }
}

/// What an upsert learned about the record it wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordRef {
    /// The internal id, when NetSuite sent a `Location`.
    pub id: Option<String>,
}

/// `base` with `segments` appended as path segments (each percent-encoded as needed).
pub fn endpoint(base: &Url, segments: &[&str]) -> Url {
    let mut url = base.clone();
    url.set_query(None);
    url.set_fragment(None);
    if let Ok(mut path) = url.path_segments_mut() {
        path.pop_if_empty().extend(segments);
    }
    url
}

/// `…/services/rest/record/v1/{record_type}[/{id}]`.
pub fn record_url(base: &Url, record_type: &str, id: Option<&RecordId>) -> Url {
    let segment = id.map(RecordId::path_segment);
    let mut segments = vec!["services", "rest", "record", "v1", record_type];
    segments.extend(segment.as_deref());
    endpoint(base, &segments)
}

/// The internal id at the end of a `Location` (absolute URL or path).
pub fn id_from_location(location: &str) -> Result<String, ConnectorError> {
    let path = location.split(['?', '#']).next().unwrap_or_default();
    match path.trim_end_matches('/').rsplit('/').next() {
        Some(id) if !id.is_empty() && !id.contains(':') => Ok(id.to_owned()),
        _ => Err(ConnectorError::new(
            System::Netsuite,
            ErrorClass::Permanent,
            format!("the Location header names no record id: {location}"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_urls_use_the_eid_prefix_for_external_ids() {
        let base = Url::parse("https://123456-sb1.suitetalk.api.netsuite.com/").unwrap();
        let id = RecordId::External("0015g00000XyZabAAF".into());
        assert_eq!(
            record_url(&base, "customer", Some(&id)).as_str(),
            "https://123456-sb1.suitetalk.api.netsuite.com/services/rest/record/v1/customer/eid:0015g00000XyZabAAF"
        );
        let id = RecordId::Internal("647".into());
        assert_eq!(
            record_url(&base, "salesOrder", Some(&id)).path(),
            "/services/rest/record/v1/salesOrder/647"
        );
    }

    #[test]
    fn a_base_url_with_a_path_keeps_it() {
        let base = Url::parse("http://127.0.0.1:4010/netsuite").unwrap();
        assert_eq!(
            record_url(&base, "invoice", None).as_str(),
            "http://127.0.0.1:4010/netsuite/services/rest/record/v1/invoice"
        );
    }

    #[test]
    fn the_id_is_the_last_segment_of_the_location() {
        let absolute =
            "https://demo123.suitetalk.api.netsuite.com/services/rest/record/v1/customer/647";
        assert_eq!(id_from_location(absolute).unwrap(), "647");
        assert_eq!(
            id_from_location("/services/rest/record/v1/salesOrder/12/").unwrap(),
            "12"
        );
        assert!(id_from_location("").is_err());
        assert!(id_from_location("https://host/services/rest/record/v1/customer/eid:X").is_err());
    }
}
