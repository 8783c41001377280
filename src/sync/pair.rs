//! The record-pair step every flow calls: with the target record found (or not), map the owned
//! groups, skip a write that changes nothing, write with the origin stamp (create or update),
//! write back the link when it is new, and return what the ledger records.

use super::context::SyncContext;
use super::fields::text;
use super::ledger::{self, unchanged};
use super::outcome::{Applied, SyncError};
use super::stamps::{netsuite_origin, netsuite_stamped, salesforce_stamped};
use crate::config::DeletePolicy;
use crate::connectors::netsuite::RecordId;
use crate::connectors::salesforce::Select;
use crate::domain::mapping::{Flow, Scope};
use crate::domain::{ChangeEvent, ChangeKind, System};
use crate::store::{Link, LinkKind, LinkSide, RecordRef};
use serde_json::{Map, Value, json};

/// The record a flow writes, in the other system.
#[derive(Debug, Clone)]
pub enum Target {
    /// A NetSuite record type; created by `PUT …/eid:{source id}`.
    Netsuite { record_type: &'static str },
    /// A Salesforce object; created by upserting on `external_id` = the source's NetSuite id.
    Salesforce {
        object: &'static str,
        external_id: String,
    },
}

impl Target {
    fn system(&self) -> System {
        match self {
            Target::Netsuite { .. } => System::Netsuite,
            Target::Salesforce { .. } => System::Salesforce,
        }
    }

    fn name(&self) -> &'static str {
        match self {
            Target::Netsuite { record_type } => record_type,
            Target::Salesforce { object, .. } => object,
        }
    }

    /// The ledger's key for the target record.
    pub fn record(&self, id: &str) -> RecordRef {
        RecordRef::new(self.system(), self.name(), id)
    }
}

/// Where the link goes back onto the source record.
#[derive(Debug, Clone)]
pub enum WriteBack {
    /// A Salesforce source: `field` = the NetSuite id.
    Salesforce { object: &'static str, field: String },
    /// A NetSuite source: each of `fields` = the Salesforce id; skipped when the source already
    /// holds it in the first.
    Netsuite {
        record_type: &'static str,
        fields: Vec<String>,
    },
}

/// What one flow asks of the pair step for one event.
#[derive(Debug, Clone)]
pub struct Pair {
    pub flow: Flow,
    /// The link the pair keeps in the store; `None` for a flow that only updates (invoice).
    pub link: Option<LinkKind>,
    pub target: Target,
    /// The target record when it exists (linked or matched); `None` creates it.
    pub target_id: Option<String>,
    /// Owned values the flow computes beside the mapped ones (written and hashed).
    pub computed: Map<String, Value>,
    /// Values the ledger hashes but the pair does not write (the flow writes them elsewhere).
    pub hashed: Map<String, Value>,
    /// Values every write carries that are not the source's to own (a parent reference).
    pub carried: Map<String, Value>,
    /// Values only a create carries (subsidiary, currency).
    pub on_create: Map<String, Value>,
    pub write_back: Option<WriteBack>,
    /// The target's field and value that mark it inactive when the source is deleted; `None`:
    /// deletes are not propagated for this pair.
    pub inactive: Option<(&'static str, Value)>,
}

impl Pair {
    pub fn new(flow: Flow, link: Option<LinkKind>, target: Target) -> Self {
        Self {
            flow,
            link,
            target,
            target_id: None,
            computed: Map::new(),
            hashed: Map::new(),
            carried: Map::new(),
            on_create: Map::new(),
            write_back: None,
            inactive: None,
        }
    }

