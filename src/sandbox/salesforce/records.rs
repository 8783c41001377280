//! The org's records: a table per sObject, its custom fields (declared, and in use), and saving (create,
//! update, upsert by external id, delete) with system fields and roll-ups maintained.

use super::custom_fields::CustomFields;
use super::decode::{FieldRef, Fields};
use super::errors::DmlError;
use super::ids;
use super::rules;
use super::schema::SObject;
use serde_json::{Map, Value};
use std::collections::BTreeMap;

pub type Record = Map<String, Value>;

/// All records of the emulated org. Cloned whole to roll back an all-or-none request.
#[derive(Debug, Clone)]
pub struct Org {
    tables: BTreeMap<SObject, BTreeMap<String, Record>>,
    /// The custom fields the org has; no other custom name is accepted.
    declared: CustomFields,
    /// Per object: lower-case custom field name → its spelling, once a record holds a value.
    custom: BTreeMap<SObject, BTreeMap<String, String>>,
    /// The Recycle Bin: deleted records with `IsDeleted` true, which only `queryAll` sees.
    deleted: BTreeMap<SObject, BTreeMap<String, Record>>,
    next: u64,
}

/// What an upsert by external id did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Upserted {
    Created(String),
    Updated(String),
    /// Several records carry the value: nothing was written.
    Multiple(Vec<String>),
    /// No match and the caller asked not to create.
    NoMatch,
}

impl Default for Org {
    fn default() -> Self {
        Self {
            tables: BTreeMap::new(),
            declared: CustomFields::default(),
            custom: BTreeMap::new(),
            deleted: BTreeMap::new(),
            next: ids::first_sequence(),
        }
    }
}

impl Org {
    /// An empty org with these custom fields.
    pub fn with_custom_fields(declared: CustomFields) -> Self {
        Self {
            declared,
            ..Self::default()
        }
    }

    /// The custom fields `object` declares: lower-case name → spelling.
    pub fn custom_fields(&self, object: SObject) -> Option<&BTreeMap<String, String>> {
        self.declared.names(object)
    }

    /// The custom fields of every object, with their types (what describe shows).
    pub fn declared_fields(&self) -> &CustomFields {
        &self.declared
    }

    /// Custom fields of `object` in use, by their spelling.
    pub fn custom_field_names(&self, object: SObject) -> Vec<String> {
        self.custom
            .get(&object)
            .map(|c| c.values().cloned().collect())
            .unwrap_or_default()
    }

    pub fn get(&self, object: SObject, id: &str) -> Option<&Record> {
        self.tables.get(&object)?.get(id)
    }

    /// Records of `object` in creation order.
    pub fn records(&self, object: SObject) -> impl Iterator<Item = &Record> {
        self.tables
            .get(&object)
            .into_iter()
            .flat_map(BTreeMap::values)
    }

    /// Records of `object` and then its deleted ones (what `queryAll` reads).
    pub fn records_with_deleted(&self, object: SObject) -> impl Iterator<Item = &Record> {
        self.records(object).chain(
            self.deleted
                .get(&object)
                .into_iter()
                .flat_map(BTreeMap::values),
        )
    }

    /// Whether the record is in the Recycle Bin.
    pub fn is_deleted(&self, object: SObject, id: &str) -> bool {
        self.deleted
            .get(&object)
            .is_some_and(|t| t.contains_key(id))
    }

    /// Ids of the records whose `field` holds `value` (text comparison, case-insensitive like a
    /// case-insensitive external id field).
    pub fn find(&self, object: SObject, field: &str, value: &str) -> Vec<String> {
        self.records(object)
            .filter(|record| {
                record
                    .get(field)
                    .and_then(text_of)
                    .is_some_and(|v| v.eq_ignore_ascii_case(value))
            })
            .filter_map(|record| record.get("Id").and_then(Value::as_str).map(str::to_owned))
            .collect()
    }

    pub fn new_id(&mut self, object: SObject) -> String {
        self.next += 1;
        ids::make(object.key_prefix(), self.next)
    }

    pub fn create(
        &mut self,
        object: SObject,
        input: Fields,
        user: &str,
        now: &str,
    ) -> Result<String, DmlError> {
        self.create_as(object, input, user, now, None)
    }

