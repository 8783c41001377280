//! What each fuzz target does with one input; shared by the AFL++ binaries and by the test that
//! replays the kept corpus (`tests/fuzz_corpus.rs`). Each must return, never panic, whatever
//! the bytes.

use tandem::domain::System;
use tandem::domain::mapping::{Flow, Mapping, Scope};

/// The Outbound Message (SOAP) parser, then the events it yields.
pub fn soap(data: &[u8]) {
    if let Ok(message) = tandem::ingress::outbound_message::parse(data) {
        let _ = tandem::ingress::notification_events::change_events(message, chrono::Utc::now());
    }
}

/// The JSON change-event parser, for both sources.
pub fn json_event(data: &[u8]) {
    for source in [System::Salesforce, System::Netsuite] {
        let _ = tandem::ingress::json_event::parse(data, source, "msg_fuzz", chrono::Utc::now());
    }
}

/// Every flow's mapping (with its transforms) over a record read from the input as JSON.
pub fn mapping(data: &[u8]) {
    let Ok(serde_json::Value::Object(record)) = serde_json::from_slice(data) else {
        return;
    };
    let mapping = Mapping::shipped();
    for flow in Flow::ALL {
        for scope in [
            Scope::All,
            Scope::OwnedBy(System::Salesforce),
            Scope::OwnedBy(System::Netsuite),
        ] {
            let _ = mapping.map(flow, &record, scope);
        }
    }
}

/// The mapping file parser, then the parsed mapping over a small record.
pub fn mapping_file(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(mapping) = Mapping::parse(text) {
        let record =
            serde_json::json!({ "Name": "Acme", "Amount": 12.5, "CloseDate": "2026-12-01" });
        for flow in Flow::ALL {
            let _ = mapping.map(flow, record.as_object().unwrap(), Scope::All);
        }
    }
}

/// The config loader over the input as a `tandem.toml`.
pub fn config(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = tandem::config::load_str(text);
}
