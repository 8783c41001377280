//! A client that posts the ops page's forms as a browser does: logged in through the form,
//! with the session cookie and the CSRF token the pages carry.

use crate::helpers::RunningBinary;
use reqwest::header::{COOKIE, SET_COOKIE};
use serde_json::Value;

pub struct Operator {
    pub http: reqwest::Client,
    /// `name=value` of the session cookie.
    pub cookie: String,
    /// The CSRF token the session's forms carry.
    pub csrf: String,
}

impl Operator {
    /// Logs in through the form and reads the CSRF token off a page.
    pub async fn log_in(tandem: &RunningBinary, token: &str) -> Operator {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let answer = http
            .post(tandem.url("/ops/login"))
            .form(&[("token", token)])
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), reqwest::StatusCode::SEE_OTHER);
        let cookie = answer.headers()[SET_COOKIE].to_str().unwrap();
        assert!(
            cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
            "{cookie}"
        );
        let cookie = cookie.split(';').next().unwrap().to_owned();
        let page = http
            .get(tandem.url("/ops/dead-letters"))
            .header(COOKIE, &cookie)
            .send()
            .await
            .unwrap();
        let html = page.text().await.unwrap();
        let start = html.find(r#"name="csrf" value=""#).expect("a CSRF field") + 19;
        let csrf = html[start..start + html[start..].find('"').unwrap()].to_owned();
        Operator { http, cookie, csrf }
    }

    /// Posts a form with the session and its CSRF token.
    pub async fn post(
        &self,
        tandem: &RunningBinary,
        path: &str,
        fields: &[(&str, &str)],
    ) -> reqwest::Response {
        let mut form = vec![("csrf", self.csrf.as_str())];
        form.extend_from_slice(fields);
        self.http
            .post(tandem.url(path))
            .header(COOKIE, &self.cookie)
            .form(&form)
            .send()
            .await
            .unwrap()
    }

    /// A dead letter as the ops API shows it.
    pub async fn letter(&self, tandem: &RunningBinary, token: &str, id: i64) -> Value {
        let answer = self
            .http
            .get(tandem.url(&format!("/api/v1/dead-letters/{id}")))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        answer.json().await.unwrap()
    }
}
