//! Quantities coalesced: every quantity change for an item inside `sync.coalesce_window` (an
//! `inventorylevel` event, or an item event carrying `quantityavailable`) folds into one value,
//! the newest version winning, and a window's items are written in sObject Collections of up to
//! 200, so a burst costs a handful of calls. An item event's catalog fields still go through the
//! item flow first. Built from the worker's own steps (settle, record), not a second worker.

use super::context::SyncContext;
use super::flows::inventory_to_product::{Product, products};
use super::flows::{flow_of, route};
use super::ledger;
use super::outcome::{Applied, SyncError};
use super::settle::Settler;
use super::worker::{TakeOver, observe};
use crate::connectors::calls::counted;
use crate::domain::System;
use crate::domain::mapping::{Flow, Scope};
use crate::queue::Lease;
use crate::store::{Link, RecordRef};
use async_trait::async_trait;
use serde_json::{Map, Value, json};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

/// The ledger keeps quantity writes apart from the product's catalogue fields.
const LEDGER_OBJECT: &str = "Product2.inventory";

pub struct InventoryCoalescer {
    ctx: SyncContext,
    settler: Settler,
    pending: Mutex<HashMap<String, Vec<Lease>>>,
}

/// One item's quantity, ready to write.
struct Quantity {
    item: String,
    lease: Lease,
    fields: Map<String, Value>,
    /// What the item flow wrote for the same event (its catalog fields), recorded with it.
    catalog: Option<Applied>,
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

    /// Writes everything pending.
    pub async fn flush(&self) {
        let pending = self.take_pending();
        if pending.is_empty() {
            return;
        }
        let ((), calls) = counted(self.write(pending)).await;
        super::worker::count_requests(Flow::InventoryToProduct, calls);
    }

    async fn write(&self, pending: HashMap<String, Vec<Lease>>) {
        let mut ready = Vec::new();
        for (item, leases) in pending {
            if let Some(quantity) = self.fold(item, leases).await {
                ready.push(quantity);
            }
        }
        let Some(first) = ready.first() else { return };
        let items: Vec<String> = ready.iter().map(|q| q.item.clone()).collect();
        let cause = first.lease.event.clone();
        let found = match products(&self.ctx, &cause, &items).await {
            Ok(found) => found,
            Err(error) => {
                for quantity in ready {
                    self.settle(&quantity.lease, Err(error.clone())).await;
                }
                return;
            }
        };
        let mut batch = Vec::new();
        for quantity in ready {
            match found.get(&quantity.item).cloned() {
                Some(Product::Found { id, links }) => batch.push((quantity, id, links)),
                Some(Product::Ambiguous(conflict)) => {
                    self.settle(&quantity.lease, Ok(conflict)).await;
                }
                Some(Product::Failed(error)) => self.settle(&quantity.lease, Err(error)).await,
                None => {
                    let error =
                        SyncError::Invalid(format!("no product for item {}", quantity.item));
                    self.settle(&quantity.lease, Err(error)).await;
                }
            }
        }
        self.write_batch(batch).await;
    }

    /// The newest quantity of one item; the item's newest catalog change goes through the item
    /// flow first; everything older is superseded.
    async fn fold(&self, item: String, mut leases: Vec<Lease>) -> Option<Quantity> {
        leases.sort_by_key(|lease| (lease.event.version, lease.event.received_at));
        let latest = leases.pop()?;
        let catalog = match leases.iter().rposition(|l| !l.event.is_inventory_level()) {
            Some(at) if latest.event.is_inventory_level() => Some(leases.remove(at)),
            _ => None,
        };
        for superseded in leases {
            let detail = format!("superseded by {}", latest.event.id);
            self.settle(&superseded, Ok(Applied::Ignored { detail }))
                .await;
        }
        if let Some(catalog) = catalog {
            let applied = route(&self.ctx, &catalog.event, false).await;
            self.settle(&catalog, applied).await;
        }
        let mut catalog = None;
        if !latest.event.is_inventory_level() {
            // The item's own catalog fields first, then its quantity with the others.
            match route(&self.ctx, &latest.event, false).await {
                Ok(applied) => catalog = Some(applied),
                Err(error) => {
                    self.settle(&latest, Err(error)).await;
                    return None;
                }
            }
        }
        match self.prepare(&item, &latest).await {
            Ok(Some(fields)) => Some(Quantity {
                item,
                lease: latest,
                fields,
                catalog,
            }),
            Ok(None) => {
                let detail = format!("product of item {item} already holds this quantity");
                self.settle(&latest, Ok(Applied::Echo { detail })).await;
                None
            }
            Err(error) => {
                self.settle(&latest, Err(error)).await;
                None
            }
        }
    }

