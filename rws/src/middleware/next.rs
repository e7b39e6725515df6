//! `Next`: the rest of the middleware chain.

use std::convert::Infallible;
use std::future::Future;
use std::task::{Context, Poll};

use crate::handler::{BoxFuture, Endpoint};
use crate::{Request, Response};

/// The rest of the chain after a middleware: further middleware, then the handler.
#[derive(Debug, Clone)]
pub struct Next {
    endpoint: Endpoint,
}

impl Next {
    pub(crate) fn new(endpoint: Endpoint) -> Self {
        Next { endpoint }
    }

    /// Passes `req` on and resolves to the response.
    pub fn run(self, req: Request) -> impl Future<Output = Response> + Send + 'static {
        self.endpoint.call(req)
    }
}

/// `Next` is a tower `Service`, so tower layers can wrap it.
impl tower_service::Service<Request> for Next {
    type Response = Response;
    type Error = Infallible;
    type Future = NextFuture;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: Request) -> NextFuture {
        NextFuture(self.endpoint.call(req))
    }
}

/// The future of [`Next`] as a tower `Service`.
pub struct NextFuture(BoxFuture);

impl std::fmt::Debug for NextFuture {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NextFuture")
    }
}

impl Future for NextFuture {
    type Output = Result<Response, Infallible>;

    fn poll(mut self: std::pin::Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.0.as_mut().poll(cx).map(Ok)
    }
}