    /// Applies `event` to the target record.
    pub async fn apply(
        self,
        ctx: &SyncContext,
        event: &ChangeEvent,
        in_doubt: bool,
    ) -> Result<Applied, SyncError> {
        if event.change == ChangeKind::Deleted {
            return self.delete(ctx).await;
        }
        let source = self.flow.source_system();
        let mapping = ctx.mapping.flow(self.flow);
        let scope = match self.target_id {
            Some(_) => Scope::OwnedBy(source),
            None => Scope::All,
        };
        let mut mapped = mapping.map(&event.fields, scope)?;
        mapped.extend(self.computed.clone());
        let mut owned = ledger::only(&mapped, &mapping.target_fields(Scope::OwnedBy(source)));
        owned.extend(self.computed.clone());
        owned.extend(self.hashed.clone());
        if let Some(id) = &self.target_id
            && !ledger::is_repair(event)
            && unchanged(ctx, &self.target.record(id), &owned).await?
        {
            return Ok(Applied::Echo {
                detail: format!("{} {id} already holds these values", self.target.name()),
            });
        }
        let mut body = mapped;
        body.extend(self.carried.clone());
        body.insert(origin_field(ctx, &self.target), json!(event.id));
        if let Target::Netsuite { .. } = self.target {
            // The source's id, so that `eid:` finds the record whichever way it was linked.
            body.insert("externalId".into(), json!(event.record_id));
        }
        let target_id = match self.target_id.clone() {
            Some(id) => {
                self.update(ctx, event, &id, body, in_doubt).await?;
                id
            }
            None => {
                body.extend(self.on_create.clone());
                self.create(ctx, event, body).await?
            }
        };
        self.write_link_back(ctx, event, &target_id).await?;
        let links = self
            .link
            .map(|kind| link(kind, source, &event.record_id, &target_id))
            .into_iter()
            .collect();
        Ok(Applied::Written {
            writes: vec![ledger::entry(self.target.record(&target_id), &owned)],
            links,
            detail: format!(
                "{} {} {target_id}",
                self.target.system(),
                self.target.name()
            ),
        })
    }

    async fn update(
        &self,
        ctx: &SyncContext,
        event: &ChangeEvent,
        id: &str,
        body: Map<String, Value>,
        in_doubt: bool,
    ) -> Result<(), SyncError> {
        match &self.target {
            Target::Netsuite { record_type } => {
                if in_doubt && netsuite_stamped(ctx, record_type, id, &event.id).await? {
                    tracing::info!(%id, "the record already holds this event's write; not writing it again");
                } else {
                    let id = RecordId::Internal(id.to_owned());
                    ctx.netsuite
                        .patch(record_type, &id, &Value::Object(body), None)
                        .await?;
                }
            }
            Target::Salesforce { object, .. } => {
                if in_doubt && salesforce_stamped(ctx, object, id, &event.id).await? {
                    tracing::info!(%id, "the record already holds this event's write; not writing it again");
                } else {
                    ctx.salesforce.update(object, id, &body).await?;
                }
            }
        }
        Ok(())
    }

    /// Creates the target keyed by the source's id, so a repeated create finds the first.
    async fn create(
        &self,
        ctx: &SyncContext,
        event: &ChangeEvent,
        mut body: Map<String, Value>,
    ) -> Result<String, SyncError> {
        let source_id = event.record_id.as_str();
        match &self.target {
            Target::Netsuite { record_type } => {
                let created = ctx
                    .netsuite
                    .upsert_by_external_id(record_type, source_id, &Value::Object(body))
                    .await?;
                match created.id {
                    Some(id) => Ok(id),
                    None => netsuite_id_by_external_id(ctx, record_type, source_id).await,
                }
            }
            Target::Salesforce {
                object,
                external_id,
            } => {
                // The key is in the URL; Salesforce refuses it in the body too.
                body.retain(|name, _| !name.eq_ignore_ascii_case(external_id));
                let outcome = ctx
                    .salesforce
                    .upsert(object, external_id, source_id, &body)
                    .await?;
                if let Some(id) = outcome.id {
                    return Ok(id);
                }
                let query = Select::new(object, &["Id"]).eq(external_id, source_id);
                let found = ctx.salesforce.select(&query).await?;
                found.first().and_then(|r| text(r, "Id")).ok_or_else(|| {
                    SyncError::Invalid(format!(
                        "the {object} upserted for {external_id} {source_id} cannot be found"
                    ))
                })
            }
        }
    }

