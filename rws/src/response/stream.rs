//! `StreamBody`: a response streamed from any `Stream` of byte chunks.

use bytes::Bytes;
use futures_core::Stream;

use super::{IntoResponse, Response};
use crate::body::{Body, BoxError};

/// A response whose body is sent chunk by chunk as `stream` yields (chunked on HTTP/1.1, DATA
/// frames on HTTP/2). An `Err` item aborts the response.
///
/// ```
/// use rws::response::StreamBody;
/// async fn numbers() -> StreamBody<impl futures_core::Stream<Item = Result<String, std::io::Error>>> {
///     StreamBody::new(futures_util::stream::iter((1..=3).map(|n| Ok(format!("{n}\n")))))
/// }
/// ```
#[derive(Debug)]
pub struct StreamBody<S>(S);

impl<S> StreamBody<S> {
    /// Wraps `stream`.
    pub fn new(stream: S) -> Self {
        StreamBody(stream)
    }
}

impl<S, T, E> IntoResponse for StreamBody<S>
where
    S: Stream<Item = Result<T, E>> + Send + 'static,
    T: Into<Bytes>,
    E: Into<BoxError>,
{
    fn into_response(self) -> Response {
        Response::new(Body::from_stream(self.0))
    }
}
