//! Domain types shared by ingress, queue and workers: the change event and its identifiers. No I/O.

mod event;
pub mod mapping;
pub mod matching;

pub use event::{ChangeEvent, ChangeKind, Envelope, INVENTORY_LEVEL, System};
