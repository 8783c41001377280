//! Inventory level → Product2, coalesced: every quantity change for an item inside
//! `sync.coalesce_window` folds into one value (the newest version wins), and a window's items
//! are written in sObject Collections of up to 200, so a burst costs a handful of calls.

use super::super::context::SyncContext;
use super::super::ledger;
use super::super::outcome::{Applied, SyncError};
use super::super::settle::Settler;
use super::super::worker::{TakeOver, observe};
use super::SALESFORCE_ORIGIN;
use crate::domain::SourceSystem;
use crate::domain::mapping::{Flow, Scope};
use crate::queue::Lease;
use crate::store::RecordRef;
use async_trait::async_trait;
use serde_json::{Map, json};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

/// The ledger keeps inventory writes apart from the product's catalogue fields.
const LEDGER_OBJECT: &str = "Product2.inventory";

pub struct InventoryCoalescer {
    ctx: SyncContext,
    settler: Settler,
    pending: Mutex<HashMap<String, Vec<Lease>>>,
}

impl InventoryCoalescer {
    /// Starts the flush loop; it flushes every `window` and once more when `stop` fires.
    pub fn start(
        ctx: SyncContext,
        settler: Settler,
        window: Duration,
        stop: CancellationToken,
        tracker: &TaskTracker,
    ) -> Arc<Self> {
        let coalescer = Arc::new(Self {
            ctx,
            settler,
            pending: Mutex::new(HashMap::new()),
        });
        let flusher = coalescer.clone();
        tracker.spawn(async move {
            loop {
                let stopping = tokio::select! {
                    _ = stop.cancelled() => true,
                    _ = tokio::time::sleep(window) => false,
                };
                flusher.flush().await;
                if stopping {
                    break;
                }
            }
        });
        coalescer
    }

    fn take_pending(&self) -> HashMap<String, Vec<Lease>> {
        std::mem::take(&mut *self.pending.lock().unwrap_or_else(|p| p.into_inner()))
    }

    /// Writes everything pending: one collection upsert per 200 items.
    pub async fn flush(&self) {
        let pending = self.take_pending();
        if pending.is_empty() {
            return;
        }
        let mut batch = Vec::new();
        for (item_id, mut leases) in pending {
            leases.sort_by_key(|lease| (lease.event.version, lease.event.received_at));
            let Some(latest) = leases.pop() else { continue };
            for superseded in leases {
                self.settle(
                    &superseded,
                    Ok(Applied::Ignored {
                        detail: format!("superseded by {}", latest.event.id),
                    }),
                )
                .await;
            }
            match self.prepare(&item_id, &latest).await {
                Ok(Some(fields)) => batch.push((item_id, latest, fields)),
                Ok(None) => {
                    let detail = format!("product of item {item_id} already holds this quantity");
                    self.settle(&latest, Ok(Applied::Echo { detail })).await;
                }
                Err(error) => self.settle(&latest, Err(error)).await,
            }
        }
        if batch.is_empty() {
            return;
        }
        let records = batch
            .iter()
            .map(|(item_id, lease, fields)| {
                let mut record = fields.clone();
                record.insert("NetSuite_Item_Id__c".into(), json!(item_id));
                record.insert(SALESFORCE_ORIGIN.into(), json!(lease.event.id));
                record
            })
            .collect();
        tracing::info!(items = batch.len(), "writing coalesced inventory levels");
        match self
            .ctx
            .salesforce
            .upsert_collection("Product2", "NetSuite_Item_Id__c", records)
            .await
        {
            Ok(results) => {
                for ((item_id, lease, fields), result) in batch.into_iter().zip(results) {
                    let outcome = match result.error() {
                        None => Ok(Applied::Written {
                            writes: vec![ledger::entry(Self::ledger_ref(&item_id), &fields)],
                            links: vec![],
                            detail: format!("salesforce product of item {item_id} (coalesced)"),
                        }),
                        Some(error) => Err(SyncError::Connector(error)),
                    };
                    self.settle(&lease, outcome).await;
                }
            }
            Err(error) => {
                for (_, lease, _) in batch {
                    self.settle(&lease, Err(SyncError::Connector(error.clone())))
                        .await;
                }
            }
        }
    }

    fn ledger_ref(item_id: &str) -> RecordRef {
        RecordRef::new(SourceSystem::Salesforce, LEDGER_OBJECT, item_id)
    }

    /// The fields to write, or `None` when the product already holds them (or the event is done).
    async fn prepare(
        &self,
        item_id: &str,
        lease: &Lease,
    ) -> Result<Option<Map<String, serde_json::Value>>, SyncError> {
        let event = &lease.event;
        if self.ctx.store.was_processed(&event.id).await? {
            return Ok(None);
        }
        let source = RecordRef::new(event.source, &event.object, &event.record_id);
        if let (Some(version), Some(applied)) = (
            event.version,
            self.ctx.store.applied_version(&source).await?,
        ) && version.timestamp_millis() < applied
        {
            return Ok(None);
        }
        let fields = self
            .ctx
            .mapping
            .flow(Flow::InventoryToProduct)
            .map(&event.fields, Scope::OwnedBy(SourceSystem::Netsuite))?;
        if fields.is_empty() {
            return Err(SyncError::Invalid(format!(
                "inventory event for item {item_id} carries no quantity"
            )));
        }
        if ledger::unchanged(&self.ctx, &Self::ledger_ref(item_id), &fields).await? {
            return Ok(None);
        }
        Ok(Some(fields))
    }

    async fn settle(&self, lease: &Lease, outcome: Result<Applied, SyncError>) {
        let label = match outcome {
            Ok(applied) => match self.settler.record(&lease.event, applied).await {
                Ok(label) => {
                    self.settler.ack(lease).await;
                    label
                }
                Err(error) => self.settler.fail(lease, error).await,
            },
            Err(error) => self.settler.fail(lease, error).await,
        };
        observe(&lease.event, label);
    }
}

#[async_trait]
impl TakeOver for InventoryCoalescer {
    async fn take(&self, lease: Lease) -> Result<(), Lease> {
        if !lease.event.is_inventory_level() {
            return Err(lease);
        }
        let item = lease.event.record_id.clone();
        self.pending
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .entry(item)
            .or_default()
            .push(lease);
        Ok(())
    }
}
