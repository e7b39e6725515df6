//! Type erasure: a handler (or a middleware around one) as an `Arc<dyn Erased>`.

use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::sync::Arc;

use super::{CatchUnwind, Handler};
use crate::context::RequestContext;
use crate::{Request, Response};

/// The one boxed future a request costs.
pub(crate) type BoxFuture = Pin<Box<dyn Future<Output = Response> + Send + 'static>>;

/// Something that answers requests: a handler, or a middleware in front of the next endpoint.
pub(crate) trait Erased: Send + Sync + 'static {
    fn call(&self, req: Request) -> BoxFuture;
}

/// An erased, cheaply cloned request handler: what routes and middleware chains are made of.
#[derive(Clone)]
pub struct Endpoint(pub(crate) Arc<dyn Erased>);

impl fmt::Debug for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Endpoint")
    }
}

impl Endpoint {
    pub(crate) fn new(erased: impl Erased) -> Self {
        Endpoint(Arc::new(erased))
    }

    pub(crate) fn from_handler<H: Handler<T>, T: 'static>(handler: H) -> Self {
        Endpoint::new(HandlerEndpoint {
            handler,
            _args: PhantomData::<fn() -> T>,
        })
    }

    pub(crate) fn call(&self, req: Request) -> BoxFuture {
        self.0.call(req)
    }
}

struct HandlerEndpoint<H, T> {
    handler: H,
    _args: PhantomData<fn() -> T>,
}

impl<H: Handler<T>, T: 'static> Erased for HandlerEndpoint<H, T> {
    fn call(&self, req: Request) -> BoxFuture {
        // The matched pattern rides along only to name the route if the handler panics.
        let route = req
            .extensions()
            .get::<RequestContext>()
            .and_then(|ctx| ctx.route.as_ref())
            .map(|route| Arc::clone(&route.pattern));
        Box::pin(CatchUnwind::new(self.handler.clone().call(req), route))
    }
}
