//! `tandem probe <url>`: one GET with a short timeout, for container health checks. The
//! runtime image has no curl or wget, and the binary already carries an HTTP client.

use std::process::ExitCode;
use std::time::Duration;

/// Longer than a healthy `/readyz` takes, shorter than the health check's own timeout, so a
/// hung server reads as unhealthy rather than leaving the check to be killed.
const TIMEOUT: Duration = Duration::from_secs(2);

/// GETs `url`; prints the status (or the error) and exits 0 on a 2xx answer, 1 otherwise.
pub fn run(url: &str) -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("tandem probe: {error}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(get(url)) {
        Ok(status) if status.is_success() => {
            println!("{url}: {status}");
            ExitCode::SUCCESS
        }
        Ok(status) => {
            eprintln!("{url}: {status}");
            ExitCode::FAILURE
        }
        Err(error) => {
            eprintln!("{url}: {error}");
            ExitCode::FAILURE
        }
    }
}

async fn get(url: &str) -> Result<reqwest::StatusCode, reqwest::Error> {
    let client = reqwest::Client::builder().timeout(TIMEOUT).build()?;
    Ok(client.get(url).send().await?.status())
}
