//! Errors as the Pub/Sub API returns them: a gRPC status whose message ends with the call's
//! `rpcId`, and the API's own error code in the `error-code` trailer.

use tonic::{Code, Status};

/// The trailer carrying the Pub/Sub API's error code.
pub const ERROR_CODE: &str = "error-code";
/// The authentication headers are missing or hold no live session.
pub const AUTH_ERROR: &str = "sfdc.platform.eventbus.grpc.service.auth.error";
/// The replay id of a CUSTOM subscription is not one the bus holds (invalid, or outside the
/// retention window).
pub const REPLAY_ID_CORRUPTED: &str =
    "sfdc.platform.eventbus.grpc.subscription.fetch.replayid.corrupted";
/// A CUSTOM subscription without a replay id.
pub const REPLAY_ID_VALIDATION_FAILED: &str =
    "sfdc.platform.eventbus.grpc.subscription.fetch.replayid.validation.failed";
/// The topic does not exist (or is not enabled for the org).
pub const TOPIC_NOT_FOUND: &str = "sfdc.platform.eventbus.grpc.service.topic.not.found";
/// A schema id that names no schema.
pub const SCHEMA_NOT_FOUND: &str = "sfdc.platform.eventbus.grpc.schema.not.found";
/// A request the API does not accept (a changed topic, a negative count).
pub const INVALID_REQUEST: &str = "sfdc.platform.eventbus.grpc.subscription.fetch.invalid.request";

/// A status with the API's error code in its trailers and the rpc id in its message.
pub fn error(code: Code, error_code: &str, message: &str, rpc_id: &str) -> Status {
    let mut status = Status::new(code, format!("{message} rpcId: {rpc_id}"));
    if let Ok(value) = error_code.parse() {
        status.metadata_mut().insert(ERROR_CODE, value);
    }
    status
}

/// The Pub/Sub API error code a status carries, if any.
pub fn error_code(status: &Status) -> Option<&str> {
    status.metadata().get(ERROR_CODE)?.to_str().ok()
}
