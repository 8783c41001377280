//! The stack's floor: the same HTTP server and AMQP client tandem is built on (hyper through
//! axum, lapin with publisher confirms) doing nothing but relay each request body to a quorum
//! queue and answer 202 after its confirm. No signature check, no parsing, no dedupe, no
//! metrics. It runs as a child process (this bench binary again, asked by an environment
//! variable), so its CPU is read from /proc exactly as tandem's is. Whatever tandem spends
//! above this row is its own; what this row spends, any server on this stack spends.

use crate::raw_lapin;
use crate::tandem_process::free_port;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use lapin::options::BasicPublishOptions;
use lapin::{BasicProperties, Channel, Confirmation};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

/// Set on the child: `<port> <queue> <amqp url>`.
const ASK: &str = "TANDEM_BENCH_RELAY_FLOOR";
/// Confirm channels the relay publishes on, as tandem's publisher pool.
const CHANNELS: usize = 4;

/// The relay, running as a child process.
pub struct RelayFloor {
    child: Child,
    pub base_url: String,
}

impl RelayFloor {
    /// Starts the child and waits until it answers.
    pub async fn start(amqp: &str, queue: &str) -> RelayFloor {
        let port = free_port();
        let child = Command::new(std::env::current_exe().expect("the bench binary"))
            .env(ASK, format!("{port} {queue} {amqp}"))
            .stdout(Stdio::null())
            .spawn()
            .expect("the relay floor starts");
        let floor = RelayFloor {
            child,
            base_url: format!("http://127.0.0.1:{port}"),
        };
        let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
        while tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_err()
        {
            assert!(
                tokio::time::Instant::now() < deadline,
                "the relay floor did not listen within 30 s"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        floor
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn stop(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// In the child: serves until killed. Returns without doing anything in the parent.
pub fn serve_if_asked() {
    let Ok(asked) = std::env::var(ASK) else {
        return;
    };
    let mut parts = asked.splitn(3, ' ');
    let (Some(port), Some(queue), Some(amqp)) = (parts.next(), parts.next(), parts.next()) else {
        panic!("{ASK} must be `<port> <queue> <amqp url>`");
    };
    let port: u16 = port.parse().expect("a port");
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    runtime.block_on(serve(port, queue.to_owned(), amqp.to_owned()));
    std::process::exit(0);
}

struct Relay {
    channels: Arc<Vec<Channel>>,
    next: AtomicUsize,
    queue: String,
}

async fn serve(port: u16, queue: String, amqp: String) {
    let connection = raw_lapin::connect(&amqp).await;
    let channels = raw_lapin::confirm_channels(&connection, CHANNELS).await;
    raw_lapin::declare(&channels[0], &queue).await;
    let relay = Arc::new(Relay {
        channels,
        next: AtomicUsize::new(0),
        queue,
    });
    let router = axum::Router::new()
        .route("/webhooks/netsuite/events", axum::routing::post(relay_one))
        .with_state(relay);
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .expect("the relay's port");
    axum::serve(listener, router)
        .await
        .expect("the relay serves");
}

async fn relay_one(State(relay): State<Arc<Relay>>, body: Bytes) -> (StatusCode, &'static str) {
    let channel = &relay.channels[relay.next.fetch_add(1, Ordering::Relaxed) % CHANNELS];
    let options = BasicPublishOptions {
        mandatory: true,
        immediate: false,
    };
    let properties = BasicProperties::default().with_delivery_mode(2);
    let confirmed = match channel
        .basic_publish(
            "".into(),
            relay.queue.as_str().into(),
            options,
            &body,
            properties,
        )
        .await
    {
        Ok(confirm) => matches!(confirm.await, Ok(Confirmation::Ack(None))),
        Err(_) => false,
    };
    if confirmed {
        (StatusCode::ACCEPTED, r#"{"accepted":1}"#)
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            r#"{"error":"unavailable"}"#,
        )
    }
}
