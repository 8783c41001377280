//! The real release binary as a child process: a config file written here, a free port, ready
//! when `/readyz` answers 200; stopped with SIGTERM.

use crate::proc_stats;
use crate::requests::{OUTBOUND_TOKEN, SECRET, SOAP_ORG_ID};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The queue tandem runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Rabbitmq,
    Embedded,
}

impl Backend {
    /// The backends a section measures: both, or those named in `TANDEM_BENCH_BACKENDS`
    /// (`rabbitmq`, `embedded`, comma-separated).
    pub fn chosen() -> Vec<Backend> {
        let all = [Backend::Rabbitmq, Backend::Embedded];
        match std::env::var("TANDEM_BENCH_BACKENDS") {
            Ok(names) => all
                .into_iter()
                .filter(|backend| names.split(',').any(|name| name.trim() == backend.name()))
                .collect(),
            Err(_) => all.to_vec(),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Backend::Rabbitmq => "rabbitmq",
            Backend::Embedded => "embedded",
        }
    }
}

/// Where the emulated APIs listen, for a tandem that syncs (workers on).
#[derive(Debug, Clone)]
pub struct SandboxUrls {
    pub salesforce: String,
    pub netsuite: String,
}

/// One tandem configuration; `dir` holds the config, the SQLite files and the log, and is
/// kept between starts so that a restart sees the same queue and store.
pub struct Spec<'a> {
    pub backend: Backend,
    pub amqp_url: &'a str,
    pub prefix: &'a str,
    pub dir: &'a Path,
    pub sandbox: Option<&'a SandboxUrls>,
}

pub struct Tandem {
    child: Child,
    pub base_url: String,
}

pub fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    listener.local_addr().expect("its address").port()
}

fn config_text(spec: &Spec, port: u16) -> String {
    let dir = spec.dir.display();
    let mapping = Path::new(env!("CARGO_MANIFEST_DIR")).join("mapping.toml");
    let amqp = match spec.backend {
        Backend::Rabbitmq => format!("amqp_url = \"{}\"\n", spec.amqp_url),
        Backend::Embedded => String::new(),
    };
    let (salesforce, netsuite) = spec.sandbox.map(sandbox_keys).unwrap_or_default();
    format!(
        r#"[server]
listen = "127.0.0.1:{port}"
log_level = "warn"

[queue]
backend = "{backend}"
{amqp}path = "{dir}/queue.db"
prefix = "{prefix}"

[store]
url = "sqlite://{dir}/store.db"

[salesforce]
organization_id = "{SOAP_ORG_ID}"
outbound_message_token = "{OUTBOUND_TOKEN}"
webhook_secrets = ["{SECRET}"]
{salesforce}
[netsuite]
webhook_secrets = ["{SECRET}"]
{netsuite}
[sync]
mapping = "{mapping}"
"#,
        backend = spec.backend.name(),
        prefix = spec.prefix,
        mapping = mapping.display(),
    )
}

/// The `[salesforce]` and `[netsuite]` keys that point tandem at the sandbox with its default
/// credentials (what `tandem::sandbox::tandem_config::configure` sets in-process).
fn sandbox_keys(sandbox: &SandboxUrls) -> (String, String) {
    let c = tandem::sandbox::SandboxCredentials::default();
    let salesforce = format!(
        "instance_url = \"{}\"\nclient_id = \"{}\"\nclient_secret = \"{}\"\nintegration_user_id = \"{}\"\n",
        sandbox.salesforce,
        c.salesforce_client_id,
        c.salesforce_client_secret,
        c.salesforce_integration_user_id,
    );
    let netsuite = format!(
        "account_id = \"{}\"\nbase_url = \"{}\"\nconsumer_key = \"{}\"\nconsumer_secret = \"{}\"\ntoken_id = \"{}\"\ntoken_secret = \"{}\"\nintegration_role = \"{}\"\n",
        c.netsuite_account_id,
        sandbox.netsuite,
        c.netsuite_consumer_key,
        c.netsuite_consumer_secret,
        c.netsuite_token_id,
        c.netsuite_token_secret,
        c.netsuite_integration_role,
    );
    (salesforce, netsuite)
}

impl Tandem {
    /// Writes the config and starts `tandem serve`; returns once `/readyz` answers 200.
    pub async fn start(spec: &Spec<'_>) -> Tandem {
        let port = free_port();
        let config: PathBuf = spec.dir.join("tandem.toml");
        std::fs::write(&config, config_text(spec, port)).expect("the config file");
        let log = std::fs::File::create(spec.dir.join("tandem.log")).expect("the log file");
        let child = Command::new(env!("CARGO_BIN_EXE_tandem"))
            .args(["serve", "--config"])
            .arg(&config)
            .current_dir(spec.dir)
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("tandem starts");
        let mut tandem = Tandem {
            child,
            base_url: format!("http://127.0.0.1:{port}"),
        };
        tandem.wait_ready(spec.dir).await;
        tandem
    }

    async fn wait_ready(&mut self, dir: &Path) {
        let http = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(180);
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!(
                    "tandem exited with {status} before it was ready; see {}",
                    dir.join("tandem.log").display()
                );
            }
            let ready = http
                .get(format!("{}/readyz", self.base_url))
                .timeout(Duration::from_secs(2))
                .send()
                .await;
            if matches!(ready, Ok(r) if r.status().is_success()) {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "tandem not ready within 180 s (a busy broker declares 64 quorum queues slowly)"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Resident memory now and at its peak, KiB.
    pub fn memory_kib(&self) -> (u64, u64) {
        proc_stats::memory_kib(self.pid())
    }

    /// SIGTERM, then waits (up to 60 s, then SIGKILL); returns the peak RSS in KiB.
    pub async fn stop(mut self) -> u64 {
        let (_, peak) = self.memory_kib();
        // SAFETY: kill on our own child's pid.
        unsafe {
            libc::kill(self.child.id() as libc::pid_t, libc::SIGTERM);
        }
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return peak;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        peak
    }
}

impl Drop for Tandem {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}
