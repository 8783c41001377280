//! `Sforce-Limit-Info: api-usage=N/M`: how much of the org's daily API allowance is spent.

use reqwest::header::HeaderMap;

pub const LIMIT_INFO: &str = "sforce-limit-info";

/// `(used, limit)` from a response's `Sforce-Limit-Info`, e.g. `api-usage=18/5000`.
/// Other entries (`per-app-api-usage=17/250(appName=…)`) are skipped.
pub fn api_usage(headers: &HeaderMap) -> Option<(u64, u64)> {
    headers
        .get_all(LIMIT_INFO)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split([',', ';']))
        .find_map(|entry| {
            let (used, limit) = entry.trim().strip_prefix("api-usage=")?.split_once('/')?;
            Some((used.trim().parse().ok()?, limit.trim().parse().ok()?))
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn headers(value: &'static str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(LIMIT_INFO, HeaderValue::from_static(value));
        headers
    }

    #[test]
    fn api_usage_is_read_beside_per_app_usage() {
        assert_eq!(api_usage(&headers("api-usage=18/5000")), Some((18, 5000)));
        assert_eq!(
            api_usage(&headers(
                "per-app-api-usage=17/250(appName=sample-app); api-usage=25/5000"
            )),
            Some((25, 5000))
        );
        assert_eq!(api_usage(&headers("api-usage=lots")), None);
        assert_eq!(api_usage(&HeaderMap::new()), None);
    }
}
