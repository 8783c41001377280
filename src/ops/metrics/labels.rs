//! Label values, each from a fixed set: anything a client or a payload supplies (an HTTP
//! method, a path, an object name) is mapped onto a known value or a catch-all, so no sender
//! can create series without bound.

use crate::connectors::error::{ConnectorError, ErrorClass};
use crate::domain::System;
use axum::http::Method;

/// The `route` label of a request that matched no route.
pub const UNMATCHED_ROUTE: &str = "unmatched";
/// The catch-all of the `method` and `object` labels.
pub const OTHER: &str = "other";

/// The `method` label: a standard method tandem may see, else `other`.
pub fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        _ => OTHER,
    }
}

/// Salesforce objects tandem syncs or reads, by their API names.
pub const SALESFORCE_OBJECTS: &[&str] = &[
    "Account",
    "Contact",
    "Opportunity",
    "OpportunityLineItem",
    "Product2",
    "PricebookEntry",
];

/// NetSuite record types tandem syncs or reads (SuiteScript names), and the
/// `inventorylevel` events of the inventory flow.
pub const NETSUITE_OBJECTS: &[&str] = &[
    "customer",
    "contact",
    "salesorder",
    "invoice",
    "customerpayment",
    "item",
    "inventoryitem",
    "noninventoryitem",
    "serviceitem",
    "assemblyitem",
    "kititem",
    "inventorylevel",
];

/// The `object` label of an event: the known name it spells (in any case), else `other`.
/// Object names come from event payloads, so they are never used as label values as given.
pub fn object_label(source: System, object: &str) -> &'static str {
    let known = match source {
        System::Salesforce => SALESFORCE_OBJECTS,
        System::Netsuite => NETSUITE_OBJECTS,
    };
    known
        .iter()
        .find(|name| name.eq_ignore_ascii_case(object))
        .copied()
        .unwrap_or(OTHER)
}

/// What a connector call does; the `operation` label.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    /// A SOQL query (Salesforce) or a SuiteQL query (NetSuite).
    Query,
    /// The next page of a SOQL query (Salesforce).
    QueryMore,
    /// Read one record.
    Get,
    /// Create one record.
    Create,
    /// Update one record by id (Salesforce PATCH by id, NetSuite PATCH).
    Update,
    /// Upsert one record by external id.
    Upsert,
    /// Update or upsert up to 200 records in one sObject Collections call (Salesforce).
    Collection,
    /// A NetSuite record search (`q=`).
    Search,
    /// Fetch an access token.
    Token,
}

impl Operation {
    pub fn as_str(self) -> &'static str {
        match self {
            Operation::Query => "query",
            Operation::QueryMore => "query_more",
            Operation::Get => "get",
            Operation::Create => "create",
            Operation::Update => "update",
            Operation::Upsert => "upsert",
            Operation::Collection => "collection",
            Operation::Search => "search",
            Operation::Token => "token",
        }
    }
}

/// The `outcome` label of a connector call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallOutcome {
    /// A 2xx answer.
    Ok,
    /// NetSuite answered 429.
    Throttled,
    /// Any other failure, by what the worker should do about it.
    Failed(ErrorClass),
}

impl CallOutcome {
    /// The outcome of a finished call.
    pub fn of<T>(result: &Result<T, ConnectorError>) -> Self {
        match result {
            Ok(_) => CallOutcome::Ok,
            Err(error) => CallOutcome::Failed(error.class),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            CallOutcome::Ok => "ok",
            CallOutcome::Throttled => "throttled",
            CallOutcome::Failed(ErrorClass::Retry) => "retry",
            CallOutcome::Failed(ErrorClass::BackOff) => "back_off",
            CallOutcome::Failed(ErrorClass::RefreshAuth) => "refresh_auth",
            CallOutcome::Failed(ErrorClass::Permanent) => "permanent",
            CallOutcome::Failed(ErrorClass::Conflict) => "conflict",
        }
    }
}
