//! The demo's script: what a sales rep, a billing clerk and a warehouse do, played against the
//! sandbox, each step waited for until tandem has carried it to the other system.

use crate::ingress::standard_webhooks::SigningKey;
use crate::queue::Queue;
use crate::sandbox::{Sandbox, SandboxCredentials};
use anyhow::{Context, anyhow};
use serde_json::{Value, json};
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

/// Inventory updates in the burst, spread over the five seeded items.
const BURST: usize = 200;
const ITEMS: [&str; 5] = ["201", "202", "203", "204", "205"];

pub struct Demo {
    http: reqwest::Client,
    pub salesforce_url: String,
    pub netsuite_url: String,
    tandem_url: String,
    queue: Arc<dyn Queue>,
    webhook_key: SigningKey,
}

/// What the script did, for the report.
pub struct Played {
    pub opportunity_id: String,
    pub order_id: String,
    pub burst_events: usize,
    pub burst_salesforce_calls: u64,
}

impl Demo {
    pub fn new(
        sandbox: &Sandbox,
        tandem_url: &str,
        queue: Arc<dyn Queue>,
        credentials: &SandboxCredentials,
    ) -> Self {
        Self {
            http: reqwest::Client::new(),
            salesforce_url: sandbox.salesforce_url.clone(),
            netsuite_url: sandbox.netsuite_url.clone(),
            tandem_url: tandem_url.to_owned(),
            queue,
            webhook_key: SigningKey::parse(&credentials.netsuite_webhook_secret)
                .expect("the sandbox secret is valid"),
        }
    }

    pub async fn play(&self) -> anyhow::Result<Played> {
        // 1. A sales rep moves the deal to Closed Won (Salesforce sends an Outbound Message).
        let opportunity = self
            .find_salesforce("Opportunity", "Name", "Acme — 50 widgets")
            .await?;
        let opportunity_id = text(&opportunity, "Id");
        self.send(
            self.http
                .patch(format!(
                    "{}/_sandbox/records/Opportunity/{opportunity_id}",
                    self.salesforce_url
                ))
                .json(&json!({ "StageName": "Closed Won" })),
        )
        .await?;
        let order = self
            .wait("the sales order in NetSuite", || async {
                let orders = self.records(&self.netsuite_url, "salesOrder").await.ok()?;
                orders
                    .into_iter()
                    .find(|o| o["externalId"] == opportunity_id.as_str())
            })
            .await?;
        let order_id = text(&order, "id");
        self.wait("the order number on the opportunity", || async {
            let o = self
                .record(&self.salesforce_url, "Opportunity", &opportunity_id)
                .await
                .ok()?;
            (o["NetSuite_Sales_Order_Id__c"] == order_id.as_str()).then_some(())
        })
        .await?;

        // 2. Billing invoices the order in NetSuite (the SuiteScript posts a signed event).
        let due = (chrono::Utc::now() + chrono::Duration::days(30))
            .format("%Y-%m-%d")
            .to_string();
        let invoice = json!({
            "entity": order["entity"], "createdFrom": { "id": order_id }, "dueDate": due,
            "item": { "items": [ { "item": { "id": "201" }, "quantity": 50, "rate": 20.0 },
                                 { "item": { "id": "205" }, "quantity": 5, "rate": 120.0 } ] },
        });
        self.send(
            self.http
                .post(format!("{}/_sandbox/records/invoice", self.netsuite_url))
                .json(&invoice),
        )
        .await?;
        self.wait("the invoice on the opportunity", || async {
            let o = self
                .record(&self.salesforce_url, "Opportunity", &opportunity_id)
                .await
                .ok()?;
            o["Invoice_Number__c"]
                .as_str()
                .filter(|n| !n.is_empty())
                .map(|_| ())
        })
        .await?;

        // 3. The warehouse moves stock: a burst of quantity changes, coalesced by tandem.
        let before = self.salesforce_calls().await?;
        let last = self.inventory_burst().await?;
        self.wait("the last quantities on the products", || async {
            let products = self.records(&self.salesforce_url, "Product2").await.ok()?;
            last.iter()
                .all(|(item, quantity)| {
                    products.iter().any(|p| {
                        p["NetSuite_Item_Id__c"] == item.as_str()
                            && p["Quantity_Available__c"].as_f64() == Some(*quantity as f64)
                    })
                })
                .then_some(())
        })
        .await?;
        let burst_salesforce_calls = self.salesforce_calls().await? - before;
        self.wait("the queue to drain", || async {
            (self.queue.depth().await.ok()?.total == 0).then_some(())
        })
        .await?;
        Ok(Played {
            opportunity_id,
            order_id,
            burst_events: BURST,
            burst_salesforce_calls,
        })
    }

