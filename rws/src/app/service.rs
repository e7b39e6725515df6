//! `AppService`: the built app as a hyper and tower `Service`. The server and `TestClient` both
//! call [`AppService::dispatch`]; there is one dispatch path.

use std::convert::Infallible;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker, ready};

use bytes::Bytes;
use http::{Method, Version};

use crate::body::{Body, BoxError};
use crate::connection::ConnectionInfo;
use crate::context::RequestContext;
use crate::handler::{BoxFuture, CatchUnwind, Endpoint};
use crate::response::{bodiless, set_content_length};
use crate::state::StateMap;
use crate::{Request, Response};

pub(crate) struct Shared {
    pub(crate) chain: Endpoint,
    pub(crate) state: Arc<StateMap>,
    pub(crate) body_limit: usize,
}

/// A built [`App`](crate::App): cheap to clone, callable as a `hyper` or `tower` `Service` for
/// any request body type.
#[derive(Clone)]
pub struct AppService {
    shared: Source,
    connection: Option<Arc<ConnectionInfo>>,
}

/// Where a service finds its app: fixed, or swapped in place by a reload (each request takes
/// the app current when it starts, and keeps it to the end).
#[derive(Clone)]
enum Source {
    Fixed(Arc<Shared>),
    Swappable(Arc<arc_swap::ArcSwap<Shared>>),
}

/// Replaces the app a running server serves: requests that start afterwards get the new one,
/// those in flight finish on the old (see [`Server::on_reload`](crate::server::Server::on_reload)).
#[derive(Clone)]
pub(crate) struct AppSwap(Arc<arc_swap::ArcSwap<Shared>>);

impl AppSwap {
    pub(crate) fn replace(&self, with: &AppService) {
        match &with.shared {
            Source::Fixed(shared) => self.0.store(Arc::clone(shared)),
            Source::Swappable(other) => self.0.store(other.load_full()),
        }
    }
}

impl fmt::Debug for AppService {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AppService")
            .field("state", &self.current().state)
            .field("connection", &self.connection)
            .finish_non_exhaustive()
    }
}

impl AppService {
    pub(crate) fn new(shared: Shared) -> Self {
        AppService {
            shared: Source::Fixed(Arc::new(shared)),
            connection: None,
        }
    }

    /// This service made swappable, and the handle that swaps it.
    pub(crate) fn swappable(self) -> (Self, AppSwap) {
        let slot = match self.shared {
            Source::Fixed(shared) => Arc::new(arc_swap::ArcSwap::new(shared)),
            Source::Swappable(slot) => slot,
        };
        let service = AppService {
            shared: Source::Swappable(Arc::clone(&slot)),
            connection: self.connection,
        };
        (service, AppSwap(slot))
    }

    fn current(&self) -> Arc<Shared> {
        match &self.shared {
            Source::Fixed(shared) => Arc::clone(shared),
            Source::Swappable(slot) => slot.load_full(),
        }
    }

    /// What a request of this app carries for its extractors (state, body limit), for a
    /// handler called outside HTTP (MCP over stdio).
    #[cfg(feature = "mcp")]
    pub(crate) fn context(&self) -> RequestContext {
        let shared = self.current();
        RequestContext {
            state: Arc::clone(&shared.state),
            connection: None,
            body_limit: shared.body_limit,
            route: None,
            routed: None,
        }
    }

    /// A copy of the service that tells handlers which connection requests came on (the
    /// `ConnectionInfo` extractor). A server calls this once per accepted connection.
    #[must_use]
    pub fn with_connection_info(&self, info: ConnectionInfo) -> Self {
        AppService {
            shared: self.shared.clone(),
            connection: Some(Arc::new(info)),
        }
    }

