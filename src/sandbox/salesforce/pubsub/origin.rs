//! Where a save came from, as a change event's `changeOrigin` says it: a REST call shows
//! `com/salesforce/api/rest/<version>` and, when it sent `Sforce-Call-Options: client=<id>`,
//! `;client=<id>`; an edit in the UI (`/_sandbox/records`) shows what Lightning Experience
//! sends. Kept for the request's task, where every save of the request is captured.

use super::super::version::ApiVersion;
use axum::extract::Request;
use axum::http::HeaderMap;
use axum::middleware::Next;
use axum::response::Response;

tokio::task_local! {
    static ORIGIN: String;
}

/// What Lightning Experience edits show.
const UI_ORIGIN: &str = "com/salesforce/api/soap/67.0;client=SfdcInternalAPI/";

/// Middleware: keeps the request's change origin for the saves it makes.
pub async fn tag(request: Request, next: Next) -> Response {
    let origin = of_request(request.uri().path(), request.headers());
    ORIGIN.scope(origin, next.run(request)).await
}

/// The change origin of saves made in the current request (empty outside one).
pub fn current() -> String {
    ORIGIN.try_with(Clone::clone).unwrap_or_default()
}

fn of_request(path: &str, headers: &HeaderMap) -> String {
    if path.starts_with("/_sandbox/records") {
        return UI_ORIGIN.to_owned();
    }
    let Some(version) = ApiVersion::from_path(path) else {
        return String::new();
    };
    let api = format!(
        "com/salesforce/api/rest/{}",
        version.label().trim_start_matches('v')
    );
    match client(headers) {
        Some(client) => format!("{api};client={client}"),
        None => api,
    }
}

/// The `client` of `Sforce-Call-Options` (`client=tandem, defaultNamespace=x`).
fn client(headers: &HeaderMap) -> Option<String> {
    let options = headers.get("sforce-call-options")?.to_str().ok()?;
    options
        .split(',')
        .filter_map(|option| option.trim().strip_prefix("client="))
        .map(str::trim)
        .find(|client| !client.is_empty())
        .map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rest_call_with_a_client_shows_it_and_ui_edits_show_lightning() {
        let mut headers = HeaderMap::new();
        let path = "/services/data/v67.0/sobjects/Account/001";
        assert_eq!(of_request(path, &headers), "com/salesforce/api/rest/67.0");
        headers.insert("sforce-call-options", "client=tandem".parse().unwrap());
        assert_eq!(
            of_request(path, &headers),
            "com/salesforce/api/rest/67.0;client=tandem"
        );
        headers.insert(
            "sforce-call-options",
            "defaultNamespace=x, client=etl".parse().unwrap(),
        );
        assert_eq!(
            of_request(path, &headers),
            "com/salesforce/api/rest/67.0;client=etl"
        );
        assert_eq!(
            of_request("/_sandbox/records/Account/001", &headers),
            UI_ORIGIN
        );
        assert_eq!(of_request("/services/oauth2/token", &headers), "");
    }
}
