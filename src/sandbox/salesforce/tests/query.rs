//! SOQL over `/query`: relationship fields, filters, errors and paging.

use super::{Org, VERSION, answer};
use serde_json::{Value, json};

#[tokio::test]
async fn line_items_come_with_their_product_code_nested_under_product2() {
    let org = Org::start().await;
    let opportunity = org
        .first_id("SELECT Id FROM Opportunity WHERE Name = 'Acme — 50 widgets'")
        .await;
    let page = org
        .query(&format!(
            "SELECT Id, Quantity, UnitPrice, TotalPrice, Product2.ProductCode, Product2Id FROM OpportunityLineItem WHERE OpportunityId = '{opportunity}'"
        ))
        .await;
    assert_eq!(
        (page["totalSize"].as_u64(), page["done"].as_bool()),
        (Some(2), Some(true))
    );
    let first = &page["records"][0];
    let product = first["Product2Id"].as_str().unwrap();
    assert_eq!(first["attributes"]["type"], "OpportunityLineItem");
    assert_eq!(
        first["Product2"],
        json!({
            "attributes": {"type": "Product2", "url": format!("/services/data/{VERSION}/sobjects/Product2/{product}")},
            "ProductCode": "SKU-100"
        })
    );
    assert_eq!(
        (
            first["Quantity"].as_f64(),
            first["UnitPrice"].as_f64(),
            first["TotalPrice"].as_f64()
        ),
        (Some(50.0), Some(20.0), Some(1000.0))
    );
    let keys: Vec<&str> = first
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(keys.len(), 7);
}

#[tokio::test]
async fn results_page_through_next_records_url_at_the_sandbox_page_size() {
    let org = Org::start().await;
    for name in ["Delta LLC", "Echo Ltd"] {
        assert_eq!(
            org.post(&org.api("/sobjects/Account"), &json!({"Name": name}))
                .await
                .status(),
            201
        );
    }
    let set = org
        .http
        .put(org.url("/_sandbox/query-page-size"))
        .json(&json!({"size": 2}))
        .send()
        .await
        .unwrap();
    assert_eq!(set.status(), 200);

    let mut page = org
        .query("SELECT Id, Name FROM Account ORDER BY Name")
        .await;
    let mut names = Vec::new();
    let mut pages = 0;
    loop {
        pages += 1;
        assert_eq!(page["totalSize"], 5);
        names.extend(
            page["records"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r["Name"].as_str().unwrap().to_owned()),
        );
        if page["done"] == true {
            assert!(page.get("nextRecordsUrl").is_none());
            break;
        }
        let next = page["nextRecordsUrl"].as_str().unwrap().to_owned();
        assert!(
            next.starts_with(&format!("/services/data/{VERSION}/query/01g")),
            "{next}"
        );
        let (status, body) = answer(org.get(&org.url(&next)).await).await;
        assert_eq!(status, 200);
        page = body;
    }
    assert_eq!(pages, 3);
    assert_eq!(
        names,
        [
            "Acme Corporation",
            "Delta LLC",
            "Echo Ltd",
            "Globex GmbH",
            "Initech, Inc."
        ]
    );

    let (status, body) = answer(org.get(&org.api("/query/01g5e0000000000AAA-2")).await).await;
    assert_eq!(
        (status, body[0]["errorCode"].as_str()),
        (400, Some("INVALID_QUERY_LOCATOR"))
    );
}

#[tokio::test]
async fn filters_compare_like_soql() {
    let org = Org::start().await;
    let count = |page: Value| page["totalSize"].as_u64().unwrap();
    assert_eq!(
        count(
            org.query("SELECT Id FROM Account WHERE Name = 'acme corporation'")
                .await
        ),
        1
    );
    assert_eq!(
        count(
            org.query("SELECT Id FROM Account WHERE Name LIKE 'G%'")
                .await
        ),
        1
    );
    assert_eq!(
        count(
            org.query("SELECT Id FROM Account WHERE NetSuite_Id__c != null")
                .await
        ),
        2
    );
    assert_eq!(
        count(
            org.query("SELECT Id FROM Account WHERE NetSuite_Id__c != '104'")
                .await
        ),
        2
    );
    assert_eq!(
        count(
            org.query("SELECT Id FROM Contact WHERE Account.Name = 'Globex GmbH'")
                .await
        ),
        1
    );
    assert_eq!(
        count(
            org.query(
                "SELECT Id FROM PricebookEntry WHERE CurrencyIsoCode = 'EUR' AND IsActive = true"
            )
            .await
        ),
        2
    );
    assert_eq!(
        count(
            org.query(
                "SELECT Id FROM Product2 WHERE ProductCode IN ('SKU-100', 'SKU-104') LIMIT 1"
            )
            .await
        ),
        1
    );
    assert_eq!(count(org.query("SELECT COUNT() FROM Product2").await), 6);
    let ids = org
        .query("SELECT Id FROM Account ORDER BY Name LIMIT 2")
        .await;
    let (a, b) = (
        ids["records"][0]["Id"].as_str().unwrap(),
        ids["records"][1]["Id"].as_str().unwrap(),
    );
    let soql = format!(
        "SELECT Name FROM Account WHERE Id IN ('{}', '{b}')",
        &a[..15]
    );
    assert_eq!(count(org.query(&soql).await), 2);
}

#[tokio::test]
async fn malformed_soql_and_unknown_names_are_refused_as_salesforce_refuses_them() {
    let org = Org::start().await;
    let cases = [
        (
            "SELECT Id FORM Account",
            "MALFORMED_QUERY",
            "\nSELECT Id FORM Account\n          ^\nERROR at Row:1:Column:11\nunexpected token: FORM",
        ),
        ("SELECT Id FROM Acount", "INVALID_TYPE", ""),
        ("SELECT Nmae FROM Account", "INVALID_FIELD", ""),
        (
            "SELECT Id FROM Account WHERE Id = 'abc'",
            "INVALID_QUERY_FILTER_OPERATOR",
            "",
        ),
        (
            "SELECT Id FROM Opportunity WHERE CloseDate = '2026-01-01'",
            "INVALID_FIELD",
            "",
        ),
    ];
    for (soql, code, message) in cases {
        let response = org
            .http
            .get(org.api("/query"))
            .query(&[("q", soql)])
            .bearer_auth(&org.token)
            .send()
            .await
            .unwrap();
        let (status, body) = answer(response).await;
        assert_eq!(
            (status, body[0]["errorCode"].as_str()),
            (400, Some(code)),
            "{soql}: {body}"
        );
        if !message.is_empty() {
            assert_eq!(body[0]["message"], message);
        }
    }
}

#[tokio::test]
async fn a_batch_size_below_200_is_raised_to_200() {
    let org = Org::start().await;
    let records: Vec<Value> = (0..200)
        .map(|i| json!({"attributes": {"type": "Product2"}, "Name": format!("Bolt {i}"), "NetSuite_Item_Id__c": format!("{i}")}))
        .collect();
    let url = org.api("/composite/sobjects/Product2/NetSuite_Item_Id__c");
    assert_eq!(
        org.patch(&url, &json!({"allOrNone": true, "records": records}))
            .await
            .status(),
        200
    );
    let response = org
        .http
        .get(org.api("/query"))
        .query(&[("q", "SELECT Id FROM Product2")])
        .header("Sforce-Query-Options", "batchSize=10")
        .bearer_auth(&org.token)
        .send()
        .await
        .unwrap();
    let (_, page) = answer(response).await;
    assert_eq!(page["totalSize"], 206);
    assert_eq!(page["records"].as_array().unwrap().len(), 200);
    assert_eq!(page["done"], false);
}
