//! What the downstream received: both emulators' request logs read as they fill, in the
//! background (each keeps only its newest 10,000 requests, fewer than a long run makes), so
//! that every successful update of a record is counted once, by record and by the event whose
//! origin stamp it carried, and a request that left a log unread is noticed rather than missed.

use serde_json::Value;
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::task::JoinHandle;

/// How often the logs are read: far faster than a run can push 10,000 requests through.
const EVERY: Duration = Duration::from_millis(250);
/// Requests per page.
const PAGE: usize = 5_000;

/// One emulator's log as read so far.
#[derive(Debug, Default, Clone)]
pub struct Log {
    /// The last request number read.
    after: u64,
    /// Requests that left the log before they were read (a gap in the numbers).
    pub unread: u64,
    /// Successful `PATCH`es of a record, by record id.
    pub updates: HashMap<String, usize>,
    /// The same, by the event id in their origin stamp (`None`: unstamped).
    pub updates_by_event: HashMap<Option<String>, usize>,
    /// Every API answer, by status.
    pub statuses: BTreeMap<u16, u64>,
}

impl Log {
    /// Counts one page; `updated` names the record a successful request updated, if any.
    fn add(&mut self, page: &[Value], updated: fn(&str, &str) -> Option<String>) {
        for request in page {
            let seq = request["seq"].as_u64().unwrap_or_default();
            if seq > self.after + 1 {
                self.unread += seq - self.after - 1;
            }
            self.after = self.after.max(seq);
            let status = request["status"].as_u64().unwrap_or_default() as u16;
            *self.statuses.entry(status).or_default() += 1;
            let method = request["method"].as_str().unwrap_or_default();
            let path = request["path"].as_str().unwrap_or_default();
            let path = path.split('?').next().unwrap_or_default();
            if (200..300).contains(&status)
                && let Some(id) = updated(method, path)
            {
                *self.updates.entry(id).or_default() += 1;
                let origin = request["origin"].as_str().map(str::to_owned);
                *self.updates_by_event.entry(origin).or_default() += 1;
            }
        }
    }

    /// Answers with this status.
    pub fn answered(&self, status: u16) -> u64 {
        self.statuses.get(&status).copied().unwrap_or_default()
    }
}

/// `PATCH …/sobjects/Account/{id}`: an update of one account.
fn account_update(method: &str, path: &str) -> Option<String> {
    let (_, id) = path.rsplit_once("/sobjects/Account/")?;
    (method == "PATCH" && !id.contains('/')).then(|| id.to_owned())
}

/// `PATCH …/record/v1/customer/{id}`: an update of one customer.
fn customer_update(method: &str, path: &str) -> Option<String> {
    let (_, id) = path.rsplit_once("/record/v1/customer/")?;
    (method == "PATCH" && !id.contains('/')).then(|| id.to_owned())
}

#[derive(Debug, Default, Clone)]
pub struct Seen {
    pub salesforce: Log,
    pub netsuite: Log,
}

/// Reads both logs every `EVERY` until dropped.
pub struct Downstream {
    seen: Arc<Mutex<Seen>>,
    reader: Reader,
    task: JoinHandle<()>,
}

#[derive(Clone)]
struct Reader {
    http: reqwest::Client,
    salesforce_url: String,
    netsuite_url: String,
}

impl Reader {
    async fn page(&self, base: &str, after: u64) -> Option<Vec<Value>> {
        let url = format!("{base}/_sandbox/requests?after={after}&limit={PAGE}");
        let response = self.http.get(url).send().await.ok()?;
        response.json().await.ok()
    }

    /// Reads each log to its end.
    async fn catch_up(&self, seen: &Mutex<Seen>) {
        let lock = || seen.lock().unwrap_or_else(|p| p.into_inner());
        loop {
            let after = lock().salesforce.after;
            let Some(page) = self.page(&self.salesforce_url, after).await else {
                break;
            };
            lock().salesforce.add(&page, account_update);
            if page.len() < PAGE {
                break;
            }
        }
        loop {
            let after = lock().netsuite.after;
            let Some(page) = self.page(&self.netsuite_url, after).await else {
                break;
            };
            lock().netsuite.add(&page, customer_update);
            if page.len() < PAGE {
                break;
            }
        }
    }
}

impl Downstream {
    pub fn start(http: reqwest::Client, salesforce_url: &str, netsuite_url: &str) -> Downstream {
        let seen = Arc::new(Mutex::new(Seen::default()));
        let reader = Reader {
            http,
            salesforce_url: salesforce_url.to_owned(),
            netsuite_url: netsuite_url.to_owned(),
        };
        let (background, into) = (reader.clone(), seen.clone());
        let task = tokio::spawn(async move {
            loop {
                background.catch_up(&into).await;
                tokio::time::sleep(EVERY).await;
            }
        });
        Downstream { seen, reader, task }
    }

    /// Everything served until now.
    pub async fn seen(&self) -> Seen {
        self.reader.catch_up(&self.seen).await;
        self.seen.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }
}

impl Drop for Downstream {
    fn drop(&mut self) {
        self.task.abort();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_gap_in_the_numbers_counts_as_unread_and_only_successful_updates_count() {
        let mut log = Log::default();
        let page = [
            json!({ "seq": 1, "method": "PATCH", "path": "/services/data/v62.0/sobjects/Account/001A", "status": 204, "origin": "netsuite:w#0" }),
            json!({ "seq": 4, "method": "PATCH", "path": "/services/data/v62.0/sobjects/Account/001A", "status": 503 }),
            json!({ "seq": 5, "method": "GET", "path": "/services/data/v62.0/sobjects/Account/001A?fields=Id", "status": 200 }),
            json!({ "seq": 6, "method": "PATCH", "path": "/services/data/v62.0/sobjects/Account/NetSuite_Id__c/9001", "status": 200 }),
        ];
        log.add(&page, account_update);
        assert_eq!(log.unread, 2);
        assert_eq!(log.updates.get("001A"), Some(&1));
        assert_eq!(log.updates.len(), 1);
        assert_eq!(
            log.updates_by_event.get(&Some("netsuite:w#0".into())),
            Some(&1)
        );
        assert_eq!(log.answered(503), 1);
    }
}
