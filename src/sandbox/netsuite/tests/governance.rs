//! Concurrency governance and injected faults, as a client meets them.

use super::{Api, error_detail};
use crate::sandbox::SandboxConfig;
use reqwest::Method;
use serde_json::{Value, json};
use std::sync::Arc;
use tokio::sync::Barrier;

#[tokio::test]
async fn past_the_concurrency_limit_requests_are_refused_with_429() {
    let api = Api::start_with(SandboxConfig {
        netsuite_concurrency: 2,
        ..SandboxConfig::default()
    })
    .await;
    hold_each_call_200ms(&api).await;

    let mut admitted = 0;
    let mut refused = Vec::new();
    for response in six_at_once(&api).await {
        match response.status().as_u16() {
            200 => admitted += 1,
            429 => refused.push(response),
            other => panic!("unexpected status {other}"),
        }
    }
    assert_eq!((admitted, refused.len()), (2, 4));
    let response = refused.pop().unwrap();
    assert_eq!(
        response.headers()["content-type"],
        "application/vnd.oracle.resource+json; type=error"
    );
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["status"], 429);
    assert_eq!(body["title"], "Too Many Requests");
    assert_eq!(
        body["o:errorDetails"][0]["o:errorCode"],
        "CONCURRENCY_LIMIT_EXCEEDED"
    );
    assert_eq!(
        body["o:errorDetails"][0]["detail"],
        "Concurrent request limit exceeded. Request blocked."
    );

    let counters = api.counters().await;
    assert!(counters["throttled"].as_u64().unwrap() >= 1);
    assert_eq!(counters["peak_in_flight"], 2);
    assert_eq!(counters["in_flight"], 0);
}

#[tokio::test]
async fn a_refused_login_takes_no_slot() {
    let api = Api::start_with(SandboxConfig {
        netsuite_concurrency: 1,
        ..SandboxConfig::default()
    })
    .await;
    for _ in 0..3 {
        let refused = api
            .http
            .get(api.record_url("customer/101"))
            .send()
            .await
            .unwrap();
        assert_eq!(refused.status(), 401);
    }
    let counters = api.counters().await;
    assert_eq!(
        (
            counters["throttled"].as_u64(),
            counters["peak_in_flight"].as_u64()
        ),
        (Some(0), Some(0))
    );
}

#[tokio::test]
async fn a_counted_503_fault_fails_once_then_the_call_succeeds() {
    let api = Api::start().await;
    let plan = json!({ "kind": "status", "status": 503, "count": 1 });
    let set = api
        .http
        .post(format!("{}/_sandbox/faults", api.url))
        .json(&plan)
        .send()
        .await
        .unwrap();
    assert!(set.status().is_success());
    let customer = json!({ "companyName": "Initech", "subsidiary": { "id": "1" } });

    let failed = api.send(Method::POST, "customer", &customer).await;
    assert_eq!(failed.status(), 503);
    let body: Value = failed.json().await.unwrap();
    assert_eq!(body["title"], "Service Unavailable");
    assert_eq!(body["o:errorDetails"][0]["o:errorCode"], "UNEXPECTED_ERROR");

    let retried = api.send(Method::POST, "customer", &customer).await;
    assert_eq!(retried.status(), 204);
    assert_eq!(api.counters().await["faults_injected"], 1);
    // The failed call changed nothing: only the retry created a record.
    assert_eq!(api.sandbox.netsuite.records_of("customer").len(), 5);
}

#[tokio::test]
async fn a_lock_fault_answers_record_has_been_changed() {
    let api = Api::start().await;
    let plan = json!({ "kind": "lock", "count": 1 });
    api.http
        .post(format!("{}/_sandbox/faults", api.url))
        .json(&plan)
        .send()
        .await
        .unwrap();
    let response = api
        .send(
            Method::PATCH,
            "customer/101",
            &json!({ "phone": "+1 415 555 0199" }),
        )
        .await;
    assert_eq!(response.status(), 400);
    assert_eq!(
        error_detail(response).await["o:errorCode"],
        "RCRD_HAS_BEEN_CHANGED"
    );
}

/// Every call is served 200 ms late, so concurrent ones overlap.
async fn hold_each_call_200ms(api: &Api) {
    let latency = api
        .http
        .put(format!("{}/_sandbox/latency", api.url))
        .json(&json!({ "ms": 200 }));
    assert!(latency.send().await.unwrap().status().is_success());
}

/// Six GETs released at once: their answers.
async fn six_at_once(api: &Api) -> Vec<reqwest::Response> {
    let start = Arc::new(Barrier::new(6));
    let calls: Vec<_> = (0..6)
        .map(|_| {
            let request = api.signed(Method::GET, "customer/101");
            let start = start.clone();
            tokio::spawn(async move {
                start.wait().await;
                request.send().await.unwrap()
            })
        })
        .collect();
    let mut answers = Vec::new();
    for call in calls {
        answers.push(call.await.unwrap());
    }
    answers
}

/// Six requests at once, each held 200 ms by the service latency: how many were admitted.
async fn admitted_of_six(api: &Api) -> usize {
    let mut admitted = 0;
    for response in six_at_once(api).await {
        match response.status().as_u16() {
            200 => admitted += 1,
            429 => {}
            other => panic!("unexpected status {other}"),
        }
    }
    admitted
}

#[tokio::test]
async fn the_concurrency_limit_can_drop_and_rise_while_the_account_is_in_use() {
    let api = Api::start_with(SandboxConfig {
        netsuite_concurrency: 3,
        ..SandboxConfig::default()
    })
    .await;
    let concurrency = format!("{}/_sandbox/concurrency", api.url);
    hold_each_call_200ms(&api).await;
    assert_eq!(admitted_of_six(&api).await, 3);

    // Lowered while a request holds a slot: the call answers once the lower limit holds.
    let holding = api.signed(Method::GET, "customer/101").send();
    let holding = tokio::spawn(holding);
    let lowered = api
        .http
        .put(&concurrency)
        .json(&json!({ "limit": 1 }))
        .send()
        .await
        .unwrap();
    assert_eq!(lowered.status(), 200);
    assert_eq!(holding.await.unwrap().unwrap().status(), 200);
    let shown: Value = api
        .http
        .get(&concurrency)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(shown["limit"], 1);
    assert_eq!(admitted_of_six(&api).await, 1);

    let raised = api.http.put(&concurrency).json(&json!({ "limit": 4 }));
    assert_eq!(raised.send().await.unwrap().status(), 200);
    assert_eq!(admitted_of_six(&api).await, 4);

    let refused = api.http.put(&concurrency).json(&json!({ "limit": 0 }));
    assert_eq!(refused.send().await.unwrap().status(), 400);
}
