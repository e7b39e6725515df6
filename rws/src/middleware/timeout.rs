//! A deadline for the response: 503 when the handler is slow, 408 when the client is.

use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http::StatusCode;
use http_body::{Body as _, Frame, SizeHint};

use super::{Middleware, Next};
use crate::response::IntoResponse;
use crate::{Body, BoxError, Error, Request, Response};

/// Answers 503 when the response has not started within the duration, and drops the handler's
/// future (so its work stops at its next `.await`). When the handler was still waiting for the
/// request body, the client is the slow side and the answer is 408 instead.
///
/// Per route with `.with(TimeoutLayer::new(…))`, for an app with `App::wrap`; the server's
/// `request_timeout` is the same rule for every request.
///
/// ```
/// use std::time::Duration;
/// use rws::prelude::*;
/// use rws::middleware::TimeoutLayer;
///
/// let app = App::new()
///     .get("/report", (|| async { "…" }).with(TimeoutLayer::new(Duration::from_secs(30))))
///     .wrap(TimeoutLayer::new(Duration::from_secs(5)));
/// # let _ = app;
/// ```
#[derive(Debug, Clone, Copy)]
pub struct TimeoutLayer {
    duration: Duration,
}

impl TimeoutLayer {
    /// A deadline of `duration` from the request's arrival at this layer.
    pub fn new(duration: Duration) -> Self {
        TimeoutLayer { duration }
    }
}

const UNTOUCHED: u8 = 0;
const READING: u8 = 1;
const DONE: u8 = 2;

impl Middleware for TimeoutLayer {
    async fn handle(&self, mut req: Request, next: Next) -> Response {
        let body = Arc::new(AtomicU8::new(DONE));
        if !req.body().is_end_stream() {
            body.store(UNTOUCHED, Ordering::Relaxed);
            let inner = std::mem::take(req.body_mut());
            *req.body_mut() = Body::new(Watched {
                inner,
                state: Arc::clone(&body),
            });
        }
        match tokio::time::timeout(self.duration, next.run(req)).await {
            Ok(res) => res,
            Err(_) if body.load(Ordering::Relaxed) == READING => {
                Error::new(StatusCode::REQUEST_TIMEOUT)
                    .with_detail("the request body did not arrive in time")
                    .into_response()
            }
            Err(_) => Error::service_unavailable(format!(
                "the handler did not answer within {:?}",
                self.duration
            ))
            .into_response(),
        }
    }
}

/// A request body telling whether it is being read and whether it has ended.
struct Watched {
    inner: Body,
    state: Arc<AtomicU8>,
}

impl http_body::Body for Watched {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        let polled = Pin::new(&mut self.inner).poll_frame(cx);
        let state = match &polled {
            Poll::Ready(None | Some(Err(_))) => DONE,
            _ if self.inner.is_end_stream() => DONE,
            _ => READING,
        };
        self.state.store(state, Ordering::Relaxed);
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}
