//! The oracle's verdict on a run: each accepted event classified as lost, applied once or
//! applied twice (by tandem's history and by the downstream's writes stamped with it), the
//! order and final state of each record, and the assertions a scenario makes on them.

use crate::load::Source;
use std::collections::{BTreeMap, HashMap};

#[derive(Debug, Default)]
pub struct Verdict {
    pub accepted: usize,
    /// Accepted events with one final history entry and at most one downstream write.
    pub applied_once: usize,
    pub written: usize,
    pub skipped_stale: usize,
    /// Accepted events with no history entry at all.
    pub lost: Vec<u64>,
    /// Accepted events recorded twice or written downstream twice.
    pub applied_twice: Vec<u64>,
    /// Events with more than one history entry, with their actions in order.
    pub recorded_twice: Vec<(u64, Vec<String>)>,
    /// Events whose origin stamp the downstream received in more than one update, with the
    /// number of updates.
    pub written_twice: Vec<(u64, usize)>,
    /// Events the store says were written, without a downstream update stamped with them.
    pub downstream_missing: Vec<u64>,
    /// Events written downstream once that the history records as skipped (stale, echo): a
    /// worker wrote them and died before recording it; applied once all the same.
    pub written_unrecorded: Vec<u64>,
    /// Entries that are not a final action, for events never accepted, and downstream updates
    /// stamped with no event of the plan.
    pub strange: Vec<String>,
    /// A write of an older version after a newer one, or a "stale" skip of a newer one.
    pub out_of_order: Vec<String>,
    /// Records not holding the value of their newest accepted event.
    pub wrong_final_state: Vec<String>,
    /// Successful updates of the scenario's records the sandbox served.
    pub downstream_updates: usize,
    /// Requests that left a sandbox's log before they were counted (the downstream counts
    /// mean nothing unless this is 0).
    pub downstream_unread: u64,
    /// What the broker still held when the wait for it to drain ran out.
    pub undrained: Option<String>,
    /// Accepted and applied exactly once, by source.
    pub by_source: BTreeMap<Source, (usize, usize)>,
    /// When the store recorded each accepted event's first final entry (ms since the epoch).
    pub settled_ms: HashMap<u64, i64>,
}

impl Verdict {
    /// The figures, on one line.
    pub fn print(&self, scenario: &str) {
        eprintln!(
            "[{scenario}] accepted {} | applied exactly once {} (written {}, skipped as stale {}) | \
             lost {} | applied twice {} (recorded twice {}, written downstream twice {}) | \
             strange {} | out of order {} | wrong final state {} | downstream updates {} \
             (missing {}, written by a worker that died before recording them {}, unread {}) | \
             by source (accepted, applied once): {:?}",
            self.accepted,
            self.applied_once,
            self.written,
            self.skipped_stale,
            self.lost.len(),
            self.applied_twice.len(),
            self.recorded_twice.len(),
            self.written_twice.len(),
            self.strange.len(),
            self.out_of_order.len(),
            self.wrong_final_state.len(),
            self.downstream_updates,
            self.downstream_missing.len(),
            self.written_unrecorded.len(),
            self.downstream_unread,
            self.by_source,
        );
    }

    /// Exactly once: nothing lost, nothing processed twice, nothing written downstream twice,
    /// order and final state kept; details on failure.
    pub fn assert_exactly_once_in_order(&self) {
        self.assert_nothing_lost_in_order();
        assert!(
            self.recorded_twice.is_empty(),
            "processed twice: {:?}",
            self.recorded_twice
        );
        assert!(
            self.written_twice.is_empty(),
            "written downstream more than once (event, updates): {:?}",
            self.written_twice
        );
        assert_eq!(self.applied_once, self.accepted);
    }

    /// Nothing lost; no event written after a newer one of its record, or skipped as stale
    /// when it was not; every record ends at its newest event. An event may have been processed
    /// again (a repeat of the same version).
    pub fn assert_nothing_lost_in_order(&self) {
        if let Some(held) = &self.undrained {
            panic!("{held}");
        }
        assert_eq!(
            self.downstream_unread, 0,
            "requests left the sandbox's log unread: the downstream counts are incomplete"
        );
        assert!(
            self.lost.is_empty(),
            "accepted but never applied: {:?}",
            self.lost
        );
        assert!(self.strange.is_empty(), "{:?}", self.strange);
        assert!(self.out_of_order.is_empty(), "{:?}", self.out_of_order);
        assert!(
            self.wrong_final_state.is_empty(),
            "{:?}",
            self.wrong_final_state
        );
        assert!(
            self.downstream_missing.is_empty(),
            "written per the store but never received downstream: {:?}",
            self.downstream_missing
        );
    }
}
