//! The request and response body type, and reading a body under a size limit.

use std::any::Any;
use std::fmt;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::{Buf, Bytes, BytesMut};
use futures_core::Stream;
use http_body::{Body as _, Frame, SizeHint};
use http_body_util::BodyExt;
use http_body_util::combinators::UnsyncBoxBody;

mod progress;

pub(crate) use progress::Progress;

/// A boxed error, the error type of every body in rws.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// The body of an rws request or response.
///
/// The common cases — no body, a body already in memory, and the body hyper reads off a
/// connection — are stored inline, so they cost no allocation; anything else (a stream, another
/// `http_body::Body`) is boxed once.
///
/// ```
/// use rws::Body;
/// let empty = Body::empty();
/// let full = Body::from("hello");
/// # let _ = (empty, full);
/// ```
pub struct Body(Inner);

enum Inner {
    Empty,
    // `None` once the single frame has been yielded.
    Full(Option<Bytes>),
    Incoming(hyper::body::Incoming),
    // An incoming body that reports how far it has been read (see `Body::watch`).
    Tracked(hyper::body::Incoming, Arc<Progress>),
    Boxed(UnsyncBoxBody<Bytes, BoxError>),
}

impl Body {
    /// A body with no bytes.
    pub const fn empty() -> Self {
        Body(Inner::Empty)
    }

    /// Wraps any `http_body::Body`, without boxing when it is already a [`Body`], hyper's
    /// `Incoming` or a `Full<Bytes>`/`Empty<Bytes>` from `http-body-util`.
    pub fn new<B>(body: B) -> Self
    where
        B: http_body::Body<Data = Bytes> + Send + 'static,
        B::Error: Into<BoxError>,
    {
        let body = match try_downcast::<Body, B>(body) {
            Ok(body) => return body,
            Err(body) => body,
        };
        let body = match try_downcast::<hyper::body::Incoming, B>(body) {
            Ok(incoming) => return Body(Inner::Incoming(incoming)),
            Err(body) => body,
        };
        let Err(body) = try_downcast::<http_body_util::Empty<Bytes>, B>(body) else {
            return Body::empty();
        };
        Body(Inner::Boxed(body.map_err(Into::into).boxed_unsync()))
    }

    /// A body that yields the items of `stream` as they come, with unknown length (chunked on
    /// HTTP/1.1).
    ///
    /// ```
    /// # use rws::Body;
    /// let chunks = futures_util::stream::iter([Ok::<_, std::io::Error>("a"), Ok("b")]);
    /// let body = Body::from_stream(chunks);
    /// # let _ = body;
    /// ```
    pub fn from_stream<S, T, E>(stream: S) -> Self
    where
        S: Stream<Item = Result<T, E>> + Send + 'static,
        T: Into<Bytes>,
        E: Into<BoxError>,
    {
        Body(Inner::Boxed(UnsyncBoxBody::new(StreamBody { stream })))
    }

    /// How far this body gets read, for a deadline to tell a slow client from a slow handler:
    /// the watch already on it (the server's), or a new one. Hyper's `Incoming` is watched
    /// inline; another body is boxed once around its own box.
    pub(crate) fn watch(&mut self) -> Arc<Progress> {
        if let Inner::Tracked(_, progress) = &self.0 {
            return Arc::clone(progress);
        }
        if self.is_end_stream() {
            return Arc::new(Progress::done());
        }
        let progress = Arc::new(Progress::default());
        self.0 = match std::mem::replace(&mut self.0, Inner::Empty) {
            Inner::Incoming(incoming) => Inner::Tracked(incoming, Arc::clone(&progress)),
            other => Inner::Boxed(UnsyncBoxBody::new(progress::Watched {
                inner: Body(other),
                progress: Arc::clone(&progress),
            })),
        };
        progress
    }

