//! One tandem instance: the real binary started on port 0 with a scenario's config, its JSON log
//! lines kept for waiting on and for the report, readiness probes, and `kill -9`.

use serde_json::Value;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::Notify;
use tokio::time::Instant;

/// Log lines seen so far, and a wake-up for each new one.
#[derive(Clone, Default)]
struct Logs {
    lines: Arc<Mutex<Vec<Value>>>,
    added: Arc<Notify>,
    closed: Arc<std::sync::atomic::AtomicBool>,
}

impl Logs {
    fn lines(&self) -> std::sync::MutexGuard<'_, Vec<Value>> {
        self.lines.lock().unwrap_or_else(|p| p.into_inner())
    }
}

fn message(line: &Value) -> &str {
    line["message"].as_str().unwrap_or_default()
}

pub struct Instance {
    pub name: String,
    child: tokio::process::Child,
    pub address: SocketAddr,
    logs: Logs,
}

impl Instance {
    /// Starts `tandem serve --config <path>` and waits until it listens.
    pub async fn start(name: &str, config: &Path) -> Instance {
        let mut instance = Instance::start_unchecked(name, config);
        let listening = instance
            .wait_for_log("tandem is listening", Duration::from_secs(30))
            .await;
        instance.address = listening["address"]
            .as_str()
            .and_then(|a| a.parse().ok())
            .expect("the listening line names the address");
        instance
    }

    /// Starts the binary without waiting for anything (it may be meant to fail).
    pub fn start_unchecked(name: &str, config: &Path) -> Instance {
        use tokio::io::AsyncBufReadExt;
        let binary = PathBuf::from(env!("CARGO_BIN_EXE_tandem"));
        let mut child = tokio::process::Command::new(binary)
            .arg("serve")
            .arg("--config")
            .arg(config)
            .env("TANDEM_SERVER__LOG_FORMAT", "json")
            .env_remove("RUST_LOG")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("the tandem binary starts");
        let stderr = child.stderr.take().expect("stderr is piped");
        let logs = Logs::default();
        let sink = logs.clone();
        tokio::spawn(async move {
            let mut reader = tokio::io::BufReader::new(stderr).lines();
            while let Ok(Some(line)) = reader.next_line().await {
                let value = serde_json::from_str(&line)
                    .unwrap_or_else(|_| serde_json::json!({ "message": line }));
                sink.lines().push(value);
                sink.added.notify_waiters();
            }
            sink.closed.store(true, std::sync::atomic::Ordering::SeqCst);
            sink.added.notify_waiters();
        });
        Instance {
            name: name.to_owned(),
            child,
            address: SocketAddr::from(([127, 0, 0, 1], 0)),
            logs,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.address)
    }

    /// The first log line whose message contains `text`, waiting up to `within` for it.
    pub async fn wait_for_log(&self, text: &str, within: Duration) -> Value {
        let deadline = Instant::now() + within;
        loop {
            let added = self.logs.added.notified();
            tokio::pin!(added);
            added.as_mut().enable();
            if let Some(line) = self.logs.lines().iter().find(|l| message(l).contains(text)) {
                return line.clone();
            }
            assert!(
                !self.logs.closed.load(std::sync::atomic::Ordering::SeqCst),
                "tandem {} exited before logging {text:?}:\n{}",
                self.name,
                self.tail(30)
            );
            if tokio::time::timeout_at(deadline, added).await.is_err() {
                panic!(
                    "tandem {} logged no {text:?} within {within:?}:\n{}",
                    self.name,
                    self.tail(30)
                );
            }
        }
    }

    /// How many log lines so far contain `text`.
    pub fn count_logs(&self, text: &str) -> usize {
        self.logs
            .lines()
            .iter()
            .filter(|l| message(l).contains(text))
            .count()
    }

    /// Every log line whose message contains `text`, for failure messages.
    pub fn lines_with(&self, text: &str) -> Vec<String> {
        self.logs
            .lines()
            .iter()
            .filter(|l| message(l).contains(text))
            .map(Value::to_string)
            .collect()
    }

