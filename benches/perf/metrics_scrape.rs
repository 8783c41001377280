//! tandem's own count of settled events, read from its Prometheus `/metrics`.

use std::collections::BTreeMap;

/// `tandem_events_processed_total` summed by `outcome` (`written`, `echo`, `retry`, …).
pub async fn processed(http: &reqwest::Client, base_url: &str) -> BTreeMap<String, f64> {
    let Ok(response) = http.get(format!("{base_url}/metrics")).send().await else {
        return BTreeMap::new();
    };
    let text = response.text().await.unwrap_or_default();
    let mut by_outcome = BTreeMap::new();
    for line in text
        .lines()
        .filter(|l| l.starts_with("tandem_events_processed_total{"))
    {
        let Some((labels, value)) = line.rsplit_once(' ') else {
            continue;
        };
        let outcome = labels
            .split("outcome=\"")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .unwrap_or("unknown");
        *by_outcome.entry(outcome.to_owned()).or_default() += value.parse::<f64>().unwrap_or(0.0);
    }
    by_outcome
}

/// Events settled for good (every outcome but `retry`).
pub fn settled(by_outcome: &BTreeMap<String, f64>) -> f64 {
    by_outcome
        .iter()
        .filter(|(outcome, _)| outcome.as_str() != "retry")
        .map(|(_, n)| n)
        .sum()
}
