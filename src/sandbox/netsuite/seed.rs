//! The records a fresh sandbox holds: currencies USD and EUR, subsidiaries "Parent Company" and
//! "Europe", three customers (one linked to a Salesforce account), a contact, five inventory
//! items SKU-100…SKU-104, a sales order from a won opportunity, two invoices billed from it and
//! a partial payment of the second.

use super::record_type::RecordType::{self, *};
use super::store::{Record, Records, next_modified};
use super::validate;
use chrono::Utc;
use serde_json::{Value, json};

/// The Salesforce ids the seeded records are linked to.
pub const ACME_ACCOUNT_ID: &str = "001Sbx000000001AAA";
pub const ACME_OPPORTUNITY_ID: &str = "006Sbx000000001AAA";

fn data() -> Vec<(RecordType, u64, Option<&'static str>, Value)> {
    let item = |id: u64, sku: &str, name: &str, price: f64, available: u32| {
        let fields = json!({
            "itemId": sku,
            "displayName": name,
            "basePrice": price,
            "quantityAvailable": available,
            "isInactive": false,
            "price": { "items": [
                { "line": 1, "currency": { "id": "1" }, "priceLevel": { "id": "1", "refName": "Base Price" }, "price": price },
                { "line": 2, "currency": { "id": "2" }, "priceLevel": { "id": "1", "refName": "Base Price" }, "price": (price * 92.0).round() / 100.0 },
            ] },
        });
        (InventoryItem, id, None, fields)
    };
    let line = |line: u32, item: &str, quantity: u32, rate: f64| json!({ "line": line, "item": { "id": item }, "quantity": quantity, "rate": rate });
    vec![
        (
            Currency,
            1,
            None,
            json!({ "name": "US Dollar", "symbol": "USD", "isBaseCurrency": true, "exchangeRate": 1.0 }),
        ),
        (
            Currency,
            2,
            None,
            json!({ "name": "Euro", "symbol": "EUR", "isBaseCurrency": false, "exchangeRate": 1.08 }),
        ),
        (
            Subsidiary,
            1,
            None,
            json!({ "name": "Parent Company", "country": "US", "currency": { "id": "1" } }),
        ),
        (
            Subsidiary,
            2,
            None,
            json!({ "name": "Europe", "country": "DE", "currency": { "id": "2" }, "parent": { "id": "1" } }),
        ),
        (
            Customer,
            101,
            Some(ACME_ACCOUNT_ID),
            json!({
                "companyName": "Acme Corporation",
                "email": "ap@acme.example",
                "phone": "+1 415 555 0100",
                "url": "https://acme.example",
                "subsidiary": { "id": "1" },
                "currency": { "id": "1" },
                "creditLimit": 50000.0,
                "terms": { "id": "2", "refName": "Net 30" },
                "custentity_sf_account_id": ACME_ACCOUNT_ID,
            }),
        ),
        (
            Customer,
            102,
            None,
            json!({
                "companyName": "Globex GmbH",
                "email": "finance@globex.example",
                "url": "https://globex.example",
                "subsidiary": { "id": "2" },
                "currency": { "id": "2" },
                "creditLimit": 20000.0,
            }),
        ),
        (
            Customer,
            103,
            None,
            json!({
                "isPerson": true,
                "firstName": "Jane",
                "lastName": "Doe",
                "email": "jane.doe@example.com",
                "subsidiary": { "id": "1" },
                "currency": { "id": "1" },
            }),
        ),
        (
            Contact,
            151,
            None,
            json!({
                "firstName": "Wile",
                "lastName": "Coyote",
                "email": "wile@acme.example",
                "company": { "id": "101" },
            }),
        ),
        item(201, "SKU-100", "Widget", 100.0, 120),
        item(202, "SKU-101", "Gadget", 250.0, 35),
        item(203, "SKU-102", "Gizmo", 40.0, 0),
        item(204, "SKU-103", "Sprocket", 12.5, 800),
        item(205, "SKU-104", "Flux Capacitor", 1200.0, 3),
        (
            SalesOrder,
            301,
            Some(ACME_OPPORTUNITY_ID),
            json!({
                "entity": { "id": "101" },
                "tranId": "SO-1001",
                "tranDate": "2026-11-02",
                "status": "Pending Billing",
                "item": { "items": [line(1, "201", 10, 100.0), line(2, "202", 2, 250.0)] },
            }),
        ),
        (
            Invoice,
            401,
            None,
            json!({
                "entity": { "id": "101" },
                "createdFrom": { "id": "301" },
                "tranId": "INV-1001",
                "tranDate": "2026-11-05",
                "dueDate": "2026-12-05",
                "item": { "items": [line(1, "201", 10, 100.0)] },
            }),
        ),
        (
            Invoice,
            402,
            None,
            json!({
                "entity": { "id": "101" },
                "createdFrom": { "id": "301" },
                "tranId": "INV-1002",
                "tranDate": "2026-11-05",
                "dueDate": "2026-12-05",
                "item": { "items": [line(1, "202", 2, 250.0)] },
            }),
        ),
        (
            CustomerPayment,
            501,
            None,
            json!({
                "customer": { "id": "101" },
                "tranId": "PYMT-1001",
                "tranDate": "2026-11-20",
                "apply": { "items": [{ "line": 1, "doc": { "id": "402" }, "apply": true, "amount": 200.0 }] },
            }),
        ),
    ]
}

/// Fills an empty store. The data is a constant: a record it cannot save is a bug here.
pub fn load(records: &mut Records) {
    let now = Utc::now();
    for (record_type, id, external_id, fields) in data() {
        let Value::Object(mut fields) = fields else {
            panic!("seed {record_type:?} {id} must be a JSON object");
        };
        if let Err(error) = validate::prepare(records, record_type, id, &mut fields) {
            panic!("seed {record_type:?} {id} is invalid: {}", error.detail);
        }
        let external_id = external_id.map(str::to_owned);
        let last_modified = next_modified(now, None);
        records.put(Record {
            record_type,
            id,
            external_id,
            fields,
            last_modified,
        });
    }
    // Invoices were saved before the payment applied to them: settle their balances.
    let invoices: Vec<Record> = records.all(Invoice).cloned().collect();
    for mut invoice in invoices {
        if validate::prepare(records, Invoice, invoice.id, &mut invoice.fields).is_ok() {
            records.put(invoice);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sandbox::netsuite::store::field;

    #[test]
    fn the_seed_is_consistent() {
        let mut records = Records::default();
        load(&mut records);
        let order = records.get(SalesOrder, 301).unwrap();
        assert_eq!(order.field("total"), Some(&json!(1500.0)));
        assert_eq!(order.field("subsidiary"), Some(&json!({ "id": "1" })));
        let invoice = records.get(Invoice, 402).unwrap();
        assert_eq!(
            field(&invoice.fields, "amountRemaining"),
            Some(&json!(300.0))
        );
        assert_eq!(field(&invoice.fields, "status"), Some(&json!("Open")));
        let skus: Vec<_> = records
            .all(InventoryItem)
            .filter_map(|item| item.field("itemId")?.as_str())
            .collect();
        assert_eq!(
            skus,
            ["SKU-100", "SKU-101", "SKU-102", "SKU-103", "SKU-104"]
        );
        assert_eq!(records.id_of(Customer, ACME_ACCOUNT_ID), Some(101));
    }
}
