//! What the ops page refuses, against the real binary: a cookie-authenticated POST without the
//! session's CSRF token (nothing is done), a wrong admin token at the log-in, the page on the
//! webhook-only port, and the page without a configured admin token.

use crate::forms::Operator;
use crate::helpers::{RunningBinary, write_config};
use reqwest::StatusCode;
use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};
use serde_json::Value;

const TOKEN: &str = "refusals-admin-token-81d2";

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

async fn start(env: &[(&str, &str)]) -> (RunningBinary, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path());
    (RunningBinary::start(&config, env).await, dir)
}

async fn paused(http: &reqwest::Client, tandem: &RunningBinary, flow: &str) -> bool {
    let flows: Value = http
        .get(tandem.url("/api/v1/flows"))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let flows = flows["flows"].as_array().unwrap();
    let flow = flows.iter().find(|f| f["flow"] == flow).unwrap();
    flow["paused"].as_bool().unwrap()
}

#[tokio::test]
async fn a_post_with_the_session_cookie_but_without_its_csrf_token_is_refused_and_does_nothing() {
    let (tandem, _dir) = start(&[("TANDEM_SERVER__ADMIN_TOKEN", TOKEN)]).await;
    let http = client();
    let Operator { cookie, csrf, .. } = Operator::log_in(&tandem, TOKEN).await;
    let pause = tandem.url("/ops/flows/account_to_customer/pause");

    let forms: [&[(&str, &str)]; 3] = [&[], &[("csrf", "")], &[("csrf", "forged-by-another-site")]];
    for form in forms {
        let refused = http
            .post(&pause)
            .header(COOKIE, &cookie)
            .form(form)
            .send()
            .await
            .unwrap();
        assert_eq!(refused.status(), StatusCode::FORBIDDEN, "{form:?}");
        let page = refused.text().await.unwrap();
        assert!(
            page.contains("CSRF token") && page.contains("nothing was done"),
            "{page}"
        );
    }
    let discard = http
        .post(tandem.url("/ops/dead-letters/42/discard"))
        .header(COOKIE, &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(
        discard.status(),
        StatusCode::FORBIDDEN,
        "refused before the letter is looked up"
    );
    let logout = http
        .post(tandem.url("/ops/logout"))
        .header(COOKIE, &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(logout.status(), StatusCode::FORBIDDEN);
    assert!(
        !paused(&http, &tandem, "account_to_customer").await,
        "nothing was paused"
    );

    let without_session = http
        .post(&pause)
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(without_session.status(), StatusCode::UNAUTHORIZED);
    assert!(!paused(&http, &tandem, "account_to_customer").await);

    let accepted = http
        .post(&pause)
        .header(COOKIE, &cookie)
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(accepted.status(), StatusCode::SEE_OTHER);
    assert!(
        paused(&http, &tandem, "account_to_customer").await,
        "the session's own token works"
    );
}

#[tokio::test]
async fn a_wrong_admin_token_gets_the_log_in_form_again_with_401_and_no_session() {
    let (tandem, _dir) = start(&[("TANDEM_SERVER__ADMIN_TOKEN", TOKEN)]).await;
    let http = client();
    let first = http
        .get(tandem.url("/ops/dead-letters"))
        .send()
        .await
        .unwrap();
    assert_eq!(first.status(), StatusCode::SEE_OTHER);
    assert_eq!(first.headers()[LOCATION], "/ops/login");
    let refused = http
        .post(tandem.url("/ops/login"))
        .form(&[("token", "refusals-admin-token-81d3")])
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
    assert!(refused.headers().get(SET_COOKIE).is_none());
    let page = refused.text().await.unwrap();
    assert!(
        page.contains("not the admin token") && page.contains(r#"name="token""#),
        "{page}"
    );
    let forged = http
        .get(tandem.url("/ops"))
        .header(COOKIE, "tandem_ops_session=99999999999.forged")
        .send()
        .await
        .unwrap();
    assert_eq!(
        forged.status(),
        StatusCode::SEE_OTHER,
        "a forged cookie is no session"
    );
}

#[tokio::test]
async fn ten_wrong_tokens_in_a_minute_close_the_log_in_with_429_even_for_the_right_one() {
    let (tandem, _dir) = start(&[("TANDEM_SERVER__ADMIN_TOKEN", TOKEN)]).await;
    let http = client();
    let log_in = |token: &'static str| {
        http.post(tandem.url("/ops/login"))
            .form(&[("token", token)])
            .send()
    };
    for _ in 0..10 {
        assert_eq!(
            log_in("a-guess").await.unwrap().status(),
            StatusCode::UNAUTHORIZED
        );
    }
    let closed = log_in(TOKEN).await.unwrap();
    assert_eq!(closed.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(closed.headers().get(SET_COOKIE).is_none());
    let retry_after: u64 = closed.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry_after), "{retry_after}");
    assert!(
        closed
            .text()
            .await
            .unwrap()
            .contains("Too many wrong tokens")
    );
}

#[tokio::test]
async fn the_ops_page_is_not_on_the_webhook_port_and_is_off_without_an_admin_token() {
    let (mut split, _dir) = start(&[
        ("TANDEM_SERVER__ADMIN_TOKEN", TOKEN),
        ("TANDEM_SERVER__ADMIN_LISTEN", "127.0.0.1:0"),
    ])
    .await;
    let admin = split.admin_address().await;
    let http = client();
    for path in ["/ops", "/ops/login", "/ops/dead-letters", "/ops/records"] {
        let public = http.get(split.url(path)).send().await.unwrap();
        assert_eq!(
            public.status(),
            StatusCode::NOT_FOUND,
            "{path} on the webhook port"
        );
    }
    let login = http
        .post(split.url("/ops/login"))
        .form(&[("token", TOKEN)])
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), StatusCode::NOT_FOUND);
    let internal = http
        .get(format!("http://{admin}/ops"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        internal.status(),
        StatusCode::SEE_OTHER,
        "served on the admin port"
    );

    let (off, _dir) = start(&[]).await;
    for (method, path) in [
        ("GET", "/ops"),
        ("GET", "/ops/login"),
        ("POST", "/ops/login"),
        ("GET", "/ops/conflicts"),
    ] {
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let answer = http.request(method, off.url(path)).send().await.unwrap();
        assert_eq!(answer.status(), StatusCode::FORBIDDEN, "{path}");
        let page = answer.text().await.unwrap();
        assert!(page.contains("server.admin_token"), "{path}: {page}");
    }
}

#[tokio::test]
async fn every_page_and_action_but_the_log_in_needs_a_session() {
    let (tandem, _dir) = start(&[("TANDEM_SERVER__ADMIN_TOKEN", TOKEN)]).await;
    let http = client();
    for (method, template) in tandem::http::OPS_PAGE_ROUTES {
        if template.ends_with("/login") {
            continue;
        }
        let path = template
            .replace("{flow}", "account_to_customer")
            .replace("{id}", "1");
        let method = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
        let answer = http
            .request(method.clone(), tandem.url(&path))
            .send()
            .await
            .unwrap();
        if method == reqwest::Method::GET {
            assert_eq!(answer.status(), StatusCode::SEE_OTHER, "GET {path}");
            assert_eq!(answer.headers()[LOCATION], "/ops/login", "GET {path}");
        } else {
            assert_eq!(answer.status(), StatusCode::UNAUTHORIZED, "{method} {path}");
        }
    }
    assert!(!paused(&http, &tandem, "account_to_customer").await);
}