    /// Answers one request.
    pub fn dispatch(&self, mut req: Request) -> ResponseFuture {
        let head = req.method() == Method::HEAD;
        #[cfg(feature = "ws")]
        if req.method() == Method::CONNECT {
            crate::ws::route_extended_connect(&mut req);
        }
        let guard;
        let shared: &Shared = match &self.shared {
            Source::Fixed(shared) => shared,
            Source::Swappable(slot) => {
                guard = slot.load();
                &guard
            }
        };
        req.extensions_mut().insert(RequestContext {
            state: Arc::clone(&shared.state),
            connection: self.connection.clone(),
            body_limit: shared.body_limit,
            route: None,
            routed: None,
        });
        let http1 = req.version() <= Version::HTTP_11;
        let mut inner = CatchUnwind::new(shared.chain.call(req), None);
        // HTTP/1: polled once now, inside hyper's `call`. A handler that answers at once has
        // then dropped the request before hyper reads from the connection again, so hyper's
        // read buffer (which the request's head points into) is reused rather than
        // reallocated, for every request of an app with middleware (whose boxed futures would
        // otherwise hold the request until hyper's first poll, after its next read). A future
        // still pending is polled again by hyper with the real waker, as the `Future` contract
        // allows; a panic here is the 500 of `CatchUnwind` as always. Not HTTP/2 or 3: their
        // headers are decoded into buffers of their own, and each stream's first poll belongs
        // in the stream's own task, where hyper spawns it.
        let early = if http1 {
            match Pin::new(&mut inner).poll(&mut Context::from_waker(Waker::noop())) {
                Poll::Ready(res) => Some(res),
                Poll::Pending => None,
            }
        } else {
            None
        };
        ResponseFuture {
            inner: if early.is_some() { None } else { Some(inner) },
            early,
            head,
        }
    }
}

impl<B> hyper::service::Service<http::Request<B>> for AppService
where
    B: http_body::Body<Data = Bytes> + Send + 'static,
    B::Error: Into<BoxError>,
{
    type Response = Response;
    type Error = Infallible;
    type Future = ResponseFuture;

    fn call(&self, req: http::Request<B>) -> ResponseFuture {
        self.dispatch(req.map(Body::new))
    }
}

impl<B> tower_service::Service<http::Request<B>> for AppService
where
    B: http_body::Body<Data = Bytes> + Send + 'static,
    B::Error: Into<BoxError>,
{
    type Response = Response;
    type Error = Infallible;
    type Future = ResponseFuture;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: http::Request<B>) -> ResponseFuture {
        self.dispatch(req.map(Body::new))
    }
}

/// The response to one request; never fails (errors are responses).
pub struct ResponseFuture {
    inner: Option<CatchUnwind<BoxFuture>>,
    // The response, when it was ready at once.
    early: Option<Response>,
    head: bool,
}

impl fmt::Debug for ResponseFuture {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ResponseFuture").finish_non_exhaustive()
    }
}

impl ResponseFuture {
    /// A response decided before the app (a request the server refuses), finished like the
    /// app's own: no body for HEAD.
    pub(crate) fn ready(res: Response, head: bool) -> Self {
        ResponseFuture {
            inner: None,
            early: Some(res),
            head,
        }
    }
}

impl Future for ResponseFuture {
    type Output = Result<Response, Infallible>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        let mut res = match (this.early.take(), &mut this.inner) {
            (Some(res), _) => res,
            (None, Some(inner)) => ready!(Pin::new(inner).poll(cx)),
            // Polled after it answered: what `CatchUnwind` says of a spent future.
            (None, None) => crate::response::IntoResponse::into_response(crate::Error::new(
                http::StatusCode::INTERNAL_SERVER_ERROR,
            )),
        };
        finish(&mut res, this.head);
        Poll::Ready(Ok(res))
    }
}

/// Drops the body of a HEAD response, after announcing its length so that HEAD says what GET
/// would send. Other responses keep their body: hyper frames them, writing `Content-Length`
/// from the body's exact size when it is known.
fn finish(res: &mut Response, head: bool) {
    if head {
        set_content_length(res);
    }
    if head || bodiless(res.status()) {
        *res.body_mut() = Body::empty();
    }
}
