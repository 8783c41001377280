//! Against the real binary: requests with invented HTTP methods, which any client can send
//! without a secret, add no metric series (they all count as `method="other"`).

use crate::helpers::*;
use reqwest::Method;

/// The series `/metrics` exposes (sample lines, comments left out).
async fn series(client: &reqwest::Client, tandem: &RunningBinary) -> Vec<String> {
    let text = tandem.metrics(client).await;
    text.lines()
        .filter(|line| !line.starts_with('#') && !line.is_empty())
        .filter_map(|line| line.rsplit_once(' ').map(|(name, _)| name.to_owned()))
        .collect()
}

#[tokio::test]
async fn five_thousand_invented_methods_add_no_metric_series() {
    let dir = tempfile::tempdir().unwrap();
    let tandem = RunningBinary::start(&write_config(dir.path()), &[]).await;
    let client = reqwest::Client::new();
    let invent = |n: usize| Method::from_bytes(format!("X{n}INVENTED").as_bytes()).unwrap();
    // The first invented method makes the `other` series; none after it may add one.
    for path in ["/healthz", "/no/such/route"] {
        let answer = client
            .request(invent(0), tandem.url(path))
            .send()
            .await
            .unwrap();
        assert!(answer.status().is_client_error(), "{}", answer.status());
    }
    series(&client, &tandem).await; // the scrape's own series exist from here on
    let before = series(&client, &tandem).await;
    for n in 1..=5_000 {
        let path = if n % 2 == 0 {
            "/healthz"
        } else {
            "/no/such/route"
        };
        client
            .request(invent(n), tandem.url(path))
            .send()
            .await
            .unwrap();
    }
    let after = series(&client, &tandem).await;
    let new: Vec<&String> = after.iter().filter(|name| !before.contains(name)).collect();
    println!(
        "{} series before and {} after 5,000 invented methods",
        before.len(),
        after.len()
    );
    assert!(new.is_empty(), "new series: {new:?}");
    assert!(
        after.iter().all(|name| !name.contains("INVENTED")),
        "an invented method became a label"
    );
    assert!(after.iter().any(|name| name.contains("method=\"other\"")));
}
