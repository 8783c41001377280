//! A request body with a total deadline: past `server.body_read_timeout` after the request's
//! header, reading it fails and the request is marked for a 408.

use super::connection::Activity;
use axum::body::Bytes;
use hyper::body::{Body, Frame, Incoming, SizeHint};
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

/// The error a body read gets past its deadline (found in the source chain of the read error);
/// whatever the handler answers then, the client gets 408 `request_timeout`.
#[derive(Debug, thiserror::Error)]
#[error("the request body did not arrive within {0:?}")]
pub struct BodyTimeout(Duration);

pub(super) struct DeadlineBody {
    inner: Incoming,
    deadline: Pin<Box<tokio::time::Sleep>>,
    limit: Duration,
    /// Set when the deadline passed while the body was being read.
    expired: Arc<AtomicBool>,
    activity: Arc<Activity>,
}

impl DeadlineBody {
    pub(super) fn new(
        inner: Incoming,
        limit: Duration,
        expired: Arc<AtomicBool>,
        activity: Arc<Activity>,
    ) -> Self {
        activity.body_pending(!inner.is_end_stream());
        Self {
            inner,
            deadline: Box::pin(tokio::time::sleep(limit)),
            limit,
            expired,
            activity,
        }
    }
}

impl Body for DeadlineBody {
    type Data = Bytes;
    type Error = axum::BoxError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        let this = &mut *self;
        if this.expired.load(Ordering::Acquire) {
            return Poll::Ready(Some(Err(BodyTimeout(this.limit).into())));
        }
        match Pin::new(&mut this.inner).poll_frame(cx) {
            Poll::Ready(frame) => {
                this.activity.progressed();
                if frame.is_none() || this.inner.is_end_stream() {
                    this.activity.body_pending(false);
                }
                Poll::Ready(frame.map(|result| result.map_err(Into::into)))
            }
            Poll::Pending => match this.deadline.as_mut().poll(cx) {
                Poll::Ready(()) => {
                    this.expired.store(true, Ordering::Release);
                    Poll::Ready(Some(Err(BodyTimeout(this.limit).into())))
                }
                Poll::Pending => Poll::Pending,
            },
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}