    /// A create that takes the id it is given (the seed's records keep the same ids on every
    /// run, so that the other system's seed can name them); otherwise the next id.
    pub fn create_as(
        &mut self,
        object: SObject,
        input: Fields,
        user: &str,
        now: &str,
        id: Option<&str>,
    ) -> Result<String, DmlError> {
        if input.contains_key("Id") {
            return Err(DmlError::new(
                "INVALID_FIELD_FOR_INSERT_UPDATE",
                "cannot specify Id in an insert call",
                &["Id"],
            ));
        }
        rules::check_access(object, &input, true)?;
        let mut record = rules::defaults(object, user);
        record.extend(input.clone());
        rules::validate(self, object, &mut record, &input, true)?;
        let id = match id {
            Some(id) => id.to_owned(),
            None => self.new_id(object),
        };
        for (field, value) in [
            ("Id", Value::from(id.as_str())),
            ("IsDeleted", Value::Bool(false)),
            ("CreatedDate", Value::from(now)),
            ("CreatedById", Value::from(user)),
        ] {
            record.insert(field.into(), value);
        }
        self.store(object, &id, record, &input, user, now);
        Ok(id)
    }

    pub fn update(
        &mut self,
        object: SObject,
        id: &str,
        mut input: Fields,
        user: &str,
        now: &str,
    ) -> Result<(), DmlError> {
        let Some(existing) = self.get(object, id).cloned() else {
            return Err(DmlError::new(
                "INVALID_CROSS_REFERENCE_KEY",
                "invalid cross reference id",
                &[],
            ));
        };
        if input.get("Id").and_then(Value::as_str) == Some(id) {
            input.remove("Id");
        }
        rules::check_access(object, &input, false)?;
        let mut record = existing;
        record.extend(input.clone());
        rules::validate(self, object, &mut record, &input, false)?;
        self.store(object, id, record, &input, user, now);
        Ok(())
    }

    /// Upsert on `field` = `value` (`input` already carries the value for a create).
    #[allow(clippy::too_many_arguments)]
    pub fn upsert(
        &mut self,
        object: SObject,
        field: &str,
        value: &str,
        input: Fields,
        user: &str,
        now: &str,
        update_only: bool,
    ) -> Result<Upserted, DmlError> {
        let mut matches = self.find(object, field, value);
        match matches.len() {
            0 if update_only => Ok(Upserted::NoMatch),
            0 => self.create(object, input, user, now).map(Upserted::Created),
            1 => {
                let id = matches.remove(0);
                self.update(object, &id, input, user, now)?;
                Ok(Upserted::Updated(id))
            }
            _ => Ok(Upserted::Multiple(matches)),
        }
    }

    /// Deletes a record and, as the platform does, its master-detail children, moving them to
    /// the Recycle Bin.
    pub fn delete(&mut self, object: SObject, id: &str, now: &str) -> bool {
        let Some(record) = self.tables.get_mut(&object).and_then(|t| t.remove(id)) else {
            return false;
        };
        let mut binned = record.clone();
        binned.insert("IsDeleted".into(), Value::Bool(true));
        binned.insert("SystemModstamp".into(), Value::from(now));
        self.deleted
            .entry(object)
            .or_default()
            .insert(id.to_owned(), binned);
        let children: &[(SObject, &str)] = match object {
            SObject::Account => &[
                (SObject::Contact, "AccountId"),
                (SObject::Opportunity, "AccountId"),
            ],
            SObject::Opportunity => &[(SObject::OpportunityLineItem, "OpportunityId")],
            SObject::Product2 | SObject::Pricebook2 => {
                &[(SObject::PricebookEntry, object_key(object))]
            }
            SObject::PricebookEntry => &[(SObject::OpportunityLineItem, "PricebookEntryId")],
            _ => &[],
        };
        for (child, key) in children {
            for child_id in self.find(*child, key, id) {
                self.delete(*child, &child_id, now);
            }
        }
        if object == SObject::OpportunityLineItem
            && let Some(opportunity) = record.get("OpportunityId").and_then(Value::as_str)
        {
            self.roll_up_amount(opportunity, now);
        }
        true
    }

    /// Puts back an earlier copy (an all-or-none roll-back); ids handed out since stay used.
    pub fn restore(&mut self, backup: Org) {
        let next = self.next;
        *self = backup;
        self.next = next;
    }

