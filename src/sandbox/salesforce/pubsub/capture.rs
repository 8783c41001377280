//! Change capture: what each save changed, found by comparing the record with the state last
//! captured (seeded records are captured silently at start). A record seen for the first time
//! is a CREATE carrying every field with a value; later saves are UPDATEs carrying the fields
//! that changed, those set to null listed as nulled. Every UPDATE names `LastModifiedDate`, as
//! Salesforce's do: a save that changed no value (a "touch") still makes one, though the
//! sandbox's second-resolution timestamp may not have moved.

use super::super::records::Record;
use super::super::schema::SObject;
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::sync::Mutex;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeType {
    Create,
    Update,
    Delete,
}

impl ChangeType {
    pub fn symbol(self) -> &'static str {
        match self {
            ChangeType::Create => "CREATE",
            ChangeType::Update => "UPDATE",
            ChangeType::Delete => "DELETE",
        }
    }

    /// The position of the symbol in the schema's `ChangeType` enum.
    pub fn index(self) -> u32 {
        match self {
            ChangeType::Create => 0,
            ChangeType::Update => 1,
            ChangeType::Delete => 2,
        }
    }
}

/// One captured change of one record.
#[derive(Debug, Clone)]
pub struct Captured {
    pub object: SObject,
    pub record_id: String,
    pub change: ChangeType,
    /// The values the event carries: every field with a value on create, the changed ones on
    /// update, none on delete.
    pub values: Map<String, Value>,
    /// Fields whose value changed (empty on create and delete).
    pub changed: Vec<String>,
    /// Fields set to null by an update.
    pub nulled: Vec<String>,
    pub commit_user: String,
}

#[derive(Default)]
pub struct ChangeCapture {
    last: Mutex<HashMap<(SObject, String), Record>>,
}

impl ChangeCapture {
    /// Takes `record` as the known state without announcing it (seed data).
    pub fn remember(&self, object: SObject, record: &Record) {
        if let Some(id) = record.get("Id").and_then(Value::as_str) {
            self.lock().insert((object, id.to_owned()), record.clone());
        }
    }

    /// The change `record`'s latest save made.
    pub fn saved(&self, object: SObject, record: &Record) -> Option<Captured> {
        let id = record.get("Id").and_then(Value::as_str)?.to_owned();
        let commit_user = text(record, "LastModifiedById");
        let previous = self.lock().insert((object, id.clone()), record.clone());
        let Some(previous) = previous else {
            let values = record
                .iter()
                .filter(|(_, value)| !value.is_null())
                .map(|(name, value)| (name.clone(), value.clone()))
                .collect();
            return Some(Captured {
                object,
                record_id: id,
                change: ChangeType::Create,
                values,
                changed: Vec::new(),
                nulled: Vec::new(),
                commit_user,
            });
        };
        let mut values = Map::new();
        let mut changed = Vec::new();
        let mut nulled = Vec::new();
        let names = record
            .keys()
            .chain(previous.keys().filter(|k| !record.contains_key(*k)));
        for name in names {
            let now = record.get(name).unwrap_or(&Value::Null);
            if previous.get(name).unwrap_or(&Value::Null) == now {
                continue;
            }
            changed.push(name.clone());
            if now.is_null() {
                nulled.push(name.clone());
            } else {
                values.insert(name.clone(), now.clone());
            }
        }
        if !changed.iter().any(|name| name == "LastModifiedDate")
            && let Some(modified) = record.get("LastModifiedDate").filter(|v| !v.is_null())
        {
            changed.push("LastModifiedDate".to_owned());
            values.insert("LastModifiedDate".to_owned(), modified.clone());
        }
        changed.sort();
        nulled.sort();
        Some(Captured {
            object,
            record_id: id,
            change: ChangeType::Update,
            values,
            changed,
            nulled,
            commit_user,
        })
    }

    /// The record was deleted by `user`.
    pub fn deleted(&self, object: SObject, id: &str, user: &str) -> Captured {
        self.lock().remove(&(object, id.to_owned()));
        Captured {
            object,
            record_id: id.to_owned(),
            change: ChangeType::Delete,
            values: Map::new(),
            changed: Vec::new(),
            nulled: Vec::new(),
            commit_user: user.to_owned(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<(SObject, String), Record>> {
        self.last.lock().unwrap_or_else(|p| p.into_inner())
    }
}

fn text(record: &Record, name: &str) -> String {
    record
        .get(name)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn record(fields: Value) -> Record {
        let Value::Object(map) = fields else {
            unreachable!()
        };
        map
    }

    #[test]
    fn a_first_save_is_a_create_and_a_later_one_carries_only_what_changed() {
        let capture = ChangeCapture::default();
        let first = record(
            json!({ "Id": "001A", "Name": "Acme", "Phone": null, "LastModifiedById": "005H" }),
        );
        let created = capture.saved(SObject::Account, &first).unwrap();
        assert_eq!(created.change, ChangeType::Create);
        assert_eq!(
            created.values.len(),
            3,
            "nulls left out: {:?}",
            created.values
        );
        let second = record(
            json!({ "Id": "001A", "Name": "Acme Inc", "Phone": "1", "LastModifiedById": "005T" }),
        );
        let updated = capture.saved(SObject::Account, &second).unwrap();
        assert_eq!(updated.change, ChangeType::Update);
        assert_eq!(updated.changed, ["LastModifiedById", "Name", "Phone"]);
        assert_eq!(updated.commit_user, "005T");
        let third = record(
            json!({ "Id": "001A", "Name": "Acme Inc", "Phone": null, "LastModifiedById": "005T" }),
        );
        let nulled = capture.saved(SObject::Account, &third).unwrap();
        assert_eq!(nulled.changed, ["Phone"]);
        assert_eq!(nulled.nulled, ["Phone"]);
        assert!(nulled.values.is_empty());
    }

    #[test]
    fn every_update_names_last_modified_date_even_one_that_changed_no_value() {
        let capture = ChangeCapture::default();
        let saved = record(json!({
            "Id": "001A", "Name": "Acme", "LastModifiedDate": "2026-12-03T10:00:00.000+0000"
        }));
        capture.remember(SObject::Account, &saved);
        let touched = capture.saved(SObject::Account, &saved).unwrap();
        assert_eq!(touched.change, ChangeType::Update);
        assert_eq!(touched.changed, ["LastModifiedDate"]);
        assert_eq!(
            touched.values["LastModifiedDate"],
            "2026-12-03T10:00:00.000+0000"
        );
    }

    #[test]
    fn a_remembered_record_changes_as_an_update() {
        let capture = ChangeCapture::default();
        capture.remember(
            SObject::Contact,
            &record(json!({ "Id": "003A", "LastName": "Lee" })),
        );
        let updated = capture
            .saved(
                SObject::Contact,
                &record(json!({ "Id": "003A", "LastName": "Li" })),
            )
            .unwrap();
        assert_eq!(updated.change, ChangeType::Update);
        assert_eq!(updated.changed, ["LastName"]);
    }
}
