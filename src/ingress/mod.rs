//! Raw payloads to change events: Standard Webhooks signatures, Salesforce Outbound Messages
//! (SOAP) and JSON change events. Pure functions; the HTTP layer decides what to answer.

pub mod json_event;
pub mod notification_events;
pub mod outbound_message;
pub mod shown;
pub mod soap_response;
pub mod standard_webhooks;
