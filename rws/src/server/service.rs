//! The per-connection service: the app's service, plus the connection's bookkeeping, the host
//! check and the request deadline (`crate::deadline`).

use std::convert::Infallible;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use bytes::Bytes;
use http_body::{Frame, SizeHint};
use hyper::body::Incoming;
use tracing::Instrument;
use tracing::instrument::Instrumented;

use super::conn_state::ConnState;
use super::open_bodies;
use crate::Request;
use crate::app::{AppService, ResponseFuture};
use crate::body::{Body, BoxError};
use crate::deadline::Deadline;
use crate::response::IntoResponse;

#[derive(Clone)]
pub(super) struct ConnService {
    pub(super) app: AppService,
    pub(super) state: Arc<ConnState>,
    pub(super) request_timeout: Option<Duration>,
    pub(super) max_open_bodies: usize,
    /// `Alt-Svc` for every response when HTTP/3 is served beside this listener.
    pub(super) alt_svc: Option<http::HeaderValue>,
    /// Turns true when the server shuts down.
    pub(super) going_away: tokio::sync::watch::Receiver<bool>,
    /// The connection's place in `limits.connections`: an upgraded socket keeps it after the
    /// connection's HTTP life ends.
    pub(super) permit: Arc<tokio::sync::OwnedSemaphorePermit>,
}

/// The span every request runs in, on every protocol: the router records the matched route
/// on it, the request-id layer its id.
pub(super) fn request_span<B>(req: &http::Request<B>) -> tracing::Span {
    tracing::debug_span!(
        "request",
        method = %req.method(),
        path = %req.uri().path(),
        route = tracing::field::Empty,
        request_id = tracing::field::Empty,
        trace_id = tracing::field::Empty,
        span_id = tracing::field::Empty,
        upstream = tracing::field::Empty,
        upstream_attempt = tracing::field::Empty,
    )
}

/// Marks a request in flight until its response body is done (or dropped).
struct InFlight(Arc<ConnState>);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.request_finished();
    }
}

impl hyper::service::Service<http::Request<Incoming>> for ConnService {
    type Response = http::Response<ServerBody>;
    type Error = Infallible;
    type Future = ConnFuture;

    fn call(&self, req: http::Request<Incoming>) -> ConnFuture {
        self.state.request_started();
        let in_flight = InFlight(Arc::clone(&self.state));
        let span = request_span(&req);
        let (mut parts, incoming) = req.into_parts();
        if parts.method == http::Method::CONNECT
            || parts.headers.contains_key(http::header::UPGRADE)
        {
            // What the request may turn into (a WebSocket) outlives the connection's HTTP life:
            // it needs to hear of shutdown itself, and keeps the connection's permit.
            parts
                .extensions
                .insert(crate::connection::GoingAway(self.going_away.clone()));
            // A CONNECT's stream outlives its response (an HTTP/2 WebSocket): whoever takes it
            // over also holds the connection busy until done.
            let busy = (parts.method == http::Method::CONNECT).then(|| {
                self.state.request_started();
                InFlight(Arc::clone(&self.state))
            });
            let guard = (busy, Arc::clone(&self.permit));
            parts
                .extensions
                .insert(crate::connection::UpgradeGuard(Arc::new(guard)));
        }
        // Only a timed request with a body still to come needs to know how far it was read.
        let mut body = Body::from(incoming);
        let progress = (self.request_timeout.is_some() && !http_body::Body::is_end_stream(&body))
            .then(|| body.watch());
        let head = parts.method == http::Method::HEAD;
        let checked = match open_bodies::full(&self.state.bodies_open, self.max_open_bodies) {
            Some(open) => Err(open_bodies::refusal(open)),
            None => super::host::check(&parts).map_err(IntoResponse::into_response),
        };
        let inner = match checked {
            // Routing (which records the route on the span) happens inside the span.
            Ok(()) => span.in_scope(|| self.app.dispatch(Request::from_parts(parts, body))),
            Err(refused) => ResponseFuture::ready(refused, head),
        }
        .instrument(span);
        ConnFuture {
            inner,
            deadline: Deadline::new(self.request_timeout, progress),
            in_flight: Some(in_flight),
            alt_svc: self.alt_svc.clone(),
            max_open_bodies: self.max_open_bodies,
            head,
        }
    }
}

pin_project_lite::pin_project! {
    /// The response of one request, cut off by the request timeout.
    pub(super) struct ConnFuture {
        #[pin]
        inner: Instrumented<ResponseFuture>,
        #[pin]
        deadline: Deadline,
        in_flight: Option<InFlight>,
        alt_svc: Option<http::HeaderValue>,
        max_open_bodies: usize,
        head: bool,
    }
}

impl std::future::Future for ConnFuture {
    type Output = Result<http::Response<ServerBody>, Infallible>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let mut res = match this.inner.poll(cx) {
            Poll::Ready(Ok(res)) => res,
            Poll::Ready(Err(never)) => match never {},
            Poll::Pending => ready!(this.deadline.poll_expired(cx)),
        };
        if let Some(alt_svc) = this.alt_svc.take() {
            res.headers_mut()
                .entry(http::header::ALT_SVC)
                .or_insert(alt_svc);
        }
        let in_flight = this.in_flight.take();
        let mut open = false;
        if let Some(InFlight(state)) = &in_flight {
            let has_body = !(*this.head || http_body::Body::is_end_stream(res.body()));
            match open_bodies::take(&state.bodies_open, *this.max_open_bodies, has_body) {
                Ok(()) => open = true,
                Err(count) => {
                    // Dropping the handler's response lets go of what it holds (a file).
                    res = open_bodies::refusal(count);
                    if *this.head {
                        *res.body_mut() = Body::default();
                    }
                }
            }
        }
        Poll::Ready(Ok(res.map(|body| ServerBody {
            body,
            in_flight,
            waiting: false,
            open,
        })))
    }
}

/// A response body that keeps its request counted as in flight until it is done, and tells
/// the send timeout when it waits for hyper to come back for more.
pub(super) struct ServerBody {
    body: Body,
    in_flight: Option<InFlight>,
    // Handed hyper a frame; hyper has not asked for the next one yet.
    waiting: bool,
    // Counted in the connection's `bodies_open`.
    open: bool,
}

impl ServerBody {
    fn set_waiting(&mut self, waiting: bool) {
        if self.waiting == waiting {
            return;
        }
        self.waiting = waiting;
        if let Some(InFlight(state)) = &self.in_flight {
            if waiting {
                state.bodies_waiting.fetch_add(1, Ordering::Relaxed);
            } else {
                state.bodies_waiting.fetch_sub(1, Ordering::Relaxed);
            }
        }
    }
}

impl Drop for ServerBody {
    fn drop(&mut self) {
        self.set_waiting(false);
        if let Some(InFlight(state)) = &self.in_flight
            && self.open
        {
            state.bodies_open.fetch_sub(1, Ordering::Relaxed);
        }
    }
}

impl http_body::Body for ServerBody {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        let this = &mut *self;
        // hyper is back for more: what it had was sent on.
        if this.waiting {
            this.set_waiting(false);
            if let Some(InFlight(state)) = &this.in_flight {
                state.sent.fetch_add(1, Ordering::Relaxed);
            }
        }
        let polled = Pin::new(&mut this.body).poll_frame(cx);
        if matches!(polled, Poll::Ready(Some(Ok(_)))) && !this.body.is_end_stream() {
            this.set_waiting(true);
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}