    /// The last `n` log lines, for failure messages.
    pub fn tail(&self, n: usize) -> String {
        let lines = self.logs.lines();
        let skip = lines.len().saturating_sub(n);
        lines[skip..]
            .iter()
            .map(Value::to_string)
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// The sum of the samples of metric `name` whose labels contain `matching` (0 when it has
    /// none yet); `None` when the instance does not answer.
    pub async fn metric(
        &self,
        client: &reqwest::Client,
        name: &str,
        matching: &str,
    ) -> Option<f64> {
        let text = client
            .get(self.url("/metrics"))
            .send()
            .await
            .ok()?
            .text()
            .await
            .ok()?;
        let sum = text
            .lines()
            .filter(|line| {
                line.strip_prefix(name)
                    .is_some_and(|rest| rest.starts_with(['{', ' ']))
                    && line.contains(matching)
            })
            .filter_map(|line| line.rsplit_once(' ')?.1.parse::<f64>().ok())
            .fold(0.0, |sum, sample| sum + sample);
        Some(sum)
    }

    /// `kill -9`: no shutdown, no acknowledgements, no goodbye to the broker.
    pub async fn kill(&mut self) {
        self.child.kill().await.expect("SIGKILL the instance");
    }

    /// Waits (up to `within`) for the process to exit on its own; its exit status.
    pub async fn exited(&mut self, within: Duration) -> std::process::ExitStatus {
        tokio::time::timeout(within, self.child.wait())
            .await
            .unwrap_or_else(|_| panic!("tandem {} still runs after {within:?}", self.name))
            .expect("wait for the instance")
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        // Gone before the test deletes its broker objects, or it would declare them again.
        let _ = self.child.start_kill();
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        while matches!(self.child.try_wait(), Ok(None)) && std::time::Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

/// `GET /readyz` on `url`'s instance: its status, `None` when it does not answer.
pub async fn readyz(client: &reqwest::Client, url: &str) -> Option<u16> {
    let response = client.get(url).send().await.ok()?;
    Some(response.status().as_u16())
}

/// Polls `/readyz` until it answers `status`, failing after `within`; the time it took.
pub async fn wait_for_readyz(
    client: &reqwest::Client,
    instance: &Instance,
    status: u16,
    within: Duration,
) -> Duration {
    let started = Instant::now();
    let url = instance.url("/readyz");
    loop {
        let seen = readyz(client, &url).await;
        if seen == Some(status) {
            return started.elapsed();
        }
        assert!(
            started.elapsed() < within,
            "{} readyz answered {seen:?}, not {status}, for {within:?}:\n{}",
            instance.name,
            instance.tail(20)
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// When a `/readyz` answer came, and its status (`None`: no answer).
pub type Sample = (Instant, Option<u16>);

/// `/readyz` sampled every 100 ms in the background, with when each answer came.
pub struct ReadySampler {
    samples: Arc<Mutex<Vec<Sample>>>,
    stop: tokio_util::sync::CancellationToken,
    task: tokio::task::JoinHandle<()>,
}

impl ReadySampler {
    pub fn start(client: reqwest::Client, url: String) -> ReadySampler {
        let samples = Arc::new(Mutex::new(Vec::new()));
        let stop = tokio_util::sync::CancellationToken::new();
        let (into, until) = (samples.clone(), stop.clone());
        let task = tokio::spawn(async move {
            while !until.is_cancelled() {
                let status = readyz(&client, &url).await;
                into.lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .push((Instant::now(), status));
                tokio::select! {
                    _ = until.cancelled() => {}
                    _ = tokio::time::sleep(Duration::from_millis(100)) => {}
                }
            }
        });
        ReadySampler {
            samples,
            stop,
            task,
        }
    }

    fn snapshot(&self) -> Vec<Sample> {
        self.samples
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// When the first answer `status` came at or after `after`, waiting up to `within`.
    pub async fn first(&self, status: u16, after: Instant, within: Duration) -> Instant {
        let deadline = Instant::now() + within;
        loop {
            if let Some((at, _)) = self
                .snapshot()
                .into_iter()
                .find(|(at, seen)| *at >= after && *seen == Some(status))
            {
                return at;
            }
            assert!(
                Instant::now() < deadline,
                "readyz did not answer {status} within {within:?}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub async fn finish(self) -> Vec<Sample> {
        self.stop.cancel();
        let samples = self.samples.clone();
        let _ = self.task.await;
        samples.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }
}
