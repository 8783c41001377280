//! The demo's report: what each system holds now, and what tandem did with every event.

use super::script::{Demo, Played, text};
use crate::store::Store;
use serde_json::Value;
use std::collections::BTreeMap;
use std::fmt::Write;

/// Fixed-width columns, headers underlined.
fn table(headers: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let line = |cells: Vec<String>| {
        let padded: Vec<String> = cells
            .iter()
            .zip(&widths)
            .map(|(cell, width)| format!("{cell}{}", " ".repeat(width - cell.chars().count())))
            .collect();
        format!("  {}\n", padded.join("  ").trim_end())
    };
    let mut out = line(headers.iter().map(|h| h.to_string()).collect());
    out.push_str(&line(widths.iter().map(|w| "─".repeat(*w)).collect()));
    for row in rows {
        out.push_str(&line(row.clone()));
    }
    out
}

fn money(value: &Value) -> String {
    value
        .as_f64()
        .map(|n| format!("{n:.2}"))
        .unwrap_or_else(|| text_of(value))
}

fn text_of(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        Value::Null => "—".into(),
        other => other.to_string(),
    }
}

pub async fn render(demo: &Demo, played: &Played, store: &dyn Store) -> anyhow::Result<String> {
    let mut out = String::new();
    writeln!(out, "tandem demo: Salesforce and NetSuite, kept in sync\n")?;
    writeln!(out, "What happened")?;
    writeln!(
        out,
        "  1. A sales rep moved \"Acme — 50 widgets\" to Closed Won in Salesforce."
    )?;
    writeln!(
        out,
        "  2. Billing invoiced sales order {} in NetSuite.",
        played.order_id
    )?;
    writeln!(
        out,
        "  3. The warehouse sent {} quantity changes over 5 items; tandem wrote them in {} Salesforce API call(s).\n",
        played.burst_events, played.burst_salesforce_calls
    )?;

    let opportunities = demo.records(&demo.salesforce_url, "Opportunity").await?;
    let rows: Vec<Vec<String>> = opportunities
        .iter()
        .filter(|o| o["Id"] == played.opportunity_id.as_str())
        .map(|o| {
            vec![
                text(o, "Name"),
                text(o, "StageName"),
                format!(
                    "{} (id {})",
                    text(o, "NetSuite_Sales_Order_Number__c"),
                    text(o, "NetSuite_Sales_Order_Id__c")
                ),
                text(o, "Invoice_Number__c"),
                text(o, "Invoice_Due_Date__c"),
                money(&o["Amount_Remaining__c"]),
                text(o, "Payment_Status__c"),
            ]
        })
        .collect();
    writeln!(out, "Salesforce · Opportunity")?;
    out.push_str(&table(
        &[
            "Name",
            "Stage",
            "Sales order",
            "Invoice",
            "Due",
            "Remaining",
            "Payment",
        ],
        &rows,
    ));

    let products = demo.records(&demo.salesforce_url, "Product2").await?;
    let rows: Vec<Vec<String>> = products
        .iter()
        .map(|p| {
            vec![
                text(p, "ProductCode"),
                text(p, "Name"),
                text(p, "NetSuite_Item_Id__c"),
                text_of(&p["Quantity_Available__c"]),
            ]
        })
        .collect();
    writeln!(out, "\nSalesforce · Products")?;
    out.push_str(&table(
        &["Code", "Name", "NetSuite item", "Available"],
        &rows,
    ));

    let orders = demo.records(&demo.netsuite_url, "salesOrder").await?;
    let rows: Vec<Vec<String>> = orders
        .iter()
        .map(|o| {
            let lines = o["item"]["items"].as_array().map(Vec::len).unwrap_or(0);
            vec![
                text(o, "id"),
                text(o, "tranId"),
                text_of(&o["entity"]["id"]),
                text(o, "externalId"),
                lines.to_string(),
                money(&o["total"]),
            ]
        })
        .collect();
    writeln!(out, "\nNetSuite · Sales orders")?;
    out.push_str(&table(
        &[
            "Id",
            "Number",
            "Customer",
            "External id (opportunity)",
            "Lines",
            "Total",
        ],
        &rows,
    ));

    let invoices = demo.records(&demo.netsuite_url, "invoice").await?;
    let rows: Vec<Vec<String>> = invoices
        .iter()
        .map(|i| {
            vec![
                text(i, "tranId"),
                text_of(&i["createdFrom"]["id"]),
                text(i, "dueDate"),
                money(&i["amountRemaining"]),
                text(i, "status"),
            ]
        })
        .collect();
    writeln!(out, "\nNetSuite · Invoices")?;
    out.push_str(&table(
        &["Number", "Sales order", "Due", "Remaining", "Status"],
        &rows,
    ));

    let history = store.recent_history(10_000).await?;
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for entry in &history {
        *counts.entry(entry.action.as_str()).or_default() += 1;
    }
    writeln!(out, "\nEvents tandem handled")?;
    let rows: Vec<Vec<String>> = counts
        .iter()
        .map(|(action, n)| vec![action.replace('_', " "), n.to_string()])
        .collect();
    out.push_str(&table(&["Outcome", "Events"], &rows));

    let echoes: Vec<Vec<String>> = history
        .iter()
        .rev()
        .filter(|entry| entry.action == "echo_dropped")
        .map(|entry| vec![entry.record_key.clone(), entry.detail.clone()])
        .collect();
    writeln!(
        out,
        "\nEchoes dropped (tandem's own writes coming back; never written again)"
    )?;
    out.push_str(&table(&["Record", "Why"], &echoes));
    Ok(out)
}

#[cfg(test)]
mod tests {
    #[test]
    fn tables_align_columns_under_their_headers() {
        let rendered = super::table(&["A", "Longer"], &[vec!["wide cell".into(), "x".into()]]);
        let lines: Vec<&str> = rendered.lines().collect();
        assert_eq!(lines[0], "  A          Longer");
        assert_eq!(lines[2], "  wide cell  x");
    }
}
