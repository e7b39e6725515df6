//! The request deadline: one rule for the server's `request_timeout` (HTTP/1.1, HTTP/2 and
//! HTTP/3) and for `TimeoutLayer`.
//!
//! When a request has no response by its deadline, its handler's future is dropped (its work
//! stops at its next `.await`) and the request is answered in its place: 408 when the handler
//! was reading a body the client had not finished sending (the client is the slow side, and the
//! connection closes, since the rest of the body is unread), 503 otherwise (the handler is).

use std::future::{Future, poll_fn};
use std::pin::{Pin, pin};
use std::sync::Arc;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use http::StatusCode;
use http::header::{CONNECTION, HeaderValue};

use crate::body::Progress;
use crate::error::Error;
use crate::response::{IntoResponse, Response};

pin_project_lite::pin_project! {
    /// A request's deadline, polled beside its response future.
    pub(crate) struct Deadline {
        // Armed on the first poll that finds the response not ready: most responses are, and
        // they need no timer (nor the clock read that starting one costs).
        #[pin]
        sleep: Option<tokio::time::Sleep>,
        limit: Option<Duration>,
        // How far the request body has been read; `None` for a request without one.
        progress: Option<Arc<Progress>>,
    }
}

impl Deadline {
    /// A deadline `limit` after the first poll (none: never), for a request whose body reports
    /// to `progress`.
    pub(crate) fn new(limit: Option<Duration>, progress: Option<Arc<Progress>>) -> Self {
        Deadline {
            sleep: None,
            limit,
            progress,
        }
    }

    /// To be polled while the response is not ready: the answer in its place once the deadline
    /// has passed.
    pub(crate) fn poll_expired(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Response> {
        let mut this = self.project();
        if this.sleep.is_none() {
            let Some(limit) = *this.limit else {
                return Poll::Pending;
            };
            this.sleep.set(Some(tokio::time::sleep(limit)));
        }
        let Some(sleep) = this.sleep.as_pin_mut() else {
            return Poll::Pending;
        };
        ready!(sleep.poll(cx));
        let client_slow = this.progress.as_ref().is_some_and(|p| p.client_is_slow());
        Poll::Ready(expired(this.limit.unwrap_or_default(), client_slow))
    }
}

/// `response` within `limit`, or the deadline's answer.
pub(crate) async fn within<F>(limit: Duration, progress: Arc<Progress>, response: F) -> Response
where
    F: Future<Output = Response>,
{
    let mut response = pin!(response);
    let mut deadline = pin!(Deadline::new(Some(limit), Some(progress)));
    poll_fn(|cx| match response.as_mut().poll(cx) {
        Poll::Ready(res) => Poll::Ready(res),
        Poll::Pending => deadline.as_mut().poll_expired(cx),
    })
    .await
}

/// The answer to a request that had none by its deadline.
fn expired(limit: Duration, client_slow: bool) -> Response {
    let status = if client_slow {
        StatusCode::REQUEST_TIMEOUT
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    tracing::warn!(status = status.as_u16(), ?limit, "request timed out");
    if client_slow {
        Error::new(status)
            .with_detail(format!("the request body did not arrive within {limit:?}"))
            .with_header(CONNECTION, HeaderValue::from_static("close"))
            .into_response()
    } else {
        Error::new(status)
            .with_detail(format!("the request was not answered within {limit:?}"))
            .into_response()
    }
}