    /// Adds a record exactly as given (seeding platform-owned rows like the standard price book).
    pub fn insert_raw(&mut self, object: SObject, record: Record) {
        if let Some(id) = record.get("Id").and_then(Value::as_str).map(str::to_owned) {
            self.tables.entry(object).or_default().insert(id, record);
        }
    }

    fn store(
        &mut self,
        object: SObject,
        id: &str,
        mut record: Record,
        input: &Fields,
        user: &str,
        now: &str,
    ) {
        record.insert("LastModifiedDate".into(), Value::from(now));
        record.insert("LastModifiedById".into(), Value::from(user));
        record.insert("SystemModstamp".into(), Value::from(now));
        for name in input.keys() {
            if let Some(FieldRef::Custom(spelling)) =
                super::decode::resolve(object, name, self.declared.names(object))
            {
                self.custom
                    .entry(object)
                    .or_default()
                    .entry(spelling.to_ascii_lowercase())
                    .or_insert(spelling);
            }
        }
        self.tables
            .entry(object)
            .or_default()
            .insert(id.to_owned(), record.clone());
        match object {
            SObject::OpportunityLineItem => {
                if let Some(opportunity) = record.get("OpportunityId").and_then(Value::as_str) {
                    self.adopt_price_book(opportunity, &record);
                    self.roll_up_amount(opportunity, now);
                }
            }
            SObject::Product2 => self.copy_product_names(id, &record),
            _ => {}
        }
    }

    /// An opportunity without a price book takes its first line item's.
    fn adopt_price_book(&mut self, opportunity: &str, line: &Record) {
        let price_book = line
            .get("PricebookEntryId")
            .and_then(Value::as_str)
            .and_then(|entry| self.get(SObject::PricebookEntry, entry))
            .and_then(|entry| entry.get("Pricebook2Id").cloned());
        if let (Some(price_book), Some(opp)) = (
            price_book,
            self.tables
                .get_mut(&SObject::Opportunity)
                .and_then(|t| t.get_mut(opportunity)),
        ) && opp.get("Pricebook2Id").is_none_or(Value::is_null)
        {
            opp.insert("Pricebook2Id".into(), price_book);
        }
    }

    /// With products, an opportunity's Amount is the sum of its line items' TotalPrice.
    fn roll_up_amount(&mut self, opportunity: &str, now: &str) {
        let lines: Vec<f64> = self
            .records(SObject::OpportunityLineItem)
            .filter(|line| line.get("OpportunityId").and_then(Value::as_str) == Some(opportunity))
            .map(|line| {
                line.get("TotalPrice")
                    .and_then(Value::as_f64)
                    .unwrap_or(0.0)
            })
            .collect();
        if let Some(opp) = self
            .tables
            .get_mut(&SObject::Opportunity)
            .and_then(|t| t.get_mut(opportunity))
        {
            let amount = if lines.is_empty() {
                Value::Null
            } else {
                Value::from(lines.iter().sum::<f64>())
            };
            if opp.get("Amount") != Some(&amount) {
                opp.insert("Amount".into(), amount);
                opp.insert("SystemModstamp".into(), Value::from(now));
            }
        }
    }

    /// Price book entries and line items show their product's current name and code.
    fn copy_product_names(&mut self, product: &str, record: &Record) {
        let code = record.get("ProductCode").cloned().unwrap_or(Value::Null);
        let name = record.get("Name").cloned().unwrap_or(Value::Null);
        for object in [SObject::PricebookEntry, SObject::OpportunityLineItem] {
            for row in self.tables.entry(object).or_default().values_mut() {
                if row.get("Product2Id").and_then(Value::as_str) == Some(product) {
                    row.insert("ProductCode".into(), code.clone());
                    if object == SObject::PricebookEntry {
                        row.insert("Name".into(), name.clone());
                    }
                }
            }
        }
    }
}

fn object_key(object: SObject) -> &'static str {
    if object == SObject::Product2 {
        "Product2Id"
    } else {
        "Pricebook2Id"
    }
}

/// A scalar as the text an external id comparison or an Outbound Message uses.
pub fn text_of(value: &Value) -> Option<String> {
    match value {
        Value::Null => None,
        Value::String(text) => Some(text.clone()),
        other => Some(other.to_string()),
    }
}
