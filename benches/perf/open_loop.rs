//! Open loop: requests leave on a fixed schedule whether or not earlier ones were answered, each
//! on an idle keep-alive connection or a new one, with at most `CONNECTIONS` open at once (as a
//! sender's HTTP client pool: a request waits for a free connection); latency counts from the
//! scheduled time, so neither a stalled server nor the wait for a connection can hide a queue.
//! Requests not answered within the time-out count as time-outs.

use crate::connection::Connection;
use crate::outcome::{Answer, Outcome};
use crate::proc_stats::CpuWindow;
use crate::requests::MakeRequest;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::Semaphore;

/// Connections the generator holds open at most: tandem's default `server.max_connections`, so
/// the overload arrives as requests, never as connections refused at accept.
pub const CONNECTIONS: usize = 512;

/// A rate held for a time.
#[derive(Debug, Clone, Copy)]
pub struct Phase {
    pub per_second: f64,
    pub length: Duration,
}

pub struct OpenLoop {
    pub address: SocketAddr,
    pub timeout: Duration,
    pub pid: Option<u32>,
}

type Idle = Arc<Mutex<Vec<Connection>>>;

impl OpenLoop {
    /// Runs the phases back to back; one outcome per phase, each request counted in the phase
    /// that scheduled it, over the phase's own length. `sent(n)` is called as request `n` leaves.
    pub async fn run(
        &self,
        make: MakeRequest,
        phases: &[Phase],
        sent: Option<Arc<dyn Fn(u64) + Send + Sync>>,
    ) -> Vec<Outcome> {
        let idle: Idle = Arc::default();
        let slots = Arc::new(Semaphore::new(CONNECTIONS));
        let mut results = Vec::new();
        let mut tasks = Vec::new();
        let mut n = 0u64;
        for phase in phases {
            let outcome = Arc::new(Mutex::new(Outcome::default()));
            let cpu = CpuWindow::start(self.pid);
            let started = Instant::now();
            let total = (phase.per_second * phase.length.as_secs_f64()) as u64;
            let mut issued = 0u64;
            while issued < total {
                let due = ((started.elapsed().as_secs_f64() * phase.per_second) as u64).min(total);
                while issued < due {
                    let scheduled =
                        started + Duration::from_secs_f64(issued as f64 / phase.per_second);
                    if let Some(sent) = &sent {
                        sent(n);
                    }
                    let request = make(n);
                    let (idle, slots, outcome, address, timeout) = (
                        idle.clone(),
                        slots.clone(),
                        outcome.clone(),
                        self.address,
                        self.timeout,
                    );
                    tasks.push(tokio::spawn(async move {
                        let answer = send(address, &idle, &slots, request, timeout).await;
                        let latency = scheduled.elapsed();
                        lock(&outcome).record(answer, latency);
                    }));
                    issued += 1;
                    n += 1;
                }
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
            results.push((outcome, cpu.finish()));
        }
        for task in tasks {
            let _ = task.await;
        }
        results
            .into_iter()
            .map(|(outcome, used)| {
                let mut outcome = std::mem::take(&mut *lock(&outcome));
                outcome.seconds = used.seconds;
                outcome.cpu = used;
                outcome
            })
            .collect()
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|poison| poison.into_inner())
}

async fn send(
    address: SocketAddr,
    idle: &Idle,
    slots: &Semaphore,
    request: hyper::Request<http_body_util::Full<bytes::Bytes>>,
    timeout: Duration,
) -> Answer {
    let exchange = async {
        let Ok(_slot) = slots.acquire().await else {
            return Answer::Failed;
        };
        let reused = lock(idle).pop();
        let mut connection = match reused {
            Some(connection) => connection,
            None => match Connection::open(address).await {
                Some(connection) => connection,
                None => return Answer::Failed,
            },
        };
        let answer = connection.send(request).await;
        if connection.usable() && !matches!(answer, Answer::Failed) {
            lock(idle).push(connection);
        }
        answer
    };
    tokio::time::timeout(timeout, exchange)
        .await
        .unwrap_or(Answer::TimedOut)
}
