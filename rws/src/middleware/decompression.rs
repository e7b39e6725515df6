//! Request decompression: bodies sent with `Content-Encoding: gzip`, `deflate`, `br` or `zstd`.

use async_compression::tokio::bufread::{BrotliDecoder, DeflateDecoder, GzipDecoder, ZstdDecoder};
use bytes::Bytes;
use futures_core::Stream;
use http::StatusCode;
use http::header;
use tokio::io::AsyncRead;
use tokio_util::io::{ReaderStream, StreamReader};

use super::{Middleware, Next};
use crate::encoding::Encoding;
use crate::response::IntoResponse;
use crate::{Body, Error, Request, Response};

/// Decodes compressed request bodies before the handler reads them (opt-in: wrap the routes
/// that accept them). The body limit applies to the decoded size, so a small zip bomb that
/// inflates past it gets 413 without ever being held whole. An encoding rws cannot decode gets
/// 415.
///
/// ```
/// use rws::prelude::*;
/// use rws::middleware::DecompressionLayer;
///
/// let app = App::new()
///     .post("/ingest", |body: Bytes| async move { body.len().to_string() })
///     .wrap(DecompressionLayer::new());
/// # let _ = app;
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct DecompressionLayer {
    _private: (),
}

impl DecompressionLayer {
    /// The layer.
    pub fn new() -> Self {
        DecompressionLayer::default()
    }
}

impl Middleware for DecompressionLayer {
    async fn handle(&self, req: Request, next: Next) -> Response {
        let Some(value) = req.headers().get(header::CONTENT_ENCODING) else {
            return next.run(req).await;
        };
        let token = value.to_str().unwrap_or_default().trim().to_owned();
        if token.is_empty() || token.eq_ignore_ascii_case("identity") {
            return next.run(req).await;
        }
        let Some(encoding) = Encoding::from_token(&token) else {
            return Error::new(StatusCode::UNSUPPORTED_MEDIA_TYPE)
                .with_detail(format!(
                    "request bodies encoded with {token:?} cannot be read; use gzip, deflate, br or zstd"
                ))
                .with_header(
                    header::ACCEPT_ENCODING,
                    http::HeaderValue::from_static("gzip, deflate, br, zstd"),
                )
                .into_response();
        };
        let (mut parts, body) = req.into_parts();
        parts.headers.remove(header::CONTENT_ENCODING);
        parts.headers.remove(header::CONTENT_LENGTH);
        let reader = StreamReader::new(IoErrors(body.into_data_stream()));
        let body = match encoding {
            Encoding::Gzip => decoded(GzipDecoder::new(reader)),
            Encoding::Deflate => decoded(DeflateDecoder::new(reader)),
            Encoding::Brotli => decoded(BrotliDecoder::new(reader)),
            Encoding::Zstd => decoded(ZstdDecoder::new(reader)),
        };
        next.run(Request::from_parts(parts, body)).await
    }
}

fn decoded<R: AsyncRead + Send + 'static>(decoder: R) -> Body {
    Body::from_stream(ReaderStream::new(decoder))
}

/// The body's chunks with its errors as `io::Error`, as `StreamReader` wants them.
struct IoErrors(crate::body::BodyDataStream);

impl Stream for IoErrors {
    type Item = std::io::Result<Bytes>;

    fn poll_next(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Self::Item>> {
        std::pin::Pin::new(&mut self.0)
            .poll_next(cx)
            .map(|item| item.map(|r| r.map_err(std::io::Error::other)))
    }
}
