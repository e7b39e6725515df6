//! The bodies that pass through: the client's under the app's limit, the upstream's watched
//! for silence, and upgraded connections joined.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http::StatusCode;
use http_body::{Frame, SizeHint};

use super::upstream::InFlight;
use crate::Body;
use crate::body::BoxError;
use crate::context::RequestContext;

/// The request body under the app's body limit (the route's, when it has one).
pub(super) fn limited(
    parts: &http::request::Parts,
    body: Body,
) -> Result<Body, crate::extract::BodyRejection> {
    if http_body::Body::is_end_stream(&body) {
        return Ok(body);
    }
    let limit = parts
        .extensions
        .get::<RequestContext>()
        .map_or(crate::context::DEFAULT_BODY_LIMIT, |ctx| ctx.body_limit);
    let stream = crate::extract::BodyStream::limited(body, limit)?;
    Ok(Body::from_stream(futures_util::TryStreamExt::map_err(
        stream,
        |rejection| {
            use crate::extract::Rejection as _;
            ClientBody(rejection.status())
        },
    )))
}

/// The client's body failed: over the limit (413) or broken off (400).
#[derive(Debug)]
struct ClientBody(StatusCode);

impl std::fmt::Display for ClientBody {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "the client's request body failed ({})", self.0)
    }
}

impl std::error::Error for ClientBody {}

/// The status for the client when sending failed because of its own body: over the limit
/// (413) or broken off (400). Not the upstream's fault.
pub(super) fn client_body_failed(error: &(dyn std::error::Error + 'static)) -> Option<StatusCode> {
    let mut cause = Some(error);
    while let Some(e) = cause {
        if let Some(ClientBody(status)) = e.downcast_ref::<ClientBody>() {
            return Some(*status);
        }
        cause = e.source();
    }
    None
}

/// Joins the client's and the upstream's upgraded connections, once both are there; the
/// upstream counts the tunnel in flight while it lasts.
pub(super) fn tunnel(
    client: hyper::upgrade::OnUpgrade,
    upstream: hyper::upgrade::OnUpgrade,
    held: InFlight,
) {
    tokio::spawn(async move {
        let name = held.name();
        let (client, upstream) = match tokio::try_join!(client, upstream) {
            Ok(both) => both,
            Err(e) => {
                tracing::debug!(upstream = %name, "upgrade through the proxy failed: {e}");
                return;
            }
        };
        let mut client = hyper_util::rt::TokioIo::new(client);
        let mut upstream = hyper_util::rt::TokioIo::new(upstream);
        if let Err(e) = tokio::io::copy_bidirectional(&mut client, &mut upstream).await {
            tracing::debug!(upstream = %name, "upgraded connection through the proxy ended: {e}");
        }
    });
}

/// An upstream's response body: cut off when the upstream goes silent for `idle`.
pub(super) struct UpstreamBody {
    inner: hyper::body::Incoming,
    idle: Duration,
    sleep: Option<Pin<Box<tokio::time::Sleep>>>,
    held: Option<InFlight>,
}

impl UpstreamBody {
    /// `inner`, cut off after `idle` of silence, holding the upstream's in-flight count.
    pub(super) fn new(inner: hyper::body::Incoming, idle: Duration, held: InFlight) -> Self {
        UpstreamBody {
            inner,
            idle,
            sleep: None,
            held: Some(held),
        }
    }
}

impl http_body::Body for UpstreamBody {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        let this = &mut *self;
        match Pin::new(&mut this.inner).poll_frame(cx) {
            Poll::Ready(frame) => {
                this.sleep = None;
                if frame.is_none() {
                    this.held = None;
                }
                Poll::Ready(frame.map(|f| f.map_err(Into::into)))
            }
            Poll::Pending => {
                let idle = this.idle;
                let sleep = this
                    .sleep
                    .get_or_insert_with(|| Box::pin(tokio::time::sleep(idle)));
                match sleep.as_mut().poll(cx) {
                    Poll::Ready(()) => {
                        this.held = None;
                        Poll::Ready(Some(Err(
                            "the upstream went silent in the middle of its response".into(),
                        )))
                    }
                    Poll::Pending => Poll::Pending,
                }
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}
