//! What became of one event: the outcome a worker counts in metrics and records in the record's
//! history. One enum, so a label or an action is never a misspelt string.

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Outcome {
    /// The other system was written.
    Written,
    /// tandem's own write came back, or the other side already holds the values.
    Echo,
    /// Nothing to do for this event.
    Ignored,
    /// Folded into a batch that another event writes.
    Deferred,
    /// Ambiguous: parked for review.
    Conflict,
    /// Older than the version already applied.
    Stale,
    /// Applied before (a redelivery).
    Duplicate,
    /// Failed for now; comes back later.
    Retry,
    /// Given up on; kept for ops to fix and replay.
    DeadLetter,
}

impl Outcome {
    /// The `outcome` label of `tandem_events_processed_total`.
    pub fn label(self) -> &'static str {
        match self {
            Outcome::Written => "written",
            Outcome::Echo => "echo",
            Outcome::Ignored => "ignored",
            Outcome::Deferred => "deferred",
            Outcome::Conflict => "conflict",
            Outcome::Stale => "stale",
            Outcome::Duplicate => "duplicate",
            Outcome::Retry => "retry",
            Outcome::DeadLetter => "dead_letter",
        }
    }

    /// The action a record's history shows (the ops API and the demo read these).
    pub fn action(self) -> &'static str {
        match self {
            Outcome::Echo => "echo_dropped",
            Outcome::Stale => "skipped_stale",
            other => other.label(),
        }
    }

    /// Whether the event is done with: conflicts and dead letters stay replayable.
    pub fn is_final(self) -> bool {
        !matches!(self, Outcome::Conflict | Outcome::DeadLetter)
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}
