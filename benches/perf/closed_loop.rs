//! Closed loop: exactly N keep-alive connections, each sending its next request as soon as the
//! previous one is answered. Requests sent during the warm-up are not counted.

use crate::connection::Connection;
use crate::outcome::{Answer, Outcome};
use crate::proc_stats::CpuWindow;
use crate::requests::MakeRequest;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

pub struct ClosedLoop {
    pub address: SocketAddr,
    pub connections: usize,
    pub warm_up: Duration,
    pub measure: Duration,
    /// tandem's pid, whose CPU is measured over the window.
    pub pid: Option<u32>,
}

impl ClosedLoop {
    pub async fn run(&self, make: MakeRequest) -> Outcome {
        let started = Instant::now();
        let window_start = started + self.warm_up;
        let window_end = window_start + self.measure;
        let sequence = Arc::new(AtomicU64::new(0));
        let mut loops = Vec::with_capacity(self.connections);
        for _ in 0..self.connections {
            let (make, sequence, address) = (make.clone(), sequence.clone(), self.address);
            loops.push(tokio::spawn(async move {
                one_connection(address, make, sequence, window_start, window_end).await
            }));
        }
        tokio::time::sleep_until(window_start.into()).await;
        let cpu = CpuWindow::start(self.pid);
        tokio::time::sleep_until(window_end.into()).await;
        let used = cpu.finish();
        let mut outcome = Outcome::default();
        for handle in loops {
            if let Ok(one) = handle.await {
                outcome.merge(one);
            }
        }
        outcome.seconds = used.seconds;
        outcome.cpu = used;
        outcome
    }
}

async fn one_connection(
    address: SocketAddr,
    make: MakeRequest,
    sequence: Arc<AtomicU64>,
    window_start: Instant,
    window_end: Instant,
) -> Outcome {
    let mut outcome = Outcome::default();
    let mut connection = None;
    while Instant::now() < window_end {
        let sent = Instant::now();
        let answer = match connection.as_mut() {
            Some(open) => open_send(open, &make, &sequence).await,
            None => match Connection::open(address).await {
                Some(open) => {
                    connection = Some(open);
                    continue;
                }
                None => Answer::Failed,
            },
        };
        if sent >= window_start && sent < window_end {
            outcome.record(answer, sent.elapsed());
        }
        if matches!(answer, Answer::Failed) || !connection.as_ref().is_some_and(Connection::usable)
        {
            connection = None;
        }
    }
    outcome
}

async fn open_send(
    connection: &mut Connection,
    make: &MakeRequest,
    sequence: &AtomicU64,
) -> Answer {
    let request = make(sequence.fetch_add(1, Ordering::Relaxed));
    connection.send(request).await
}

/// Sends requests `0..count` over `connections` keep-alive connections, each as soon as the
/// previous one on its connection was answered; no warm-up, every answer counted.
pub async fn send_count(
    address: SocketAddr,
    make: MakeRequest,
    count: u64,
    connections: usize,
) -> Outcome {
    let sequence = Arc::new(AtomicU64::new(0));
    let cpu = CpuWindow::start(None);
    let mut loops = Vec::new();
    for _ in 0..connections {
        let (make, sequence) = (make.clone(), sequence.clone());
        loops.push(tokio::spawn(async move {
            let mut outcome = Outcome::default();
            let mut connection: Option<Connection> = None;
            loop {
                let n = sequence.fetch_add(1, Ordering::Relaxed);
                if n >= count {
                    return outcome;
                }
                if connection.as_ref().is_none_or(|c| !c.usable()) {
                    connection = Connection::open(address).await;
                }
                let sent = Instant::now();
                let answer = match connection.as_mut() {
                    Some(open) => open.send(make(n)).await,
                    None => Answer::Failed,
                };
                outcome.record(answer, sent.elapsed());
            }
        }));
    }
    let mut outcome = Outcome::default();
    for handle in loops {
        if let Ok(one) = handle.await {
            outcome.merge(one);
        }
    }
    let used = cpu.finish();
    outcome.seconds = used.seconds;
    outcome.cpu = used;
    outcome
}
