//! The Salesforce Pub/Sub API as both sides speak it: the generated gRPC code of the vendored
//! `proto/pubsub_api.proto`, the authentication metadata, replay ids, the bitmap encoding of a
//! change event's field lists, and the change event channels. tandem subscribes with it
//! (`ingress::pubsub`); `tandem sandbox` serves it (`sandbox::pubsub`).

pub mod bitmap;
pub mod client;
pub mod replay;
pub mod status;
pub mod subscriber;

/// The code `build.rs` generates from `proto/pubsub_api.proto` (package `eventbus.v1`).
#[allow(clippy::all, clippy::pedantic, missing_docs)]
pub mod proto {
    tonic::include_proto!("eventbus.v1");
}

/// The metadata headers every call carries (Salesforce session authentication).
pub mod metadata {
    /// The OAuth access token.
    pub const ACCESS_TOKEN: &str = "accesstoken";
    /// The org's instance URL, as the token response named it.
    pub const INSTANCE_URL: &str = "instanceurl";
    /// The org id.
    pub const TENANT_ID: &str = "tenantid";
}

/// The change event channel of one object, e.g. `/data/AccountChangeEvent`.
pub fn change_event_topic(object: &str) -> String {
    format!("/data/{object}ChangeEvent")
}

/// The channel carrying the change events of every object selected for Change Data Capture.
pub const ALL_CHANGE_EVENTS: &str = "/data/ChangeEvents";

/// The Pub/Sub API's public endpoint.
pub const DEFAULT_ENDPOINT: &str = "https://api.pubsub.salesforce.com:7443";