    /// Posts the burst as the SuiteScript would, 50 signed events a request; returns the last
    /// quantity per item.
    async fn inventory_burst(&self) -> anyhow::Result<Vec<(String, u32)>> {
        let start = chrono::Utc::now();
        let mut last = std::collections::BTreeMap::new();
        let events: Vec<Value> = (0..BURST)
            .map(|n| {
                let item = ITEMS[n % ITEMS.len()];
                let quantity = 500 - n as u32;
                last.insert(item.to_owned(), quantity);
                let version = start + chrono::Duration::milliseconds(n as i64);
                json!({ "object": "inventorylevel", "record_id": item, "change": "updated",
                        "version": version.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
                        "modified_by": "-4", "execution_context": "scheduled",
                        "fields": { "quantityavailable": quantity } })
            })
            .collect();
        for (batch, chunk) in events.chunks(50).enumerate() {
            let body = json!({ "events": chunk }).to_string();
            let id = format!("demo_inventory_{}_{batch}", start.timestamp_millis());
            let timestamp = chrono::Utc::now().timestamp();
            let response = self
                .http
                .post(format!("{}/webhooks/netsuite/events", self.tandem_url))
                .header("content-type", "application/json")
                .header("webhook-id", &id)
                .header("webhook-timestamp", timestamp.to_string())
                .header(
                    "webhook-signature",
                    self.webhook_key.sign(&id, timestamp, body.as_bytes()),
                )
                .body(body)
                .send()
                .await?;
            anyhow::ensure!(
                response.status().is_success(),
                "tandem refused the inventory burst: {}",
                response.status()
            );
        }
        Ok(last.into_iter().collect())
    }

    async fn salesforce_calls(&self) -> anyhow::Result<u64> {
        let counters: Value = self
            .http
            .get(format!("{}/_sandbox/counters", self.salesforce_url))
            .send()
            .await?
            .json()
            .await?;
        let operations = counters["operations"]
            .as_object()
            .cloned()
            .unwrap_or_default();
        Ok(operations
            .iter()
            .filter(|(name, _)| name.as_str() != "token")
            .filter_map(|(_, n)| n.as_u64())
            .sum())
    }

    pub async fn records(&self, base: &str, object: &str) -> anyhow::Result<Vec<Value>> {
        let value: Value = self
            .http
            .get(format!("{base}/_sandbox/records/{object}"))
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        Ok(value.as_array().cloned().unwrap_or_default())
    }

    async fn record(&self, base: &str, object: &str, id: &str) -> anyhow::Result<Value> {
        Ok(self
            .http
            .get(format!("{base}/_sandbox/records/{object}/{id}"))
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?)
    }

    async fn find_salesforce(
        &self,
        object: &str,
        field: &str,
        value: &str,
    ) -> anyhow::Result<Value> {
        self.records(&self.salesforce_url, object)
            .await?
            .into_iter()
            .find(|record| record[field] == value)
            .ok_or_else(|| anyhow!("the sandbox has no {object} with {field} = {value}"))
    }

    async fn send(&self, request: reqwest::RequestBuilder) -> anyhow::Result<()> {
        let response = request.send().await?;
        let status = response.status();
        anyhow::ensure!(
            status.is_success(),
            "the sandbox answered {status}: {}",
            response.text().await.unwrap_or_default()
        );
        Ok(())
    }

    /// Polls until `check` gives a value, for up to 60 seconds.
    async fn wait<T, F, Fut>(&self, what: &str, mut check: F) -> anyhow::Result<T>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Option<T>>,
    {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
        loop {
            if let Some(value) = check().await {
                return Ok(value);
            }
            if tokio::time::Instant::now() > deadline {
                return Err(anyhow!("timed out waiting for {what}"))
                    .context("the demo could not finish");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

pub fn text(record: &Value, field: &str) -> String {
    match &record[field] {
        Value::String(text) => text.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}
