//! Which records reference a record: NetSuite refuses to delete a record others point at, by a
//! body field or a sublist line (an item reference may point at an item of any type).

use super::record_type::RecordType;
use super::store::{Records, field};
use super::validate;
use serde_json::Value;

/// Whether any record references this one (NetSuite refuses to delete it then).
pub fn exist(records: &Records, record_type: RecordType, id: u64) -> bool {
    let points_here = |value: Option<&Value>| value.and_then(validate::reference_id) == Some(id);
    records.everything().any(|record| {
        // Relationship rows belong to their customer and are deleted with it.
        if record.record_type == RecordType::CustomerSubsidiaryRelationship
            && record_type == RecordType::Customer
        {
            return false;
        }
        let body = record
            .record_type
            .references()
            .iter()
            .filter(|reference| record_type.satisfies(reference.target))
            .any(|reference| points_here(record.field(reference.field)));
        let lines = record
            .record_type
            .line_references()
            .iter()
            .filter(|reference| record_type.satisfies(reference.target))
            .any(|reference| {
                record
                    .field(reference.sublist)
                    .and_then(|sublist| sublist.get("items"))
                    .and_then(Value::as_array)
                    .is_some_and(|lines| {
                        lines.iter().any(|line| {
                            points_here(
                                line.as_object()
                                    .and_then(|line| field(line, reference.field)),
                            )
                        })
                    })
            });
        body || lines
    })
}
