//! Parked conflicts as the store keeps them: the event, its candidates, the record they are
//! candidates for, the events attached since, and what an operator decided.

use super::{LinkKind, LinkSide};
use crate::domain::ChangeEvent;
use serde::Serialize;

/// The record whose counterpart a conflict is about: the `side` id of a `kind` link. For a
/// contact or an order waiting on its account, that is the account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConflictSubject {
    pub kind: LinkKind,
    pub side: LinkSide,
    pub id: String,
}

impl ConflictSubject {
    pub fn new(kind: LinkKind, side: LinkSide, id: &str) -> Self {
        Self {
            kind,
            side,
            id: id.to_owned(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct NewConflict {
    pub event: ChangeEvent,
    pub reason: String,
    /// The candidate records that matched (ids and names).
    pub candidates: serde_json::Value,
    /// `None` only for conflicts parked before subjects were kept.
    pub subject: Option<ConflictSubject>,
}

/// Where a parked event went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Parked {
    pub id: i64,
    /// The record already had an open conflict: the event joined it instead of opening one.
    pub attached: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Conflict {
    pub id: i64,
    pub event: ChangeEvent,
    pub reason: String,
    pub candidates: serde_json::Value,
    pub created_at_ms: i64,
    pub subject: Option<ConflictSubject>,
    /// `link:<id>`, `create` or `ignore` once resolved; `None` while open.
    pub resolution: Option<String>,
    pub resolved_at_ms: Option<i64>,
    /// Later events of the record that joined this conflict.
    pub attached: u64,
}

/// Which conflicts a list holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConflictStatus {
    Open,
    Resolved,
}

/// What matching does from now on for a record whose candidates an operator chose between.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MatchDecision {
    /// This candidate is the record's counterpart.
    Link(String),
    /// None is: create one.
    Create,
}

impl MatchDecision {
    pub fn as_text(&self) -> String {
        match self {
            MatchDecision::Link(id) => format!("link:{id}"),
            MatchDecision::Create => "create".into(),
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text.split_once(':') {
            Some(("link", id)) if !id.is_empty() => Some(MatchDecision::Link(id.to_owned())),
            None if text == "create" => Some(MatchDecision::Create),
            _ => None,
        }
    }
}

/// What resolving a conflict records, in one transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConflictDecision {
    /// `link:<id>`, `create` or `ignore`.
    pub resolution: String,
    /// Linking or creating: what matching answers for the subject from now on.
    pub matching: Option<(ConflictSubject, MatchDecision)>,
}
