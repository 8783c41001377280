//! The shell of every ops page: one inline style sheet, the navigation with the log-out form,
//! a notice line, and the security headers that keep the page to itself (no external assets:
//! it works air-gapped).

use super::guard::Viewer;
use super::{CONFLICTS, DEAD_LETTERS, LOGOUT, PAGE, RECORDS, csrf, live};
use axum::http::{HeaderValue, header};
use axum::response::{Html, IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use maud::{DOCTYPE, Markup, PreEscaped, html};
use sha2::{Digest, Sha256};
use std::sync::LazyLock;

const STYLE: &str = "\
:root{--fg:#1d2430;--muted:#5b6573;--line:#d8dde4;--bg:#f6f7f9;--ok:#1f7a3a;--warn:#a35a00;--bad:#b3261e;--accent:#2457c5}\
*{box-sizing:border-box}body{margin:0;font:14px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;color:var(--fg);background:var(--bg)}\
header{display:flex;align-items:center;gap:1.5rem;padding:.6rem 1.2rem;background:#1d2430;color:#fff}\
header b{font-size:1.05rem;letter-spacing:.02em}header nav{display:flex;gap:1rem;flex:1}\
header a{color:#cfd8ea;text-decoration:none}header a:hover{color:#fff}\
header form{margin:0}header button{background:transparent;color:#cfd8ea;border:1px solid #56607a}\
main{padding:1rem 1.2rem;max-width:1400px}h1{font-size:1.3rem;margin:.2rem 0 .8rem}h2{font-size:1.05rem;margin:1.2rem 0 .5rem}\
section{background:#fff;border:1px solid var(--line);border-radius:6px;padding:.8rem 1rem;margin-bottom:1rem}\
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:.35rem .5rem;border-bottom:1px solid var(--line);vertical-align:top}\
th{font-weight:600;color:var(--muted);font-size:.85rem}td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}\
tr:last-child td{border-bottom:0}td.when{white-space:nowrap}a{color:var(--accent)}\
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(260px,1fr));gap:1rem}\
.kv{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem}.kv dt{color:var(--muted)}.kv dd{margin:0;font-variant-numeric:tabular-nums}\
.muted{color:var(--muted)}.ok{color:var(--ok)}.warn{color:var(--warn)}.bad{color:var(--bad)}\
.notice{background:#e8f1ff;border:1px solid #b6ccf5;padding:.5rem .8rem;border-radius:6px;margin-bottom:1rem}\
.error{background:#fdecea;border:1px solid #f3b8b2;padding:.5rem .8rem;border-radius:6px;margin-bottom:1rem}\
pre{background:#f1f3f6;padding:.6rem;border-radius:4px;overflow:auto;max-height:24rem;margin:.3rem 0}\
textarea{width:100%;min-height:12rem;font:13px/1.4 ui-monospace,monospace}\
input,select,button,textarea{font:inherit}input,select{padding:.25rem .4rem;border:1px solid var(--line);border-radius:4px}\
button{padding:.25rem .7rem;border-radius:4px;border:1px solid var(--accent);background:var(--accent);color:#fff;cursor:pointer}\
button.quiet{background:#fff;color:var(--accent)}button.danger{background:#fff;color:var(--bad);border-color:var(--bad)}\
form.inline{display:inline;margin:0}.filters{display:flex;flex-wrap:wrap;gap:.6rem;align-items:end}\
.filters label{display:flex;flex-direction:column;font-size:.8rem;color:var(--muted)}\
.actions{display:flex;gap:.5rem;flex-wrap:wrap;align-items:center;margin:.5rem 0}\
.login{max-width:26rem;margin:4rem auto}.login input{width:100%;margin:.4rem 0 .8rem}\
#live-status{font-size:.8rem;color:var(--muted)}";

/// The `Content-Security-Policy`: only this page's own style sheet and script (by hash),
/// requests to itself, forms to itself, never framed.
static POLICY: LazyLock<HeaderValue> = LazyLock::new(|| {
    let hash = |text: &str| STANDARD.encode(Sha256::digest(text.as_bytes()));
    let policy = format!(
        "default-src 'none'; style-src 'sha256-{}'; script-src 'sha256-{}'; connect-src 'self'; \
         img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        hash(STYLE),
        hash(live::SCRIPT),
    );
    HeaderValue::from_str(&policy).expect("the policy is ASCII")
});

/// Adds the headers every ops page carries.
pub async fn security_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_SECURITY_POLICY, POLICY.clone());
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    response
}