    /// Stores the target's id on the source record, only when the link is new or differs from
    /// what the store knows (an event that sends only the changed fields never carries it).
    async fn write_link_back(
        &self,
        ctx: &SyncContext,
        event: &ChangeEvent,
        target_id: &str,
    ) -> Result<(), SyncError> {
        let Some(write_back) = &self.write_back else {
            return Ok(());
        };
        if let Some(kind) = self.link {
            let side = side_of(self.flow.source_system());
            let known = ctx.store.linked(kind, side, &event.record_id).await?;
            if known.as_deref() == Some(target_id) {
                return Ok(());
            }
        }
        let origin = origin_of_source(ctx, write_back);
        match write_back {
            WriteBack::Salesforce { object, field } => {
                if text(&event.fields, field).as_deref() == Some(target_id) {
                    return Ok(());
                }
                let mut fields = Map::new();
                fields.insert(field.clone(), json!(target_id));
                fields.insert(origin, json!(event.id));
                ctx.salesforce
                    .update(object, &event.record_id, &fields)
                    .await?;
            }
            WriteBack::Netsuite {
                record_type,
                fields,
            } => {
                // The first field is the one the link is read by (`externalId`).
                let holds =
                    |field: &String| text(&event.fields, field).as_deref() == Some(target_id);
                if fields.first().is_some_and(holds) {
                    return Ok(());
                }
                let mut body: Map<String, Value> = fields
                    .iter()
                    .map(|field| (field.clone(), json!(target_id)))
                    .collect();
                body.insert(origin, json!(event.id));
                let id = RecordId::Internal(event.record_id.clone());
                ctx.netsuite
                    .patch(record_type, &id, &Value::Object(body), None)
                    .await?;
            }
        }
        Ok(())
    }

    /// A delete at the source: the linked target is marked inactive, per `sync.delete_policy`.
    async fn delete(self, ctx: &SyncContext) -> Result<Applied, SyncError> {
        let name = self.target.name();
        let (Some((field, value)), DeletePolicy::MarkInactive) =
            (&self.inactive, ctx.delete_policy)
        else {
            let why = match ctx.delete_policy {
                DeletePolicy::Ignore => "deletes are not propagated (sync.delete_policy)",
                DeletePolicy::MarkInactive => "this flow does not propagate deletes",
            };
            return Ok(Applied::Ignored { detail: why.into() });
        };
        let Some(id) = self.target_id.clone() else {
            return Ok(Applied::Ignored {
                detail: format!("the deleted record has no {name} to mark inactive"),
            });
        };
        let mut body = Map::new();
        body.insert((*field).to_owned(), value.clone());
        match &self.target {
            Target::Netsuite { record_type } => {
                let record = RecordId::Internal(id.clone());
                ctx.netsuite
                    .patch(record_type, &record, &Value::Object(body), None)
                    .await?;
            }
            Target::Salesforce { object, .. } => {
                ctx.salesforce.update(object, &id, &body).await?;
            }
        }
        Ok(Applied::Written {
            writes: vec![],
            links: vec![],
            detail: format!("{} {name} {id} marked inactive", self.target.system()),
        })
    }
}

/// The origin stamp's field on the target record.
pub fn origin_field(ctx: &SyncContext, target: &Target) -> String {
    let names = ctx.mapping.record_fields();
    match target {
        Target::Salesforce { .. } => names.salesforce_origin.clone(),
        Target::Netsuite { record_type } => netsuite_origin(ctx, record_type),
    }
}

fn origin_of_source(ctx: &SyncContext, write_back: &WriteBack) -> String {
    match write_back {
        WriteBack::Salesforce { .. } => ctx.mapping.record_fields().salesforce_origin.clone(),
        WriteBack::Netsuite { record_type, .. } => netsuite_origin(ctx, record_type),
    }
}

/// The store's side for a source system.
pub fn side_of(system: System) -> LinkSide {
    match system {
        System::Salesforce => LinkSide::Salesforce,
        System::Netsuite => LinkSide::Netsuite,
    }
}

/// A link between `source_id` in `source` and `target_id` on the other side.
pub fn link(kind: LinkKind, source: System, source_id: &str, target_id: &str) -> Link {
    let (salesforce_id, netsuite_id) = match source {
        System::Salesforce => (source_id, target_id),
        System::Netsuite => (target_id, source_id),
    };
    Link {
        kind,
        salesforce_id: salesforce_id.to_owned(),
        netsuite_id: netsuite_id.to_owned(),
    }
}

/// A NetSuite record's internal id, read by its external id (an upsert that sent no `Location`).
pub async fn netsuite_id_by_external_id(
    ctx: &SyncContext,
    record_type: &str,
    external_id: &str,
) -> Result<String, SyncError> {
    let id = RecordId::External(external_id.to_owned());
    let record = ctx.netsuite.get(record_type, &id, Some(&["id"])).await?;
    text(&record, "id").ok_or_else(|| {
        SyncError::Invalid(format!(
            "netsuite {record_type} eid:{external_id} has no id"
        ))
    })
}

#[cfg(test)]
mod tests;