    /// Reads the whole body into memory, refusing to read past `limit` bytes.
    ///
    /// The limit is checked against the announced length first (a `Content-Length` over the
    /// limit is refused without reading a byte) and then while frames arrive, so a body is
    /// never buffered past the limit.
    pub async fn collect_limited(self, limit: usize) -> Result<Bytes, ReadError> {
        let announced = self.size_hint().lower();
        if announced > limit as u64 {
            return Err(ReadError::TooLarge { limit });
        }
        // The announced length (Content-Length) sizes the buffer once, so that a body arriving in
        // several frames is copied once; `announced <= limit`, so this cannot overflow usize.
        let expected = usize::try_from(announced).unwrap_or(limit);
        if let Inner::Full(bytes) = self.0 {
            return Ok(bytes.unwrap_or_default());
        }
        let mut body = std::pin::pin!(self);
        let mut first: Option<Bytes> = None;
        let mut buf = BytesMut::new();
        while let Some(frame) = body.frame().await {
            let frame = frame.map_err(ReadError::Body)?;
            let Ok(data) = frame.into_data() else {
                continue; // trailers carry nothing an extractor reads
            };
            let len = first.as_ref().map_or(0, Bytes::len) + buf.len() + data.len();
            if len > limit {
                return Err(ReadError::TooLarge { limit });
            }
            // The common single-frame body is returned without a copy.
            match first.take() {
                None if buf.is_empty() => first = Some(data),
                None => buf.extend_from_slice(&data),
                Some(prev) => {
                    buf.reserve(expected.max(prev.len() + data.len()));
                    buf.extend_from_slice(&prev);
                    buf.extend_from_slice(&data);
                }
            }
        }
        Ok(first.unwrap_or_else(|| buf.freeze()))
    }
}

/// Why a body could not be read.
#[derive(Debug)]
pub enum ReadError {
    /// The body is longer than the limit in force.
    TooLarge {
        /// The limit, in bytes.
        limit: usize,
    },
    /// The underlying stream failed (the client went away, a protocol error, …).
    Body(BoxError),
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReadError::TooLarge { limit } => {
                write!(f, "body is larger than the limit of {limit} bytes")
            }
            ReadError::Body(e) => write!(f, "failed to read the body: {e}"),
        }
    }
}

impl Default for Body {
    fn default() -> Self {
        Body::empty()
    }
}

impl fmt::Debug for Body {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match &self.0 {
            Inner::Empty => "Empty",
            Inner::Full(_) => "Full",
            Inner::Incoming(_) | Inner::Tracked(..) => "Incoming",
            Inner::Boxed(_) => "Boxed",
        };
        f.debug_tuple("Body").field(&kind).finish()
    }
}

impl From<Bytes> for Body {
    fn from(bytes: Bytes) -> Self {
        if bytes.is_empty() {
            Body::empty()
        } else {
            Body(Inner::Full(Some(bytes)))
        }
    }
}

impl From<&'static str> for Body {
    fn from(s: &'static str) -> Self {
        Body::from(Bytes::from_static(s.as_bytes()))
    }
}

impl From<&'static [u8]> for Body {
    fn from(s: &'static [u8]) -> Self {
        Body::from(Bytes::from_static(s))
    }
}

impl From<String> for Body {
    fn from(s: String) -> Self {
        Body::from(Bytes::from(s))
    }
}

impl From<Vec<u8>> for Body {
    fn from(v: Vec<u8>) -> Self {
        Body::from(Bytes::from(v))
    }
}

impl From<()> for Body {
    fn from((): ()) -> Self {
        Body::empty()
    }
}

impl From<hyper::body::Incoming> for Body {
    fn from(incoming: hyper::body::Incoming) -> Self {
        Body(Inner::Incoming(incoming))
    }
}

impl http_body::Body for Body {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        match &mut self.0 {
            Inner::Empty => Poll::Ready(None),
            Inner::Full(bytes) => Poll::Ready(bytes.take().map(|b| Ok(Frame::data(b)))),
            Inner::Incoming(incoming) => Pin::new(incoming).poll_frame(cx).map_err(Into::into),
            Inner::Tracked(incoming, progress) => {
                let polled = Pin::new(&mut *incoming).poll_frame(cx);
                let ended =
                    matches!(polled, Poll::Ready(None | Some(Err(_)))) || incoming.is_end_stream();
                progress.polled(ended);
                polled.map_err(Into::into)
            }
            Inner::Boxed(boxed) => Pin::new(boxed).poll_frame(cx),
        }
    }

    fn is_end_stream(&self) -> bool {
        match &self.0 {
            Inner::Empty => true,
            Inner::Full(bytes) => bytes.is_none(),
            Inner::Incoming(incoming) | Inner::Tracked(incoming, _) => incoming.is_end_stream(),
            Inner::Boxed(boxed) => boxed.is_end_stream(),
        }
    }

    fn size_hint(&self) -> SizeHint {
        match &self.0 {
            Inner::Empty => SizeHint::with_exact(0),
            Inner::Full(bytes) => {
                SizeHint::with_exact(bytes.as_ref().map_or(0, |b| b.len() as u64))
            }
            Inner::Incoming(incoming) | Inner::Tracked(incoming, _) => incoming.size_hint(),
            Inner::Boxed(boxed) => boxed.size_hint(),
        }
    }
}

