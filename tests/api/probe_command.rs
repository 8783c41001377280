//! `tandem probe <url>`, the container health check: exit 0 on a 2xx answer, 1 otherwise.

use crate::helpers::{RunningBinary, binary_path, write_config};

async fn probe(url: &str) -> std::process::Output {
    tokio::process::Command::new(binary_path())
        .args(["probe", url])
        .output()
        .await
        .unwrap()
}

#[tokio::test]
async fn probe_exits_0_when_ready_and_1_on_an_error_status_or_no_answer() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path());
    let mut tandem = RunningBinary::start(&config, &[]).await;

    let ready = probe(&tandem.url("/readyz")).await;
    assert_eq!(ready.status.code(), Some(0), "{ready:?}");
    assert!(
        String::from_utf8_lossy(&ready.stdout).contains("200"),
        "{ready:?}"
    );

    let missing = probe(&tandem.url("/no-such-route")).await;
    assert_eq!(missing.status.code(), Some(1), "{missing:?}");
    assert!(
        String::from_utf8_lossy(&missing.stderr).contains("404"),
        "{missing:?}"
    );

    let url = tandem.url("/readyz");
    tandem.child.kill().await.unwrap();
    tandem.child.wait().await.unwrap();
    let gone = probe(&url).await;
    assert_eq!(gone.status.code(), Some(1), "{gone:?}");
}
