//! One record as tandem knows it: its links to the other system, every event tandem received
//! for it and what became of each, the writes those events made, and its last dead letter
//! (shared by the ops API and `tandem records`).

use crate::domain::System;
use crate::store::{
    DeadLetterFilter, DeadLetterStatus, HistoryEntry, LinkKind, LinkSide, Store, StoreError,
};
use chrono::{DateTime, Utc};
use serde::Serialize;

/// History entries shown at most.
const HISTORY_LIMIT: usize = 200;

/// Why a record could not be shown.
#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    #[error("system: one of salesforce, netsuite, not {0:?}")]
    UnknownSystem(String),
    #[error("store: {0}")]
    Store(#[from] StoreError),
}

#[derive(Debug, Clone, Serialize)]
pub struct RecordView {
    pub system: &'static str,
    pub id: String,
    /// The record on the other side, per kind of link.
    pub links: Vec<LinkView>,
    /// Newest first: each event tandem finished for the record and its outcome.
    pub events: Vec<EventView>,
    /// The last write tandem made to each record for one of these events.
    pub writes: Vec<WriteView>,
    /// The newest dead letter of the record, when it has one.
    pub last_error: Option<ErrorView>,
}

#[derive(Debug, Clone, Serialize)]
pub struct LinkView {
    pub kind: LinkKind,
    pub other_system: &'static str,
    pub other_id: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct EventView {
    pub at: DateTime<Utc>,
    pub event_id: String,
    /// `source:object:id`.
    pub record_key: String,
    /// `written`, `echo_dropped`, `skipped_stale`, `ignored`, `deferred`, `dead_letter`, `conflict`.
    pub outcome: String,
    /// Why, or what was written (target ids, the error).
    pub detail: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct WriteView {
    pub system: &'static str,
    pub object: String,
    pub id: String,
    pub fields: Vec<String>,
    pub event_id: String,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ErrorView {
    pub dead_letter: i64,
    /// `open`, or `replayed` / `discarded` once an operator acted on it.
    pub status: DeadLetterStatus,
    pub reason: String,
    pub error_code: Option<String>,
    pub at: DateTime<Utc>,
}

fn time(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).unwrap_or_default()
}

/// What the store knows of `system`'s record `id`.
pub async fn show(store: &dyn Store, system: &str, id: &str) -> Result<RecordView, RecordError> {
    let system =
        System::parse(system).ok_or_else(|| RecordError::UnknownSystem(system.to_owned()))?;
    let (side, other) = match system {
        System::Salesforce => (LinkSide::Salesforce, System::Netsuite),
        System::Netsuite => (LinkSide::Netsuite, System::Salesforce),
    };
    let mut links = Vec::new();
    for kind in [
        LinkKind::AccountCustomer,
        LinkKind::Contact,
        LinkKind::OpportunitySalesOrder,
        LinkKind::ProductItem,
    ] {
        if let Some(other_id) = store.linked(kind, side, id).await? {
            links.push(LinkView {
                kind,
                other_system: other.as_str(),
                other_id,
            });
        }
    }
    let history = store.history_of_id(system, id, HISTORY_LIMIT).await?;
    let event_ids: Vec<String> = history.iter().map(|entry| entry.event_id.clone()).collect();
    let writes = store
        .writes_of_events(&event_ids)
        .await?
        .into_iter()
        .map(|written| WriteView {
            system: written.record.system.as_str(),
            object: written.record.object,
            id: written.record.record_id,
            fields: written.field_names,
            event_id: written.event_id,
            at: time(written.at_ms),
        })
        .collect();
    let filter = DeadLetterFilter {
        record: Some(id.to_owned()),
        ..DeadLetterFilter::default()
    };
    let last_error = store
        .dead_letter_page(&filter, None, 20)
        .await?
        .into_iter()
        .find(|letter| letter.event.source == system)
        .map(|letter| ErrorView {
            dead_letter: letter.id,
            status: letter.status,
            reason: letter.reason,
            error_code: letter.error_code,
            at: time(letter.failed_at_ms),
        });
    Ok(RecordView {
        system: system.as_str(),
        id: id.to_owned(),
        links,
        events: history.into_iter().map(event_view).collect(),
        writes,
        last_error,
    })
}

fn event_view(entry: HistoryEntry) -> EventView {
    EventView {
        at: time(entry.at_ms),
        event_id: entry.event_id,
        record_key: entry.record_key,
        outcome: entry.action,
        detail: entry.detail,
    }
}

/// The text `tandem records` prints.
pub fn render(record: &RecordView) -> String {
    let mut lines = vec![format!("{} {}", record.system, record.id)];
    for link in &record.links {
        let kind = serde_json::to_value(link.kind).unwrap_or_default();
        let kind = kind.as_str().unwrap_or_default().to_owned();
        lines.push(format!(
            "linked ({kind}): {} {}",
            link.other_system, link.other_id
        ));
    }
    if record.links.is_empty() {
        lines.push("not linked".to_owned());
    }
    if let Some(error) = &record.last_error {
        lines.push(format!(
            "last error (dead letter {}, {}): {}",
            error.dead_letter,
            error.status.as_str(),
            error.reason
        ));
    }
    lines.push(format!("events ({}), newest first:", record.events.len()));
    for event in &record.events {
        lines.push(format!(
            "  {}  {:<14} {}  {}",
            event.at.format("%Y-%m-%d %H:%M:%SZ"),
            event.outcome,
            event.event_id,
            event.detail
        ));
    }
    for write in &record.writes {
        lines.push(format!(
            "wrote {} {} {} ({}) for {}",
            write.system,
            write.object,
            write.id,
            write.fields.join(", "),
            write.event_id
        ));
    }
    lines.join("\n")
}
