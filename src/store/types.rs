//! What the store keeps, as plain data.

use crate::domain::{ChangeEvent, System};
use serde::{Deserialize, Serialize};

/// Which pair of records a link joins.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkKind {
    AccountCustomer,
    Contact,
    OpportunitySalesOrder,
    ProductItem,
}

impl LinkKind {
    pub fn as_str(self) -> &'static str {
        match self {
            LinkKind::AccountCustomer => "account_customer",
            LinkKind::Contact => "contact",
            LinkKind::OpportunitySalesOrder => "opportunity_salesorder",
            LinkKind::ProductItem => "product_item",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [
            LinkKind::AccountCustomer,
            LinkKind::Contact,
            LinkKind::OpportunitySalesOrder,
            LinkKind::ProductItem,
        ]
        .into_iter()
        .find(|kind| kind.as_str() == text)
    }
}

/// Which side of a link an id belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkSide {
    Salesforce,
    Netsuite,
}

impl LinkSide {
    pub fn as_str(self) -> &'static str {
        match self {
            LinkSide::Salesforce => "salesforce",
            LinkSide::Netsuite => "netsuite",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "salesforce" => Some(LinkSide::Salesforce),
            "netsuite" => Some(LinkSide::Netsuite),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    pub kind: LinkKind,
    pub salesforce_id: String,
    pub netsuite_id: String,
}

/// One record in one system.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordRef {
    pub system: System,
    pub object: String,
    pub record_id: String,
}

impl RecordRef {
    pub fn new(system: System, object: &str, record_id: &str) -> Self {
        Self {
            system,
            object: object.to_ascii_lowercase(),
            record_id: record_id.to_owned(),
        }
    }

    pub fn key(&self) -> String {
        format!("{}:{}:{}", self.system, self.object, self.record_id)
    }
}

/// What tandem last wrote to a record: the names of the fields and the hash of their values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedgerWrite {
    pub record: RecordRef,
    pub fields_hash: String,
    /// The fields written, sorted.
    pub field_names: Vec<String>,
}

impl LedgerWrite {
    /// The stored form of the field names (field API names never contain a comma).
    pub fn joined_names(&self) -> String {
        self.field_names.join(",")
    }

    pub fn split_names(joined: &str) -> Vec<String> {
        joined
            .split(',')
            .filter(|n| !n.is_empty())
            .map(str::to_owned)
            .collect()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryEntry {
    pub record_key: String,
    pub event_id: String,
    /// What tandem did: `upserted`, `skipped_echo`, `skipped_stale`, `conflict`, `dead_letter`…
    pub action: String,
    /// A short human-readable outcome (target ids, error code).
    pub detail: String,
    pub at_ms: i64,
}

/// Everything one finished event leaves behind.
#[derive(Debug, Clone)]
pub struct Completion {
    pub event_id: String,
    /// Whether the event is done for good; conflicts and dead letters stay replayable.
    pub processed: bool,
    /// The source record and the version applied; `None` when nothing was applied.
    pub applied: Option<(RecordRef, i64)>,
    pub writes: Vec<LedgerWrite>,
    pub links: Vec<Link>,
    pub history: HistoryEntry,
    /// Milliseconds from the event's receipt to now, for the flows' latency percentiles.
    pub latency_ms: Option<i64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeadLetterStatus {
    Open,
    Replayed,
    Discarded,
}

impl DeadLetterStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            DeadLetterStatus::Open => "open",
            DeadLetterStatus::Replayed => "replayed",
            DeadLetterStatus::Discarded => "discarded",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "open" => Some(Self::Open),
            "replayed" => Some(Self::Replayed),
            "discarded" => Some(Self::Discarded),
            _ => None,
        }
    }
}

#[derive(Debug, Clone)]
pub struct NewDeadLetter {
    pub event: ChangeEvent,
    pub reason: String,
    /// The vendor's error code, e.g. `INVALID_CONTENT`.
    pub error_code: Option<String>,
    pub attempts: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoredDeadLetter {
    pub id: i64,
    pub event: ChangeEvent,
    pub reason: String,
    pub error_code: Option<String>,
    pub attempts: u32,
    pub status: DeadLetterStatus,
    pub failed_at_ms: i64,
    /// The event as last replayed with an edited payload; `event` stays as received.
    pub edited_event: Option<ChangeEvent>,
}

/// Which dead letters a listing, a bulk replay or a bulk discard is about; `None` matches all.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeadLetterFilter {
    /// A flow name (`account_to_customer`).
    pub flow: Option<String>,
    /// The vendor's error code.
    pub error_code: Option<String>,
    /// A record id (`001…`, `647`) or a whole record key (`salesforce:account:001…`).
    pub record: Option<String>,
    /// Failed before this time (milliseconds since the epoch).
    pub failed_before_ms: Option<i64>,
    /// Failed at or after this time (milliseconds since the epoch).
    pub failed_after_ms: Option<i64>,
    pub status: Option<DeadLetterStatus>,
}

/// A worker's claim on a record while it applies one of its events: another instance handed
/// the same record (a broker redelivery after a lost connection) waits until it is released
/// or lapses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordClaim {
    pub record_key: String,
    /// The worker's instance, unique per process.
    pub owner: String,
    pub event_id: String,
    /// When the claim lapses unless renewed (milliseconds since the epoch).
    pub until_ms: i64,
}

impl RecordClaim {
    /// Whether this claim wins over the claim `holder` has on the same record at `now_ms`.
    pub fn against(&self, holder: &RecordClaim, now_ms: i64) -> ClaimOutcome {
        if holder.owner == self.owner {
            ClaimOutcome::Claimed { in_doubt: false }
        } else if holder.until_ms < now_ms {
            ClaimOutcome::Claimed {
                in_doubt: holder.event_id == self.event_id,
            }
        } else {
            ClaimOutcome::Held {
                owner: holder.owner.clone(),
                until_ms: holder.until_ms,
            }
        }
    }
}

/// What asking for a claim gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClaimOutcome {
    /// The record is this owner's until the claim's time. `in_doubt`: another owner's claim
    /// on the same event lapsed, so that owner may have written it downstream before it died.
    Claimed { in_doubt: bool },
    /// Another owner holds it until `until_ms`.
    Held { owner: String, until_ms: i64 },
}

/// A lease on one slot of a limit shared by every instance on the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlotLease {
    /// Which limit (`netsuite`).
    pub pool: String,
    /// Unique per lease: a renewal or release after the lease lapsed and was taken over by
    /// someone else changes nothing.
    pub holder: String,
    /// When the slot is free again unless renewed (milliseconds since the epoch).
    pub until_ms: i64,
}

/// One failed attempt at an event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FailedAttempt {
    pub event_id: String,
    /// 1 on the first delivery; a replay starts again at 1.
    pub attempt: u32,
    pub error: String,
    /// The vendor's error code, when it sent one.
    pub error_code: Option<String>,
    pub at_ms: i64,
    /// The flow the event belongs to (`None`: no flow, or recorded before migration 11).
    pub flow: Option<String>,
}

/// A write tandem made, as the ledger keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    pub record: RecordRef,
    pub field_names: Vec<String>,
    /// The event the write applied.
    pub event_id: String,
    pub at_ms: i64,
}

/// How many of a flow's history entries had one outcome in a window.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlowOutcomes {
    pub flow: String,
    /// The history action: `written`, `echo_dropped`…
    pub action: String,
    pub count: u64,
}

/// A flow's sync latency (receipt to written) over a window, by nearest rank.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlowLatency {
    pub flow: String,
    pub p50_ms: u64,
    pub p95_ms: u64,
    /// Written events measured.
    pub events: u64,
}
