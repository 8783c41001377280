//! One HTTP/1.1 keep-alive connection of the load generator: hyper's client connection over a
//! TCP stream, the response body read to the end so that the connection can be reused.

use crate::outcome::Answer;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::Request;
use hyper::client::conn::http1::SendRequest;
use hyper_util::rt::TokioIo;
use std::net::SocketAddr;

pub struct Connection {
    sender: SendRequest<Full<Bytes>>,
}

impl Connection {
    pub async fn open(address: SocketAddr) -> Option<Connection> {
        let stream = tokio::net::TcpStream::connect(address).await.ok()?;
        let _ = stream.set_nodelay(true);
        let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .ok()?;
        tokio::spawn(connection);
        Some(Connection { sender })
    }

    /// Sends one request and reads the whole answer; `None` status when the exchange failed
    /// (the connection is then unusable).
    pub async fn send(&mut self, request: Request<Full<Bytes>>) -> Answer {
        if self.sender.ready().await.is_err() {
            return Answer::Failed;
        }
        let Ok(response) = self.sender.send_request(request).await else {
            return Answer::Failed;
        };
        let status = response.status().as_u16();
        match response.into_body().collect().await {
            Ok(_) => Answer::Status(status),
            Err(_) => Answer::Failed,
        }
    }

    /// Whether another request may go on this connection.
    pub fn usable(&self) -> bool {
        !self.sender.is_closed()
    }
}
