//! The records a fresh sandbox holds, as in a OneWorld account whose currency and subsidiary ids
//! are its own: currencies USD 1, GBP 2, CAD 3, EUR 4; subsidiaries 1 (US parent, USD), 3
//! (Europe GmbH, EUR) and 4 (UK Ltd, GBP); customers Acme (101, US, linked to Salesforce),
//! Globex (102, Europe, EUR only), Jane Doe (103, a person) and Initech (104, US and Europe,
//! USD and EUR, linked); a contact; items of four types SKU-100…SKU-105 matching the Salesforce
//! products; a sales order from a won opportunity, two invoices billed from it and a partial
//! payment of the second.

use super::oneworld;
use super::record_type::RecordType::{self, *};
use super::store::{Record, Records, next_modified};
use super::validate;
use crate::sandbox::seed_links::{
    self, ACME_ACCOUNT_ID, ACME_WON_OPPORTUNITY_ID, INITECH_ACCOUNT_ID,
};
use chrono::Utc;
use serde_json::{Value, json};

/// Currency internal ids of the seeded account.
pub const USD: &str = "1";
pub const GBP: &str = "2";
pub const EUR: &str = "4";

type Seeded = (RecordType, u64, Option<&'static str>, Value);

fn currency(id: u64, symbol: &str, name: &str, base: bool, rate: f64) -> Seeded {
    let fields = json!({ "name": name, "symbol": symbol, "isBaseCurrency": base,
                         "isInactive": false, "exchangeRate": rate });
    (Currency, id, None, fields)
}

fn subsidiary(id: u64, name: &str, country: &str, currency: &str) -> Seeded {
    let mut fields = json!({ "name": name, "country": country, "currency": { "id": currency } });
    if id != 1 {
        fields["parent"] = json!({ "id": "1" });
    }
    (Subsidiary, id, None, fields)
}

fn currency_list(currencies: &[&str]) -> Value {
    let items: Vec<Value> = currencies
        .iter()
        .enumerate()
        .map(|(index, id)| json!({ "line": index + 1, "currency": { "id": id } }))
        .collect();
    json!({ "items": items })
}

/// An item of any type: `itemId` is the Salesforce ProductCode, `displayName` its name.
fn item(record_type: RecordType, code: &str, name: &str, price: f64, extra: Value) -> Seeded {
    let mut fields = json!({
        "itemId": code,
        "displayName": name,
        "basePrice": price,
        "isInactive": false,
        "custitem_sf_product_id": seed_links::product(code).product_id,
        "price": { "items": [
            { "line": 1, "currency": { "id": USD }, "priceLevel": { "id": "1", "refName": "Base Price" }, "price": price },
            { "line": 2, "currency": { "id": EUR }, "priceLevel": { "id": "1", "refName": "Base Price" }, "price": (price * 92.0).round() / 100.0 },
        ] },
    });
    if let (Value::Object(fields), Value::Object(extra)) = (&mut fields, extra) {
        fields.extend(extra);
    }
    (record_type, seed_links::product(code).item_id, None, fields)
}

fn data() -> Vec<Seeded> {
    let line = |line: u32, item: &str, quantity: u32, rate: f64| json!({ "line": line, "item": { "id": item }, "quantity": quantity, "rate": rate });
    let stock = |available: u32| json!({ "quantityAvailable": available });
    vec![
        currency(1, "USD", "US Dollar", true, 1.0),
        currency(2, "GBP", "British Pound", false, 1.27),
        currency(3, "CAD", "Canadian Dollar", false, 0.73),
        currency(4, "EUR", "Euro", false, 1.08),
        subsidiary(1, "Parent Company", "US", USD),
        subsidiary(3, "Europe GmbH", "DE", EUR),
        subsidiary(4, "UK Ltd", "GB", GBP),
        (
            Customer,
            seed_links::ACME_CUSTOMER,
            Some(ACME_ACCOUNT_ID),
            json!({
                "companyName": "Acme Corporation",
                "email": "ap@acme.example",
                "phone": "+1 415 555 0100",
                "url": "https://acme.example",
                "subsidiary": { "id": "1" },
                "currency": { "id": USD },
                "currencyList": currency_list(&[USD]),
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
                "subsidiary": { "id": "3" },
                "currency": { "id": EUR },
                "currencyList": currency_list(&[EUR]),
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
                "currency": { "id": USD },
            }),
        ),
        (
            Customer,
            seed_links::INITECH_CUSTOMER,
            Some(INITECH_ACCOUNT_ID),
            json!({
                "companyName": "Initech, Inc.",
                "email": "ap@initech.example",
                "url": "https://initech.example",
                "subsidiary": { "id": "1" },
                "currency": { "id": USD },
                "currencyList": currency_list(&[USD, EUR]),
                "custentity_sf_account_id": INITECH_ACCOUNT_ID,
            }),
        ),
        // Initech also buys through the European subsidiary (ids 1-4 are the primary rows).
        (
            CustomerSubsidiaryRelationship,
            5,
            None,
            json!({ "entity": { "id": "104" }, "subsidiary": { "id": "3" }, "isPrimarySub": false }),
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
        item(InventoryItem, "SKU-100", "Widget", 20.0, stock(120)),
        item(InventoryItem, "SKU-101", "Gadget", 45.0, stock(35)),
        item(InventoryItem, "SKU-102", "Sprocket", 7.5, stock(0)),
        item(
            KitItem,
            "SKU-103",
            "Gear Assembly",
            129.0,
            json!({ "member": { "items": [{ "line": 1, "item": { "id": "203" }, "quantity": 12 }] } }),
        ),
        item(
            ServiceSaleItem,
            "SKU-104",
            "Installation Service (hour)",
            120.0,
            json!({}),
        ),
        item(
            NonInventorySaleItem,
            "SKU-105",
            "Extended Warranty (1 year)",
            99.0,
            json!({}),
        ),
        (
            SalesOrder,
            seed_links::ACME_SALES_ORDER,
            Some(ACME_WON_OPPORTUNITY_ID),
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
        if record_type == Customer {
            oneworld::sync_primary_relationship(records, id, now);
        }
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
        let skus: Vec<_> = RecordType::ITEMS
            .iter()
            .flat_map(|item_type| records.all(*item_type))
            .map(|item| (item.record_type, item.field("itemId").cloned()))
            .collect();
        assert_eq!(
            skus,
            [
                (InventoryItem, Some(json!("SKU-100"))),
                (InventoryItem, Some(json!("SKU-101"))),
                (InventoryItem, Some(json!("SKU-102"))),
                (NonInventorySaleItem, Some(json!("SKU-105"))),
                (ServiceSaleItem, Some(json!("SKU-104"))),
                (KitItem, Some(json!("SKU-103"))),
            ]
        );
        assert_eq!(records.id_of(Customer, ACME_ACCOUNT_ID), Some(101));
    }

    #[test]
    fn every_seeded_customer_has_its_primary_subsidiary_relationship() {
        let mut records = Records::default();
        load(&mut records);
        let rows: Vec<_> = records
            .all(CustomerSubsidiaryRelationship)
            .map(|row| {
                (
                    row.field("entity").and_then(validate::reference_id),
                    row.field("subsidiary").and_then(validate::reference_id),
                    row.field("isPrimarySub").cloned(),
                )
            })
            .collect();
        let primary = Some(json!(true));
        assert_eq!(
            rows,
            [
                (Some(101), Some(1), primary.clone()),
                (Some(102), Some(3), primary.clone()),
                (Some(103), Some(1), primary.clone()),
                (Some(104), Some(1), primary),
                (Some(104), Some(3), Some(json!(false))),
            ]
        );
        let globex = records.get(Customer, 102).unwrap();
        assert_eq!(oneworld::customer_currencies(globex), [4]);
        let initech = records.get(Customer, 104).unwrap();
        assert_eq!(oneworld::customer_subsidiaries(&records, initech), [1, 3]);
        assert_eq!(oneworld::customer_currencies(initech), [1, 4]);
    }
}