    /// One collections update by product id per 200 items: it never creates a record.
    async fn write_batch(&self, batch: Vec<(Quantity, String, Vec<Link>)>) {
        if batch.is_empty() {
            return;
        }
        let names = self.ctx.mapping.record_fields();
        let records = batch
            .iter()
            .map(|(quantity, product, links)| {
                let mut record = quantity.fields.clone();
                record.insert("Id".into(), json!(product));
                if !links.is_empty() {
                    record.insert(names.product_item_id.clone(), json!(quantity.item));
                }
                record.insert(
                    names.salesforce_origin.clone(),
                    json!(quantity.lease.event.id),
                );
                record
            })
            .collect();
        tracing::info!(items = batch.len(), "writing coalesced inventory levels");
        let results = self
            .ctx
            .salesforce
            .update_collection("Product2", records)
            .await;
        match results {
            Ok(results) => {
                for ((quantity, product, links), result) in batch.into_iter().zip(results) {
                    let outcome = match result.error() {
                        None => {
                            let mut writes =
                                vec![ledger::entry(ledger_ref(&quantity.item), &quantity.fields)];
                            let mut links = links;
                            if let Some(Applied::Written {
                                writes: catalog_writes,
                                links: catalog_links,
                                ..
                            }) = quantity.catalog
                            {
                                writes.extend(catalog_writes);
                                links.extend(catalog_links);
                            }
                            Ok(Applied::Written {
                                writes,
                                links,
                                detail: format!("salesforce product {product} (coalesced)"),
                            })
                        }
                        Some(error) => Err(SyncError::Connector(error)),
                    };
                    self.settle(&quantity.lease, outcome).await;
                }
            }
            Err(error) => {
                for (quantity, _, _) in batch {
                    self.settle(&quantity.lease, Err(SyncError::Connector(error.clone())))
                        .await;
                }
            }
        }
    }

    /// The fields to write, or `None` when the product already holds them (or the event is done).
    async fn prepare(
        &self,
        item: &str,
        lease: &Lease,
    ) -> Result<Option<Map<String, Value>>, SyncError> {
        let event = &lease.event;
        let store = &self.ctx.store;
        if store.was_processed(&event.id).await? {
            return Ok(None);
        }
        let source = RecordRef::new(event.source, &event.object, &event.record_id);
        if let (Some(version), Some(applied)) =
            (event.version, store.applied_version(&source).await?)
            && version.timestamp_millis() < applied
        {
            return Ok(None);
        }
        let fields = quantity_fields(&self.ctx, &event.fields)?;
        if fields.is_empty() {
            return Err(SyncError::Invalid(format!(
                "inventory event for item {item} carries no quantity"
            )));
        }
        if ledger::unchanged(&self.ctx, &ledger_ref(item), &fields).await? {
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

fn ledger_ref(item: &str) -> RecordRef {
    RecordRef::new(System::Salesforce, LEDGER_OBJECT, item)
}

/// The quantity fields an event carries, mapped.
fn quantity_fields(
    ctx: &SyncContext,
    fields: &Map<String, Value>,
) -> Result<Map<String, Value>, SyncError> {
    Ok(ctx
        .mapping
        .flow(Flow::InventoryToProduct)
        .map(fields, Scope::OwnedBy(System::Netsuite))?)
}

#[async_trait]
impl TakeOver for InventoryCoalescer {
    async fn take(&self, lease: Lease) -> Result<(), Lease> {
        let event = &lease.event;
        let quantity = event.is_inventory_level()
            || (flow_of(event) == Some(Flow::ItemToProduct)
                && !event.is_delete()
                && quantity_fields(&self.ctx, &event.fields).is_ok_and(|f| !f.is_empty()));
        if !quantity {
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
