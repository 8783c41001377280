//! A local HTTP endpoint that records what alert channels post to it, and can be told to
//! answer 500 or never answer.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Instant;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Accept,
    Fail,
    Hang,
}

#[derive(Debug, Clone)]
pub struct Received {
    pub at: Instant,
    /// When it arrived, in Unix seconds: what a receiver checks `webhook-timestamp` against.
    pub unix_time: i64,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Received {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).expect("a JSON body")
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|value| value.to_str().ok())
    }
}

#[derive(Clone)]
pub struct Sink {
    pub address: SocketAddr,
    inner: Arc<Inner>,
}

struct Inner {
    mode: Mutex<Mode>,
    /// Requests answered 2xx, in order.
    accepted: Mutex<Vec<Received>>,
    /// Requests seen in any mode.
    attempts: Mutex<u64>,
}

impl Sink {
    pub async fn start(mode: Mode) -> Sink {
        let inner = Arc::new(Inner {
            mode: Mutex::new(mode),
            accepted: Mutex::new(Vec::new()),
            attempts: Mutex::new(0),
        });
        let router = axum::Router::new()
            .fallback(record)
            .with_state(inner.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
        Sink { address, inner }
    }

    /// The URL to configure, with a token in its path as Slack's have.
    pub fn url(&self) -> String {
        format!("http://{}/services/T0/B0/sink-token-5b1e", self.address)
    }

    pub fn set_mode(&self, mode: Mode) {
        *self.inner.mode.lock().unwrap() = mode;
    }

    pub fn accepted(&self) -> Vec<Received> {
        self.inner.accepted.lock().unwrap().clone()
    }

    pub fn attempts(&self) -> u64 {
        *self.inner.attempts.lock().unwrap()
    }
}

async fn record(State(inner): State<Arc<Inner>>, headers: HeaderMap, body: Bytes) -> StatusCode {
    *inner.attempts.lock().unwrap() += 1;
    let mode = *inner.mode.lock().unwrap();
    match mode {
        Mode::Accept => {
            inner.accepted.lock().unwrap().push(Received {
                at: Instant::now(),
                unix_time: chrono::Utc::now().timestamp(),
                headers,
                body,
            });
            StatusCode::OK
        }
        Mode::Fail => StatusCode::INTERNAL_SERVER_ERROR,
        Mode::Hang => std::future::pending().await,
    }
}
