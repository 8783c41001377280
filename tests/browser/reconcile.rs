//! The overview's reconciliation section in a real browser: with `[reconcile]` on, the table
//! shows each reconciled flow's last window and how many linked records the runs compared, and
//! it refreshes by itself as runs finish.

use crate::chrome::{Browser, poll};
use crate::stack::Stack;

#[tokio::test]
async fn the_overview_shows_what_the_last_reconciliation_run_compared() {
    let stack = Stack::start_with(
        "[reconcile]\nenabled = true\ninterval = \"300ms\"\nsettle_time = \"0s\"\n\
         overlap = \"0s\"\nfirst_window = \"1h\"\nflows = [\"customer_to_account\"]\n",
    )
    .await;
    let browser = Browser::start().await;
    browser.goto(&stack.url("/ops")).await;
    stack.log_in(&browser).await;

    let row = r#"#reconcile-runs tr[data-flow="customer_to_account"]"#;
    browser.wait_for_text(row, "customer_to_account").await;
    // The first window covers the seeded customers, two of them linked to accounts; the runs
    // after it read short windows, and the totals keep counting.
    let compared: u64 = poll("the runs' comparisons on the page", || async {
        let cell = browser
            .text_now(&format!("{row} td.compared-total"))
            .await?;
        cell.trim().parse().ok().filter(|n| *n >= 2)
    })
    .await;
    assert!(compared >= 2);
    let runs: u64 = poll("a second run on the page", || async {
        let cell = browser.text_now(&format!("{row} td.runs")).await?;
        cell.trim().parse().ok().filter(|n| *n >= 2)
    })
    .await;
    assert!(runs >= 2, "the page refreshed by itself");
    let window = poll("the run's window on the page", || async {
        browser.text_now(&format!("{row} td:nth-child(2)")).await
    })
    .await;
    assert!(window.ends_with("UTC") && window.contains('–'), "{window}");
    browser.screenshot("ops-reconciliation.png").await;
}
