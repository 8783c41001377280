//! `tandem demo` on a fresh checkout: the real binary, no servers, no credentials.

use crate::helpers::binary_path;

#[test]
fn tandem_demo_exits_0_and_reports_what_each_system_holds() {
    let output = std::process::Command::new(binary_path())
        .arg("demo")
        .env_remove("RUST_LOG")
        .output()
        .expect("the binary runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "exit {:?}\n{stdout}\n{stderr}",
        output.status
    );
    for expected in [
        "Salesforce · Opportunity",
        "Closed Won",
        "NetSuite · Sales orders",
        "NetSuite · Invoices",
        "Echoes dropped",
        "tandem's own write",
    ] {
        assert!(
            stdout.contains(expected),
            "{expected:?} missing from:\n{stdout}"
        );
    }
    // The invoice reached the opportunity, and the burst cost a handful of calls.
    assert!(
        stdout.contains("Open") || stdout.contains("Paid"),
        "{stdout}"
    );
    let calls: u64 = stdout
        .split("tandem wrote them in ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .expect("the report states the call count");
    assert!(calls <= 5, "{calls} calls for the burst");
}
