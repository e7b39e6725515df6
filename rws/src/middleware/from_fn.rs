//! `from_fn`: a middleware from an async closure.

use std::fmt;
use std::future::Future;

use super::{Middleware, Next};
use crate::response::IntoResponse;
use crate::{Request, Response};

/// Makes a middleware of `f(req, next)`.
///
/// ```
/// use rws::prelude::*;
/// use rws::middleware::{from_fn, Next};
///
/// let deny_all = from_fn(|_req: Request, _next: Next| async { StatusCode::FORBIDDEN });
/// # let _ = App::new().wrap(deny_all);
/// ```
pub fn from_fn<F, Fut, R>(f: F) -> FromFnLayer<F>
where
    F: Fn(Request, Next) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = R> + Send,
    R: IntoResponse,
{
    FromFnLayer { f }
}

/// The middleware [`from_fn`] returns.
#[derive(Clone, Copy)]
pub struct FromFnLayer<F> {
    f: F,
}

impl<F> fmt::Debug for FromFnLayer<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FromFnLayer").finish_non_exhaustive()
    }
}

impl<F, Fut, R> Middleware for FromFnLayer<F>
where
    F: Fn(Request, Next) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = R> + Send,
    R: IntoResponse,
{
    fn handle(&self, req: Request, next: Next) -> impl Future<Output = Response> + Send {
        let fut = (self.f)(req, next);
        async move { fut.await.into_response() }
    }
}
