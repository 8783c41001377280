//! The ids that tie the two seeds together: every seeded record that names a record on the other
//! side names one of these, and the other side's seed creates that record.

/// Salesforce Account ids (18-character, checksum included).
pub const ACME_ACCOUNT_ID: &str = "0015e0000000001AAA";
pub const GLOBEX_ACCOUNT_ID: &str = "0015e0000000002AAA";
pub const INITECH_ACCOUNT_ID: &str = "0015e0000000003AAA";
/// The Closed Won opportunity NetSuite sales order [`ACME_SALES_ORDER`] was made from.
pub const ACME_WON_OPPORTUNITY_ID: &str = "0065e0000000001AAA";
/// The open opportunity a demo moves to Closed Won.
pub const ACME_OPEN_OPPORTUNITY_ID: &str = "0065e0000000002AAA";

/// NetSuite customers linked to Salesforce accounts.
pub const ACME_CUSTOMER: u64 = 101;
pub const INITECH_CUSTOMER: u64 = 104;
pub const ACME_SALES_ORDER: u64 = 301;

/// A product on both sides: Salesforce Product2 id, ProductCode = NetSuite `itemId`, NetSuite
/// item internal id.
pub struct LinkedProduct {
    pub product_id: &'static str,
    pub code: &'static str,
    pub item_id: u64,
}

pub const PRODUCTS: [LinkedProduct; 6] = [
    LinkedProduct {
        product_id: "01t5e0000000001AAA",
        code: "SKU-100",
        item_id: 201,
    },
    LinkedProduct {
        product_id: "01t5e0000000002AAA",
        code: "SKU-101",
        item_id: 202,
    },
    LinkedProduct {
        product_id: "01t5e0000000003AAA",
        code: "SKU-102",
        item_id: 203,
    },
    LinkedProduct {
        product_id: "01t5e0000000004AAA",
        code: "SKU-103",
        item_id: 204,
    },
    LinkedProduct {
        product_id: "01t5e0000000005AAA",
        code: "SKU-104",
        item_id: 205,
    },
    LinkedProduct {
        product_id: "01t5e0000000006AAA",
        code: "SKU-105",
        item_id: 206,
    },
];

