//! Domain types shared by ingress, queue and workers: the change event and its identifiers. No I/O.

mod event;

pub use event::{ChangeEvent, ChangeKind, Envelope, SourceSystem};
