//! Raw-socket clients that misbehave (slow headers, stalled bodies) and the measuring helpers
//! of the tests that face tandem's port with them.

use crate::helpers::*;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::Instant;

pub const SLOW_HEADER: &[u8] = b"POST /webhooks/netsuite/events HTTP/1.1\r\nHost: tandem\r\n";
/// What a stalled body sends: a whole header announcing 4 MiB, then a few bytes of body.
pub const STALLED_BODY: &[u8] = b"POST /webhooks/netsuite/events HTTP/1.1\r\nHost: tandem\r\n\
Content-Type: application/json\r\nContent-Length: 4194304\r\n\r\n{\"object\":";
/// A stalled body whose Standard Webhooks headers are well-formed and current (the signature is
/// wrong, which only the body can show): it passes every check made before the body is read.
pub fn signed_stalled_body() -> Vec<u8> {
    let now = chrono::Utc::now().timestamp();
    format!(
        "POST /webhooks/netsuite/events HTTP/1.1\r\nHost: tandem\r\n\
         Content-Type: application/json\r\nContent-Length: 4194304\r\n\
         webhook-id: msg_stalled\r\nwebhook-timestamp: {now}\r\n\
         webhook-signature: v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\r\n\r\n{{\"object\":"
    )
    .into_bytes()
}

/// Hostile clients give up after this; a client still open then counts as never closed.
pub const GIVE_UP: Duration = Duration::from_secs(15);

/// Writes the helpers' config with `server_keys` added to `[server]`.
pub fn config_with(dir: &Path, server_keys: &str) -> PathBuf {
    let path = write_config(dir);
    let text = std::fs::read_to_string(&path).unwrap();
    let text = text.replacen("[server]\n", &format!("[server]\n{server_keys}\n"), 1);
    std::fs::write(&path, text).unwrap();
    path
}

pub fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let line = status
        .lines()
        .find(|line| line.starts_with("VmRSS:"))
        .unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

/// A client that sends `prefix` then one byte a second of a header that never ends; returns how
/// long the server kept it open, or `None` if it still was after `GIVE_UP`.
/// `connected` counts the clients past their connect attempt.
pub async fn slow_header(
    address: SocketAddr,
    prefix: &'static [u8],
    connected: Arc<AtomicUsize>,
) -> Option<Duration> {
    let started = Instant::now();
    let stream = TcpStream::connect(address).await;
    connected.fetch_add(1, Ordering::Relaxed);
    match stream {
        Ok(stream) => keep_slow(stream, prefix, started).await,
        Err(_) => Some(Duration::ZERO),
    }
}

pub async fn keep_slow(
    mut stream: TcpStream,
    prefix: &'static [u8],
    started: Instant,
) -> Option<Duration> {
    if stream.write_all(prefix).await.is_err() {
        return Some(started.elapsed());
    }
    let mut pace = tokio::time::interval(Duration::from_secs(1));
    let mut buffer = [0u8; 1024];
    while started.elapsed() < GIVE_UP {
        tokio::select! {
            read = stream.read(&mut buffer) => match read {
                Ok(0) | Err(_) => return Some(started.elapsed()),
                Ok(_) => {}
            },
            _ = pace.tick() => {
                if stream.write_all(b"X").await.is_err() {
                    return Some(started.elapsed());
                }
            }
        }
    }
    None
}

/// A client that sends `request` (a header announcing a large body, and a few bytes of it) and
/// stops; returns how long the server kept it open and what it answered.
pub async fn keep_stalled(
    mut stream: TcpStream,
    request: impl AsRef<[u8]>,
    started: Instant,
) -> (Option<Duration>, String) {
    stream.write_all(request.as_ref()).await.unwrap();
    let mut answer = Vec::new();
    match tokio::time::timeout(GIVE_UP, stream.read_to_end(&mut answer)).await {
        Ok(_) => (
            Some(started.elapsed()),
            String::from_utf8_lossy(&answer).into_owned(),
        ),
        Err(_) => (None, String::new()),
    }
}

/// Posts one valid signed event and returns how long the 202 took.
pub async fn valid_webhook(client: &reqwest::Client, url: &str, id: &str) -> Duration {
    let started = Instant::now();
    let body = netsuite_event(id, "2026-11-27T10:00:00Z");
    let response = post_signed_to(client, url, NETSUITE_SECRET, id, &body)
        .await
        .unwrap();
    assert_eq!(response.status(), 202, "valid webhook {id}");
    started.elapsed()
}

pub fn percentile(sorted: &[Duration], p: usize) -> Duration {
    sorted[(sorted.len() - 1) * p / 100]
}

pub fn millis(duration: Duration) -> u128 {
    duration.as_millis()
}

/// The soft and hard descriptor limits of process `pid`, from `/proc/<pid>/limits`.
pub fn descriptor_limits(pid: u32) -> (String, String) {
    let limits = std::fs::read_to_string(format!("/proc/{pid}/limits")).unwrap();
    let line = limits
        .lines()
        .find(|line| line.starts_with("Max open files"))
        .unwrap();
    let mut values = line["Max open files".len()..].split_whitespace();
    let soft = values.next().unwrap().to_owned();
    let hard = values.next().unwrap().to_owned();
    (soft, hard)
}

/// Sets the descriptor limit of process `pid` with `prlimit` (util-linux).
pub fn set_descriptor_limit(pid: u32, soft: &str, hard: &str) {
    let status = std::process::Command::new("prlimit")
        .args([
            "--pid",
            &pid.to_string(),
            &format!("--nofile={soft}:{hard}"),
        ])
        .status()
        .expect("prlimit (util-linux) is installed");
    assert!(
        status.success(),
        "prlimit --pid {pid} --nofile={soft}:{hard}"
    );
}

/// Raises this test process's own soft descriptor limit to its hard one: the flood tests hold
/// thousands of client sockets, more than a default soft limit of 1,024.
pub fn raise_own_descriptor_limit() {
    let pid = std::process::id();
    let (_, hard) = descriptor_limits(pid);
    set_descriptor_limit(pid, &hard, &hard);
    let (soft, _) = descriptor_limits(pid);
    assert!(
        soft == "unlimited" || soft.parse::<u64>().is_ok_and(|n| n >= 8192),
        "the tests need at least 8192 descriptors; the hard limit is {hard}"
    );
}
