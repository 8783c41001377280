//! Raw payloads to change events: Standard Webhooks signatures, Salesforce Outbound Messages
//! (SOAP), JSON change events and Change Data Capture events (Avro, from the Pub/Sub API).
//! Pure functions; the HTTP layer and the Pub/Sub subscriber decide what to do with them.

pub mod change_data_capture;
pub mod json_event;
pub mod notification_events;
pub mod outbound_message;
pub mod shown;
pub mod soap_response;
pub mod standard_webhooks;