pin_project_lite::pin_project! {
    struct StreamBody<S> {
        #[pin]
        stream: S,
    }
}

impl<S, T, E> http_body::Body for StreamBody<S>
where
    S: Stream<Item = Result<T, E>>,
    T: Into<Bytes>,
    E: Into<BoxError>,
{
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        match self.project().stream.poll_next(cx) {
            Poll::Ready(Some(Ok(chunk))) => Poll::Ready(Some(Ok(Frame::data(chunk.into())))),
            Poll::Ready(Some(Err(e))) => Poll::Ready(Some(Err(e.into()))),
            Poll::Ready(None) => Poll::Ready(None),
            Poll::Pending => Poll::Pending,
        }
    }
}

/// A stream of the body's data frames, for reading a body chunk by chunk.
#[derive(Debug)]
pub struct BodyDataStream {
    body: Body,
}

impl Body {
    /// Turns the body into a stream of its data chunks (trailers are skipped).
    pub fn into_data_stream(self) -> BodyDataStream {
        BodyDataStream { body: self }
    }
}

impl Stream for BodyDataStream {
    type Item = Result<Bytes, BoxError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        loop {
            match Pin::new(&mut self.body).poll_frame(cx) {
                Poll::Ready(Some(Ok(frame))) => {
                    if let Ok(mut data) = frame.into_data()
                        && data.has_remaining()
                    {
                        return Poll::Ready(Some(Ok(data.copy_to_bytes(data.remaining()))));
                    }
                }
                Poll::Ready(Some(Err(e))) => return Poll::Ready(Some(Err(e))),
                Poll::Ready(None) => return Poll::Ready(None),
                Poll::Pending => return Poll::Pending,
            }
        }
    }
}

/// Moves `k` into a `T` when they are the same type, without boxing; hands it back otherwise.
fn try_downcast<T: 'static, K: 'static>(k: K) -> Result<T, K> {
    let mut k = Some(k);
    if let Some(k) = <dyn Any>::downcast_mut::<Option<T>>(&mut k) {
        // The downcast proved `K == T`, and `k` is `Some` by construction just above.
        Ok(k.take().unwrap_or_else(|| unreachable!()))
    } else {
        Err(k.unwrap_or_else(|| unreachable!()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn full_body_is_returned_without_copy_and_limit_is_enforced() {
        let bytes = Bytes::from_static(b"hello");
        let ptr = bytes.as_ptr();
        let out = Body::from(bytes).collect_limited(5).await.unwrap();
        assert_eq!(out.as_ptr(), ptr);
        let err = Body::from("hello!").collect_limited(5).await.unwrap_err();
        assert!(matches!(err, ReadError::TooLarge { limit: 5 }));
    }

    #[tokio::test]
    async fn streamed_body_is_cut_at_the_limit() {
        let chunks = futures_util::stream::iter((0..10).map(|_| Ok::<_, BoxError>(vec![0u8; 100])));
        let err = Body::from_stream(chunks)
            .collect_limited(450)
            .await
            .unwrap_err();
        assert!(matches!(err, ReadError::TooLarge { limit: 450 }));
        let chunks = futures_util::stream::iter((0..3).map(|i| Ok::<_, BoxError>(vec![i; 2])));
        let out = Body::from_stream(chunks)
            .collect_limited(450)
            .await
            .unwrap();
        assert_eq!(&out[..], &[0, 0, 1, 1, 2, 2]);
    }

    #[test]
    fn new_does_not_box_known_bodies() {
        let b = Body::new(Body::from("x"));
        assert_eq!(format!("{b:?}"), "Body(\"Full\")");
        let b = Body::new(http_body_util::Empty::<Bytes>::new());
        assert_eq!(format!("{b:?}"), "Body(\"Empty\")");
        let b = Body::new(http_body_util::Full::new(Bytes::from_static(b"x")));
        assert_eq!(format!("{b:?}"), "Body(\"Boxed\")");
        assert_eq!(b.size_hint().exact(), Some(1));
    }
}
