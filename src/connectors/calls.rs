//! Counting the requests one unit of work (an applied event, a coalesced batch) makes to each
//! system: the worker runs the work inside [`counted`], and every request the clients send is
//! noted against it.

use super::error::System;
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

tokio::task_local! {
    static CURRENT: Arc<Tally>;
}

#[derive(Debug, Default)]
struct Tally {
    salesforce: AtomicU64,
    netsuite: AtomicU64,
}

/// Requests made to each system.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Calls {
    pub salesforce: u64,
    pub netsuite: u64,
}

impl Calls {
    pub fn of(&self, system: System) -> u64 {
        match system {
            System::Salesforce => self.salesforce,
            System::Netsuite => self.netsuite,
        }
    }
}

/// Runs `work`, counting the requests it sends to each system.
pub async fn counted<F: Future>(work: F) -> (F::Output, Calls) {
    let tally = Arc::new(Tally::default());
    let output = CURRENT.scope(tally.clone(), work).await;
    let calls = Calls {
        salesforce: tally.salesforce.load(Ordering::Relaxed),
        netsuite: tally.netsuite.load(Ordering::Relaxed),
    };
    (output, calls)
}

/// Notes one request sent to `system` (nothing outside [`counted`]).
pub fn note(system: System) {
    let _ = CURRENT.try_with(|tally| {
        let counter = match system {
            System::Salesforce => &tally.salesforce,
            System::Netsuite => &tally.netsuite,
        };
        counter.fetch_add(1, Ordering::Relaxed);
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn requests_are_counted_inside_the_work_and_not_outside() {
        note(System::Salesforce);
        let ((), calls) = counted(async {
            note(System::Salesforce);
            note(System::Netsuite);
            note(System::Netsuite);
        })
        .await;
        assert_eq!(
            calls,
            Calls {
                salesforce: 1,
                netsuite: 2
            }
        );
    }
}
