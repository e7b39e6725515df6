//! `Sse`: an event stream response, sent as its events come, with keep-alive comments.

use std::borrow::Cow;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use futures_core::Stream;
use http_body::{Frame, SizeHint};
use tokio::time::{Instant, Sleep};

use super::{Buffered, SseEvent, set_headers};
use crate::body::BoxError;
use crate::response::IntoResponse;
use crate::{Body, Response};

/// How often an idle live stream sends a keep-alive comment unless told otherwise: often
/// enough for proxies and load balancers that cut connections idle for 30 or 60 seconds.
pub const DEFAULT_KEEP_ALIVE: Duration = Duration::from_secs(15);

/// A `text/event-stream` response.
///
/// [`Sse::new`] takes a [`Stream`] of events (or of `Result`s of events) and sends each as it
/// comes, with a keep-alive comment whenever the stream has been quiet for
/// [`DEFAULT_KEEP_ALIVE`]; the response never buffers events. When the client goes away,
/// hyper drops the response and with it the stream, so whatever feeds it (a channel, a
/// subscription) sees the disconnect at once, or at the latest at the next keep-alive. An
/// `Err` item ends the response.
///
/// [`Sse::buffered`] builds a fixed sequence of events instead, sent as one body.
///
/// Headers: `Content-Type: text/event-stream`, `Cache-Control: no-cache`,
/// `X-Accel-Buffering: no`.
///
/// ```
/// use futures_util::StreamExt;
/// use rws::sse::{Sse, SseEvent};
/// use tokio::sync::broadcast;
///
/// // Every message published on the channel, to every connected client.
/// async fn feed(rws::State(tx): rws::State<broadcast::Sender<String>>) -> rws::Response {
///     let rx = tokio_stream_like(tx.subscribe());
///     rws::IntoResponse::into_response(Sse::new(rx.map(SseEvent::data)))
/// }
/// # fn tokio_stream_like(mut rx: broadcast::Receiver<String>) -> impl futures_core::Stream<Item = String> + Send {
/// #     futures_util::stream::unfold(rx, |mut rx| async move { rx.recv().await.ok().map(|m| (m, rx)) })
/// # }
/// ```
#[derive(Debug, Clone)]
#[must_use]
pub struct Sse<S = Buffered> {
    source: S,
    keep_alive: Option<Duration>,
    keep_alive_text: Cow<'static, str>,
}

impl<S> Sse<S> {
    /// An event stream sending `stream`'s events as they come.
    pub fn new(stream: S) -> Self {
        Sse::from_source(stream)
    }

    pub(super) fn from_source(source: S) -> Self {
        Sse {
            source,
            keep_alive: Some(DEFAULT_KEEP_ALIVE),
            keep_alive_text: Cow::Borrowed("keep-alive"),
        }
    }

    pub(super) fn source(&self) -> &S {
        &self.source
    }

    pub(super) fn source_mut(&mut self) -> &mut S {
        &mut self.source
    }

    pub(super) fn into_source(self) -> S {
        self.source
    }

    /// Sends a keep-alive comment whenever no event came for `every` (default
    /// [`DEFAULT_KEEP_ALIVE`]). Live streams only.
    pub fn keep_alive(mut self, every: Duration) -> Self {
        self.keep_alive = Some(every);
        self
    }

    /// Sends no keep-alive comments.
    pub fn no_keep_alive(mut self) -> Self {
        self.keep_alive = None;
        self
    }

    /// The keep-alive comment's text (default `keep-alive`).
    pub fn keep_alive_text(mut self, text: impl Into<Cow<'static, str>>) -> Self {
        self.keep_alive_text = text.into();
        self
    }
}

/// What a live [`Sse`] stream may yield: an [`SseEvent`], or a `Result` of one whose error
/// ends the response.
pub trait SseItem: Send {
    /// The event, or why the stream failed.
    fn into_event(self) -> Result<SseEvent, BoxError>;
}

impl SseItem for SseEvent {
    fn into_event(self) -> Result<SseEvent, BoxError> {
        Ok(self)
    }
}

impl<E: Into<BoxError> + Send> SseItem for Result<SseEvent, E> {
    fn into_event(self) -> Result<SseEvent, BoxError> {
        self.map_err(Into::into)
    }
}

impl<S> IntoResponse for Sse<S>
where
    S: Stream + Send + 'static,
    S::Item: SseItem,
{
    fn into_response(self) -> Response {
        let ping = self.keep_alive.map(|_| {
            let mut out = String::new();
            SseEvent::comment(self.keep_alive_text.into_owned()).write_to(&mut out);
            Bytes::from(out)
        });
        let mut res = Response::new(Body::new(SseBody {
            stream: self.source,
            timer: None,
            every: self.keep_alive,
            ping: ping.unwrap_or_default(),
            done: false,
        }));
        set_headers(res.headers_mut());
        res
    }
}

pin_project_lite::pin_project! {
    struct SseBody<S> {
        #[pin]
        stream: S,
        // Started on the first poll that finds the stream quiet, reset after each event.
        #[pin]
        timer: Option<Sleep>,
        every: Option<Duration>,
        ping: Bytes,
        done: bool,
    }
}

impl<S> http_body::Body for SseBody<S>
where
    S: Stream,
    S::Item: SseItem,
{
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        let mut this = self.project();
        if *this.done {
            return Poll::Ready(None);
        }
        match this.stream.poll_next(cx) {
            Poll::Ready(Some(item)) => {
                if let (Some(every), Some(timer)) = (*this.every, this.timer.as_mut().as_pin_mut())
                {
                    timer.reset(Instant::now() + every);
                }
                match item.into_event() {
                    Ok(event) => Poll::Ready(Some(Ok(Frame::data(event.to_bytes())))),
                    Err(e) => {
                        *this.done = true;
                        Poll::Ready(Some(Err(e)))
                    }
                }
            }
            Poll::Ready(None) => {
                *this.done = true;
                Poll::Ready(None)
            }
            Poll::Pending => {
                let Some(every) = *this.every else {
                    return Poll::Pending;
                };
                if this.timer.is_none() {
                    this.timer.set(Some(tokio::time::sleep(every)));
                }
                let Some(mut timer) = this.timer.as_pin_mut() else {
                    return Poll::Pending;
                };
                if timer.as_mut().poll(cx).is_pending() {
                    return Poll::Pending;
                }
                timer.reset(Instant::now() + every);
                Poll::Ready(Some(Ok(Frame::data(this.ping.clone()))))
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.done
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::default()
    }
}
