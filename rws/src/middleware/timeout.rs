//! A deadline for the response of one route or app (`crate::deadline`'s rule): 503 when the
//! handler is slow, 408 when the client is.

use std::time::Duration;

use super::{Middleware, Next};
use crate::{Request, Response};

/// Answers 503 when the response has not started within the duration, and drops the handler's
/// future (so its work stops at its next `.await`). When the handler was still reading a request
/// body the client had not finished sending, the client is the slow side: the answer is 408
/// with `Connection: close` instead. The server's `request_timeout` follows the same rule.
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

impl Middleware for TimeoutLayer {
    async fn handle(&self, mut req: Request, next: Next) -> Response {
        let progress = req.body_mut().watch();
        crate::deadline::within(self.duration, progress, next.run(req)).await
    }
}
