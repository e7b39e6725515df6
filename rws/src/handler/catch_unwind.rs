//! A panic in a handler becomes a 500 for that request, logged with the route.

use std::any::Any;
use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use crate::Response;
use crate::error::Error;
use crate::response::IntoResponse;

pin_project_lite::pin_project! {
    /// Polls `inner`, turning a panic into a 500.
    pub(crate) struct CatchUnwind<F> {
        #[pin]
        inner: F,
        route: Option<Arc<str>>,
        done: bool,
    }
}

impl<F> CatchUnwind<F> {
    pub(crate) fn new(inner: F, route: Option<Arc<str>>) -> Self {
        CatchUnwind {
            inner,
            route,
            done: false,
        }
    }
}

/// The message of a panic payload, when it has one.
pub(crate) fn panic_message(payload: &(dyn Any + Send)) -> &str {
    payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("Box<dyn Any>")
}

impl<F: Future<Output = Response>> Future for CatchUnwind<F> {
    type Output = Response;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Response> {
        let this = self.project();
        if *this.done {
            // A poisoned future is never polled again.
            return Poll::Ready(
                Error::new(http::StatusCode::INTERNAL_SERVER_ERROR).into_response(),
            );
        }
        let inner = this.inner;
        match catch_unwind(AssertUnwindSafe(|| inner.poll(cx))) {
            Ok(poll) => poll,
            Err(payload) => {
                *this.done = true;
                let route = this.route.as_deref().unwrap_or("<no route>");
                tracing::error!(route, panic = panic_message(&*payload), "handler panicked");
                Poll::Ready(Error::internal("handler panicked").into_response())
            }
        }
    }
}
