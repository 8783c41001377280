//! `tandem sandbox` as users run it: the real binary prints where both APIs listen and serves them.

use crate::sandbox_binary::SandboxBinary;

#[tokio::test]
async fn tandem_sandbox_prints_both_urls_and_serves_both_apis() {
    let sandbox = SandboxBinary::start(&[]).await;
    let (salesforce, netsuite) = (&sandbox.salesforce, &sandbox.netsuite);
    let http = reqwest::Client::new();
    let versions = http
        .get(format!("{}/services/data/", salesforce))
        .send()
        .await
        .unwrap();
    assert_eq!(versions.status(), 200);
    // Salesforce takes a trailing slash: the route is found, so the missing session is what
    // is refused (an unknown resource would be 404 whatever the session).
    let slashed = http
        .post(format!(
            "{}/services/data/v67.0/sobjects/Account/",
            salesforce
        ))
        .json(&serde_json::json!({"Name": "Slash"}))
        .send()
        .await
        .unwrap();
    assert_eq!(slashed.status(), 401);
    let unsigned = http
        .get(format!("{}/services/rest/record/v1/customer/101", netsuite))
        .send()
        .await
        .unwrap();
    assert_eq!(
        unsigned.status(),
        401,
        "NetSuite refuses an unsigned request"
    );
    let body: serde_json::Value = unsigned.json().await.unwrap();
    assert_eq!(body["o:errorDetails"][0]["o:errorCode"], "INVALID_LOGIN");
}