/// The linked product with this code (a start-up constant: a missing one is a bug).
pub fn product(code: &str) -> &'static LinkedProduct {
    PRODUCTS
        .iter()
        .find(|product| product.code == code)
        .unwrap_or_else(|| panic!("no linked product {code}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sandbox::echo::EchoSender;
    use crate::sandbox::journal::Journal;
    use crate::sandbox::netsuite::{NetsuiteState, RecordType};
    use crate::sandbox::salesforce::SalesforceState;
    use crate::sandbox::{SandboxConfig, salesforce};
    use serde_json::{Map, Value};

    struct Seeds {
        salesforce: SalesforceState,
        netsuite: NetsuiteState,
    }

    fn seeds() -> Seeds {
        let config = SandboxConfig::default();
        let salesforce =
            salesforce::SalesforceState::new(&config, EchoSender::disabled(), Journal::default());
        let netsuite = NetsuiteState::new(&config, EchoSender::disabled(), Journal::default());
        salesforce.seed();
        netsuite.seed();
        Seeds {
            salesforce,
            netsuite,
        }
    }

    fn text<'a>(record: &'a Map<String, Value>, field: &str) -> Option<&'a str> {
        record.get(field).and_then(Value::as_str)
    }

    impl Seeds {
        fn salesforce_record(&self, object: &str, id: &str) -> Option<Map<String, Value>> {
            self.salesforce
                .records_of(object)
                .into_iter()
                .find(|record| text(record, "Id") == Some(id))
        }

        /// A NetSuite record of any of `types` by internal id.
        fn netsuite_record(&self, types: &[RecordType], id: &str) -> Option<Value> {
            types
                .iter()
                .find_map(|record_type| self.netsuite.record(record_type.url_name(), id))
        }
    }

    #[test]
    fn every_netsuite_record_naming_a_salesforce_id_names_an_existing_record_that_names_it_back() {
        let seeds = seeds();
        // (NetSuite types, field holding a Salesforce id, Salesforce object, its link field)
        let links: [(&[RecordType], &str, &str, &str); 6] = [
            (
                &[RecordType::Customer],
                "externalId",
                "Account",
                "NetSuite_Id__c",
            ),
            (
                &[RecordType::Customer],
                "custentity_sf_account_id",
                "Account",
                "NetSuite_Id__c",
            ),
            (
                &[RecordType::Contact],
                "externalId",
                "Contact",
                "NetSuite_Id__c",
            ),
            (
                &[RecordType::SalesOrder],
                "externalId",
                "Opportunity",
                "NetSuite_Sales_Order_Id__c",
            ),
            (
                &RecordType::ITEMS,
                "externalId",
                "Product2",
                "NetSuite_Item_Id__c",
            ),
            (
                &RecordType::ITEMS,
                "custitem_sf_product_id",
                "Product2",
                "NetSuite_Item_Id__c",
            ),
        ];
        let mut checked = 0;
        for (types, field, object, back) in links {
            for record_type in types {
                for record in seeds.netsuite.records_of(record_type.url_name()) {
                    let Some(salesforce_id) = record.get(field).and_then(Value::as_str) else {
                        continue;
                    };
                    let id = record["id"].as_str().unwrap_or_default();
                    let other = seeds.salesforce_record(object, salesforce_id).unwrap_or_else(|| {
                        panic!("{record_type:?} {id}.{field} names {object} {salesforce_id}, which the Salesforce seed lacks")
                    });
                    assert_eq!(
                        text(&other, back),
                        Some(id),
                        "{object} {salesforce_id}.{back}"
                    );
                    checked += 1;
                }
            }
        }
        // Acme and Initech (twice each), sales order 301 and six items.
        assert_eq!(checked, 11);
    }

    #[test]
    fn every_salesforce_record_naming_a_netsuite_id_names_an_existing_record_that_names_it_back() {
        let seeds = seeds();
        let links: [(&str, &str, &[RecordType]); 4] = [
            ("Account", "NetSuite_Id__c", &[RecordType::Customer]),
            ("Contact", "NetSuite_Id__c", &[RecordType::Contact]),
            (
                "Opportunity",
                "NetSuite_Sales_Order_Id__c",
                &[RecordType::SalesOrder],
            ),
            ("Product2", "NetSuite_Item_Id__c", &RecordType::ITEMS),
        ];
        let mut checked = 0;
        for (object, field, types) in links {
            for record in seeds.salesforce.records_of(object) {
                let Some(netsuite_id) = text(&record, field) else {
                    continue;
                };
                let id = text(&record, "Id").unwrap_or_default();
                let other = seeds.netsuite_record(types, netsuite_id).unwrap_or_else(|| {
                    panic!("{object} {id}.{field} names NetSuite {netsuite_id}, which the NetSuite seed lacks")
                });
                let named_back = [
                    "externalId",
                    "custentity_sf_account_id",
                    "custitem_sf_product_id",
                ]
                .iter()
                .any(|back| other.get(back).and_then(Value::as_str) == Some(id));
                assert!(
                    named_back,
                    "NetSuite {netsuite_id} does not name {object} {id}: {other}"
                );
                if object == "Product2" {
                    assert_eq!(other["itemId"].as_str(), text(&record, "ProductCode"));
                }
                checked += 1;
            }
        }
        // Acme, Initech, the won opportunity and six products.
        assert_eq!(checked, 9);
    }

    #[test]
    fn the_linked_ids_are_well_formed_salesforce_ids_of_the_right_object() {
        use crate::sandbox::salesforce::ids;
        for (id, prefix) in [
            (ACME_ACCOUNT_ID, "001"),
            (GLOBEX_ACCOUNT_ID, "001"),
            (INITECH_ACCOUNT_ID, "001"),
            (ACME_WON_OPPORTUNITY_ID, "006"),
            (ACME_OPEN_OPPORTUNITY_ID, "006"),
        ]
        .into_iter()
        .chain(PRODUCTS.iter().map(|product| (product.product_id, "01t")))
        {
            assert_eq!(ids::normalize(id).as_deref(), Some(id));
            assert!(id.starts_with(prefix), "{id}");
        }
    }
}
