//! Tower layers as rws middleware, so `tower-http` layers plug in.

use std::fmt;
use std::future::poll_fn;

use bytes::Bytes;
use tower_layer::Layer;
use tower_service::Service;

use super::{Next, Wrap};
use crate::Request;
use crate::body::{Body, BoxError};
use crate::error::Error;
use crate::handler::{BoxFuture, Endpoint, Erased};
use crate::response::IntoResponse;

/// A `tower::Layer` used as rws middleware (see `App::layer`).
///
/// The layer wraps the rest of the chain, seen as a tower `Service` ([`Next`]); the service it
/// makes is built once, when the app is, and cloned per request as tower expects.
#[derive(Clone)]
pub(crate) struct TowerAdapter<L>(pub(crate) L);

impl<L> fmt::Debug for TowerAdapter<L> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TowerAdapter")
    }
}

impl<L, S, B> Wrap for TowerAdapter<L>
where
    L: Layer<Next, Service = S> + Send + Sync + 'static,
    S: Service<Request, Response = http::Response<B>> + Clone + Send + Sync + 'static,
    S::Future: Send + 'static,
    S::Error: Into<BoxError> + Send,
    B: http_body::Body<Data = Bytes> + Send + 'static,
    B::Error: Into<BoxError>,
{
    fn wrap(&self, next: Endpoint) -> Endpoint {
        Endpoint::new(TowerEndpoint {
            service: self.0.layer(Next::new(next)),
        })
    }
}

struct TowerEndpoint<S> {
    service: S,
}

impl<S, B> Erased for TowerEndpoint<S>
where
    S: Service<Request, Response = http::Response<B>> + Clone + Send + Sync + 'static,
    S::Future: Send + 'static,
    S::Error: Into<BoxError> + Send,
    B: http_body::Body<Data = Bytes> + Send + 'static,
    B::Error: Into<BoxError>,
{
    fn call(&self, req: Request) -> BoxFuture {
        let mut service = self.service.clone();
        Box::pin(async move {
            let ready = poll_fn(|cx| service.poll_ready(cx)).await;
            let result = match ready {
                Ok(()) => service.call(req),
                Err(e) => return Error::from_source(e).into_response(),
            };
            match result.await {
                Ok(res) => res.map(Body::new),
                Err(e) => Error::from_source(e).into_response(),
            }
        })
    }
}
