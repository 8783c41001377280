//! TBA: a correctly signed request passes; anything a signature should cover, or a replay, fails.

use super::{Api, Tba, assert_invalid_login};
use reqwest::Method;

#[tokio::test]
async fn a_request_signed_with_tba_is_accepted() {
    let api = Api::start().await;
    let response = api.get("customer/101?fields=companyName").await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"],
        "application/vnd.oracle.resource+json; type=singular-resource"
    );
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["companyName"], "Acme Corporation");
}

#[tokio::test]
async fn a_changed_byte_in_the_path_is_refused() {
    let api = Api::start().await;
    let authorization = api.tba.sign("GET", &api.record_url("customer/101"));
    let response = api
        .http
        .get(api.record_url("customer/102"))
        .header("authorization", authorization)
        .send()
        .await
        .unwrap();
    assert_invalid_login(response).await;
}

#[tokio::test]
async fn a_changed_query_is_refused() {
    let api = Api::start().await;
    let authorization = api
        .tba
        .sign("GET", &api.record_url("customer/101?fields=email"));
    let response = api
        .http
        .get(api.record_url("customer/101?fields=phone"))
        .header("authorization", authorization)
        .send()
        .await
        .unwrap();
    assert_invalid_login(response).await;
}

#[tokio::test]
async fn a_signature_for_another_method_is_refused() {
    let api = Api::start().await;
    let authorization = api.tba.sign("GET", &api.record_url("customer/101"));
    let response = api
        .http
        .patch(api.record_url("customer/101"))
        .header("authorization", authorization)
        .json(&serde_json::json!({ "email": "x@acme.example" }))
        .send()
        .await
        .unwrap();
    assert_invalid_login(response).await;
}

#[tokio::test]
async fn a_reused_nonce_is_refused() {
    let api = Api::start().await;
    let url = api.record_url("customer/101");
    let authorization = api.tba.sign_at(
        "GET",
        &url,
        "nonce-used-twice",
        chrono::Utc::now().timestamp(),
    );
    let first = api
        .http
        .get(&url)
        .header("authorization", &authorization)
        .send()
        .await
        .unwrap();
    assert_eq!(first.status(), 200);
    let second = api
        .http
        .get(&url)
        .header("authorization", &authorization)
        .send()
        .await
        .unwrap();
    assert_invalid_login(second).await;
}

#[tokio::test]
async fn a_stale_timestamp_is_refused() {
    let api = Api::start().await;
    let url = api.record_url("customer/101");
    let six_minutes_ago = chrono::Utc::now().timestamp() - 6 * 60;
    let authorization = api.tba.sign_at("GET", &url, "fresh-nonce", six_minutes_ago);
    let response = api
        .http
        .get(&url)
        .header("authorization", authorization)
        .send()
        .await
        .unwrap();
    assert_invalid_login(response).await;
}

#[tokio::test]
async fn a_wrong_realm_is_refused() {
    let api = Api::start().await;
    let tba = Tba {
        realm: "1234567".into(),
        ..api.tba.clone()
    };
    let url = api.record_url("customer/101");
    let response = api
        .http
        .get(&url)
        .header("authorization", tba.sign("GET", &url))
        .send()
        .await
        .unwrap();
    assert_invalid_login(response).await;
}

#[tokio::test]
async fn hmac_sha1_is_refused() {
    let api = Api::start().await;
    let tba = Tba {
        method: "HMAC-SHA1",
        ..api.tba.clone()
    };
    let url = api.record_url("customer/101");
    let response = api
        .http
        .get(&url)
        .header("authorization", tba.sign("GET", &url))
        .send()
        .await
        .unwrap();
    assert_invalid_login(response).await;
}

#[tokio::test]
async fn a_wrong_token_secret_is_refused() {
    let api = Api::start().await;
    let tba = Tba {
        token_secret: "not-the-secret".into(),
        ..api.tba.clone()
    };
    let url = api.record_url("customer/101");
    let response = api
        .http
        .get(&url)
        .header("authorization", tba.sign("GET", &url))
        .send()
        .await
        .unwrap();
    assert_invalid_login(response).await;
}

#[tokio::test]
async fn requests_without_credentials_are_refused_and_counted_even_on_unknown_paths() {
    let api = Api::start().await;
    let plain = api
        .http
        .get(api.record_url("customer/101"))
        .send()
        .await
        .unwrap();
    assert_invalid_login(plain).await;
    let unknown = api
        .http
        .get(format!("{}/services/rest/query/v1/nothing", api.url))
        .send()
        .await
        .unwrap();
    assert_invalid_login(unknown).await;
    let counters = api.counters().await;
    assert_eq!(counters["auth_failures"], 2);
    assert_eq!(counters["by_status"]["401"], 2);
}

#[tokio::test]
async fn sandbox_routes_need_no_credentials() {
    let api = Api::start().await;
    let customers = api.sandbox_get("/_sandbox/records/customer").await;
    assert_eq!(customers.as_array().map(Vec::len), Some(4));
    let response = api
        .signed(Method::GET, "customer/101")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
}
