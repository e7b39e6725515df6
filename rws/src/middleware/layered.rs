//! Per-route middleware: `handler.with(middleware)`.

use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::sync::Arc;

use super::{Middleware, MiddlewareWrap, Wrap};
use crate::handler::{Endpoint, Handler};
use crate::state::Requirements;
use crate::{Request, Response};

/// Adds middleware to one handler.
///
/// ```
/// use rws::prelude::*;
/// use rws::middleware::{from_fn, HandlerExt, Next};
///
/// let admin_only = from_fn(|req: Request, next: Next| async move {
///     if req.headers().contains_key("x-admin") { next.run(req).await } else { StatusCode::FORBIDDEN.into_response() }
/// });
/// let app = App::new()
///     .get("/public", || async { "anyone" })
///     .get("/admin", (|| async { "admins" }).with(admin_only));
/// # let _ = app;
/// ```
pub trait HandlerExt<T>: Handler<T> {
    /// Runs `middleware` in front of this handler only.
    fn with<M: Middleware>(self, middleware: M) -> Layered<Self, T, M> {
        Layered {
            handler: self,
            middleware: Arc::new(middleware),
            _args: PhantomData,
        }
    }
}

impl<H: Handler<T>, T> HandlerExt<T> for H {}

/// A handler with its own middleware, from [`HandlerExt::with`].
pub struct Layered<H, T, M> {
    handler: H,
    middleware: Arc<M>,
    _args: PhantomData<fn() -> T>,
}

impl<H: Clone, T, M> Clone for Layered<H, T, M> {
    fn clone(&self) -> Self {
        Layered {
            handler: self.handler.clone(),
            middleware: Arc::clone(&self.middleware),
            _args: PhantomData,
        }
    }
}

impl<H, T, M> fmt::Debug for Layered<H, T, M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Layered").finish_non_exhaustive()
    }
}

/// Tells [`Layered`]'s `Handler` impl apart.
#[derive(Debug)]
pub struct WithMiddleware<T>(PhantomData<T>);

impl<H: Handler<T>, T: 'static, M: Middleware> Handler<WithMiddleware<T>> for Layered<H, T, M> {
    fn call(self, req: Request) -> impl Future<Output = Response> + Send + 'static {
        // Only reached when called directly; apps compose through `into_endpoint`.
        self.into_endpoint().call(req)
    }

    fn requirements(requirements: &mut Requirements) {
        H::requirements(requirements);
    }

    fn problems(&self) -> Vec<String> {
        let mut problems = self.middleware.problems();
        problems.extend(self.handler.problems());
        problems
    }

    fn layers(&self) -> super::Layers {
        let own: super::SharedWrap = Arc::new(MiddlewareWrap(Arc::clone(&self.middleware)));
        let mut layers = vec![own];
        layers.extend(self.handler.layers().0);
        super::Layers(layers)
    }

    fn into_endpoint(self) -> Endpoint
    where
        WithMiddleware<T>: 'static,
    {
        MiddlewareWrap(self.middleware).wrap(self.handler.into_endpoint())
    }
}