fn head(title: &str) -> Markup {
    html! {
        head {
            meta charset="utf-8";
            meta name="viewport" content="width=device-width, initial-scale=1";
            title { (title) " · tandem ops" }
            style { (PreEscaped(STYLE)) }
        }
    }
}

/// The hidden field every form of a page carries.
pub fn csrf_field(viewer: &Viewer) -> Markup {
    html! { input type="hidden" name=(csrf::FIELD) value=(viewer.csrf); }
}

/// A page behind the log-in, with the navigation and an optional notice.
pub fn page(title: &str, viewer: &Viewer, notice: Option<&str>, body: Markup) -> Response {
    let markup = html! {
        (DOCTYPE)
        html lang="en" {
            (head(title))
            body {
                header {
                    b { "tandem ops" }
                    nav {
                        a href=(PAGE) { "Overview" }
                        a href=(DEAD_LETTERS) { "Dead letters" }
                        a href=(CONFLICTS) { "Conflicts" }
                        a href=(RECORDS) { "Records" }
                    }
                    form method="post" action=(LOGOUT) {
                        (csrf_field(viewer))
                        button type="submit" id="logout" { "Log out" }
                    }
                }
                main {
                    @if let Some(notice) = notice {
                        p.notice id="notice" { (notice) }
                    }
                    (body)
                }
            }
        }
    };
    Html(markup.into_string()).into_response()
}

/// A page without navigation: the log-in form and refusals.
pub fn bare_page(title: &str, body: Markup) -> Html<String> {
    let markup = html! {
        (DOCTYPE)
        html lang="en" {
            (head(title))
            body { main.login { h1 { "tandem ops" } (body) } }
        }
    };
    Html(markup.into_string())
}

/// A refusal or a failure, as a page.
pub fn bare(title: &str, message: &str) -> Html<String> {
    bare_page(
        title,
        html! {
            p.error id="error" { (message) }
            p { a href=(PAGE) { "Back to the ops page" } }
        },
    )
}

/// The `notice` query parameter a redirect after an action carries.
pub fn notice(query: &[(String, String)]) -> Option<&str> {
    query
        .iter()
        .find(|(key, _)| key == "notice")
        .map(|(_, value)| value.as_str())
}

/// `path?notice=…`: where an action sends the browser afterwards (303 See Other).
pub fn after_action(path: &str, notice: &str) -> Response {
    let query = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("notice", notice)
        .finish();
    axum::response::Redirect::to(&format!("{path}?{query}")).into_response()
}

/// Milliseconds since the epoch as `2026-12-03 09:41:07Z`.
pub fn time(at: chrono::DateTime<chrono::Utc>) -> String {
    at.format("%Y-%m-%d %H:%M:%SZ").to_string()
}

/// How long ago, roughly: `42 s`, `7 min`, `3 h`, `2 d`.
pub fn age(at: chrono::DateTime<chrono::Utc>) -> String {
    let ms = (chrono::Utc::now() - at).num_milliseconds().max(0);
    duration(u64::try_from(ms).unwrap_or_default())
}

/// A span of milliseconds, roughly: `42 s`, `7 min`, `3 h`, `2 d`.
pub fn duration(ms: u64) -> String {
    let seconds = ms / 1000;
    match seconds {
        0..60 => format!("{seconds} s"),
        60..3600 => format!("{} min", seconds / 60),
        3600..86_400 => format!("{} h", seconds / 3600),
        _ => format!("{} d", seconds / 86_400),
    }
}

/// A query string's pairs, decoded.
pub fn query_pairs(query: Option<&str>) -> Vec<(String, String)> {
    url::form_urlencoded::parse(query.unwrap_or_default().as_bytes())
        .into_owned()
        .collect()
}
