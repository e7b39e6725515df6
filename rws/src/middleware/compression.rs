//! Response compression: gzip, deflate, brotli and zstd, negotiated by `Accept-Encoding`,
//! streamed chunk by chunk.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use async_compression::Level;
use async_compression::tokio::write::{BrotliEncoder, DeflateEncoder, GzipEncoder, ZstdEncoder};
use bytes::Bytes;
use http::header::{self, HeaderValue};
use http::{Method, StatusCode};
use http_body::{Body as _, Frame};
use tokio::io::AsyncWrite;

use super::{Middleware, Next};
use crate::encoding::{self, Encoding};
use crate::header_list;
use crate::{Body, BoxError, Request, Response};

/// Compresses responses for clients that accept it.
///
/// The coding is the client's best by q-value (brotli, zstd, gzip, deflate in that order when
/// it weighs them equally). A response is left alone when it is small (under 1 KiB by
/// default, when its length is known), already encoded, a range (206), bodiless, marked
/// `Cache-Control: no-transform`, of a type that is compressed already (images but SVG, audio,
/// video, fonts, archives), or an event stream (unless [`CompressionLayer::event_streams`]).
/// `Vary: Accept-Encoding` is always added.
///
/// The body is compressed as it streams: each chunk is written to the encoder, and the
/// encoder is flushed whenever the body has nothing more for the moment, so a slow stream's
/// chunks reach the client without waiting for the next ones. Past its first 64 KiB, a body is
/// compressed on tokio's blocking pool, so that a large response never holds a runtime worker
/// (and the requests waiting on it) while it compresses.
///
/// ```
/// use rws::prelude::*;
/// use rws::middleware::CompressionLayer;
///
/// let app = App::new().wrap(CompressionLayer::new().min_size(512));
/// # let _ = app;
/// ```
#[derive(Debug, Clone)]
pub struct CompressionLayer {
    min_size: u64,
    level: Level,
    enabled: Vec<Encoding>,
    event_streams: bool,
    problems: Vec<String>,
}

impl Default for CompressionLayer {
    fn default() -> Self {
        CompressionLayer::new()
    }
}

impl CompressionLayer {
    /// Every coding, responses from 1 KiB, fast levels: gzip's and zstd's defaults, and
    /// brotli at quality 4 (its own default, 11, is for files compressed ahead of time).
    pub fn new() -> Self {
        CompressionLayer {
            min_size: 1024,
            level: Level::Default,
            enabled: Encoding::PREFERENCE.to_vec(),
            event_streams: false,
            problems: Vec::new(),
        }
    }

    /// Leaves responses shorter than `bytes` uncompressed (when their length is known).
    pub fn min_size(mut self, bytes: u64) -> Self {
        self.min_size = bytes;
        self
    }

    /// Favours speed (`Level::Fastest`), size (`Level::Best`), or a precise level, for every
    /// coding. `Level::Default` is brotli quality 4 and the others' defaults.
    pub fn level(mut self, level: Level) -> Self {
        self.level = level;
        self
    }

    /// Only these codings (`"gzip"`, `"deflate"`, `"br"`, `"zstd"`); an unknown name is reported
    /// by `App::build`.
    pub fn encodings<'a>(mut self, names: impl IntoIterator<Item = &'a str>) -> Self {
        self.enabled.clear();
        for name in names {
            match Encoding::from_token(name) {
                Some(e) => self.enabled.push(e),
                None => self.problems.push(format!(
                    "compression: {name:?} is not a coding rws can produce (gzip, deflate, br, zstd)"
                )),
            }
        }
        self
    }

    /// Compresses `text/event-stream` too (each event is flushed as it comes).
    pub fn event_streams(mut self, enabled: bool) -> Self {
        self.event_streams = enabled;
        self
    }

    fn skip(&self, head: bool, res: &Response) -> bool {
        let status = res.status();
        let headers = res.headers();
        head || status.is_informational()
            || status == StatusCode::NO_CONTENT
            || status == StatusCode::NOT_MODIFIED
            || status == StatusCode::PARTIAL_CONTENT
            || headers.contains_key(header::CONTENT_ENCODING)
            || headers.contains_key(header::CONTENT_RANGE)
            || res.body().is_end_stream()
            || res
                .body()
                .size_hint()
                .exact()
                .is_some_and(|n| n < self.min_size)
            || header_list::contains(headers, &header::CACHE_CONTROL, "no-transform")
            || !compressible(headers.get(header::CONTENT_TYPE), self.event_streams)
    }
}

impl Middleware for CompressionLayer {
    async fn handle(&self, req: Request, next: Next) -> Response {
        let chosen = encoding::accepted(req.headers())
            .into_iter()
            .find(|e| self.enabled.contains(e));
        let head = req.method() == Method::HEAD;
        let mut res = next.run(req).await;
        if !header_list::contains(res.headers(), &header::VARY, "accept-encoding") {
            res.headers_mut()
                .append(header::VARY, HeaderValue::from_static("accept-encoding"));
        }
        let Some(encoding) = chosen else { return res };
        if self.skip(head, &res) {
            return res;
        }
        let (mut parts, body) = res.into_parts();
        parts.headers.remove(header::CONTENT_LENGTH);
        parts.headers.remove(header::ACCEPT_RANGES);
        parts.headers.insert(
            header::CONTENT_ENCODING,
            HeaderValue::from_static(encoding.token()),
        );
        // A strong validator names these exact bytes: the compressed ones are others.
        if let Some(etag) = parts
            .headers
            .get(header::ETAG)
            .and_then(|t| t.to_str().ok())
            && !etag.starts_with("W/")
            && let Ok(weak) = HeaderValue::from_str(&format!("W/{etag}"))
        {
            parts.headers.insert(header::ETAG, weak);
        }
        let body = Body::new(Compressed::new(body, Encoder::new(encoding, self.level)));
        Response::from_parts(parts, body)
    }

    fn problems(&self) -> Vec<String> {
        self.problems.clone()
    }
}

/// Whether a media type gains from compression.
fn compressible(content_type: Option<&HeaderValue>, event_streams: bool) -> bool {
    let Some(ct) = content_type.and_then(|v| v.to_str().ok()) else {
        return true;
    };
    let essence = crate::media_type::essence(ct).to_ascii_lowercase();
    if essence == "text/event-stream" {
        return event_streams;
    }
    if essence == "image/svg+xml" {
        return true;
    }
    let (kind, sub) = essence.split_once('/').unwrap_or((essence.as_str(), ""));
    !(matches!(kind, "image" | "audio" | "video" | "font")
        || matches!(
            sub,
            "zip"
                | "gzip"
                | "x-gzip"
                | "zstd"
                | "x-bzip2"
                | "x-xz"
                | "x-7z-compressed"
                | "x-rar-compressed"
                | "vnd.rar"
                | "octet-stream"
                | "pdf"
                | "wasm"
        ))
}

/// One of the codings, writing into a buffer taken after each write or flush.
enum Encoder {
    Gzip(GzipEncoder<Vec<u8>>),
    Deflate(DeflateEncoder<Vec<u8>>),
    // Boxed: brotli's state is some 5 KiB, the others' a few hundred bytes.
    Brotli(Box<BrotliEncoder<Vec<u8>>>),
    Zstd(ZstdEncoder<Vec<u8>>),
}

macro_rules! each {
    ($self:expr, $e:ident => $body:expr) => {
        match $self {
            Encoder::Gzip($e) => $body,
            Encoder::Deflate($e) => $body,
            Encoder::Brotli($e) => $body,
            Encoder::Zstd($e) => $body,
        }
    };
}

impl Encoder {
    fn new(encoding: Encoding, level: Level) -> Self {
        let out = Vec::new();
        match encoding {
            Encoding::Gzip => Encoder::Gzip(GzipEncoder::with_quality(out, level)),
            Encoding::Deflate => Encoder::Deflate(DeflateEncoder::with_quality(out, level)),
            Encoding::Brotli => {
                // Brotli's own default, 11, costs seconds of CPU per megabyte: far too slow for
                // responses compressed on the fly. 4 compresses about as well as gzip's default,
                // faster (precompressed `.br` siblings are made offline, at any quality).
                let level = match level {
                    Level::Default => Level::Precise(DEFAULT_BROTLI_QUALITY),
                    other => other,
                };
                Encoder::Brotli(Box::new(BrotliEncoder::with_quality(out, level)))
            }
            Encoding::Zstd => Encoder::Zstd(ZstdEncoder::with_quality(out, level)),
        }
    }

    fn writer(&mut self) -> Pin<&mut (dyn AsyncWrite + Unpin)> {
        each!(self, e => Pin::new(e as &mut (dyn AsyncWrite + Unpin)))
    }

    /// What the encoder has produced so far.
    fn take(&mut self) -> Bytes {
        each!(self, e => Bytes::from(std::mem::take(e.get_mut())))
    }

    /// Runs `op` to completion and returns what it produced. The sink is a `Vec`, always ready,
    /// so every step completes at once: this needs no task context, and runs on a worker or on
    /// the blocking pool alike.
    fn run(&mut self, op: &Op) -> io::Result<Bytes> {
        let mut cx = Context::from_waker(std::task::Waker::noop());
        let stalled = || io::Error::other("the encoder's buffer stalled");
        match op {
            Op::Write(data) => {
                let mut data = &data[..];
                while !data.is_empty() {
                    match self.writer().poll_write(&mut cx, data) {
                        Poll::Ready(Ok(0)) => return Err(io::ErrorKind::WriteZero.into()),
                        Poll::Ready(Ok(n)) => data = &data[n..],
                        Poll::Ready(Err(e)) => return Err(e),
                        Poll::Pending => return Err(stalled()),
                    }
                }
            }
            Op::Flush => match self.writer().poll_flush(&mut cx) {
                Poll::Ready(result) => result?,
                Poll::Pending => return Err(stalled()),
            },
            Op::Finish => match self.writer().poll_shutdown(&mut cx) {
                Poll::Ready(result) => result?,
                Poll::Pending => return Err(stalled()),
            },
        }
        Ok(self.take())
    }
}

/// Brotli's quality for on-the-fly responses unless a level is set.
const DEFAULT_BROTLI_QUALITY: i32 = 4;

/// Past this many bytes of a body, its compression runs on the blocking pool, so that large
/// responses never hold a runtime worker (and every other request on it) while they compress.
const OFFLOAD_AFTER: u64 = 64 * 1024;

/// One step of the encoder.
enum Op {
    Write(Bytes),
    Flush,
    Finish,
}

type Job = tokio::task::JoinHandle<(Encoder, io::Result<Bytes>)>;

/// A response body compressed on the way out.
struct Compressed {
    inner: Body,
    // `None` while a job on the blocking pool has it.
    encoder: Option<Encoder>,
    job: Option<(Job, bool)>,
    // Written since the last flush.
    pending: bool,
    done: bool,
    // Bytes of the source compressed so far.
    read: u64,
}

impl Compressed {
    fn new(inner: Body, encoder: Encoder) -> Self {
        Compressed {
            inner,
            encoder: Some(encoder),
            job: None,
            pending: false,
            done: false,
            read: 0,
        }
    }

    /// Runs `op` here for the first bytes of a body, on the blocking pool past them; `Pending`
    /// while a job runs (`last` says the job finishes the body).
    fn step(&mut self, cx: &mut Context<'_>, op: Op, last: bool) -> Poll<io::Result<Bytes>> {
        let Some(mut encoder) = self.encoder.take() else {
            return Poll::Ready(Err(io::Error::other("the encoder is busy")));
        };
        if self.read <= OFFLOAD_AFTER {
            let out = encoder.run(&op);
            self.encoder = Some(encoder);
            return Poll::Ready(out);
        }
        let job = tokio::task::spawn_blocking(move || {
            let out = encoder.run(&op);
            (encoder, out)
        });
        self.job = Some((job, last));
        self.poll_job(cx)
    }

    fn poll_job(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<Bytes>> {
        let Some((job, last)) = &mut self.job else {
            return Poll::Ready(Ok(Bytes::new()));
        };
        let last = *last;
        let joined = ready!(Pin::new(job).poll(cx));
        self.job = None;
        match joined {
            Ok((encoder, out)) => {
                self.encoder = Some(encoder);
                self.done |= last;
                Poll::Ready(out)
            }
            Err(e) => Poll::Ready(Err(io::Error::other(e))),
        }
    }
}

impl http_body::Body for Compressed {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        let this = &mut *self;
        loop {
            if this.job.is_some() {
                let out = ready!(this.poll_job(cx))?;
                if !out.is_empty() {
                    return Poll::Ready(Some(Ok(Frame::data(out))));
                }
                continue;
            }
            if this.done {
                return Poll::Ready(None);
            }
            match Pin::new(&mut this.inner).poll_frame(cx) {
                Poll::Ready(Some(Ok(frame))) => {
                    // Trailers cannot follow a compressed body through every protocol; dropped.
                    if let Ok(data) = frame.into_data() {
                        this.read += data.len() as u64;
                        this.pending = true;
                        let out = ready!(this.step(cx, Op::Write(data), false))?;
                        if !out.is_empty() {
                            return Poll::Ready(Some(Ok(Frame::data(out))));
                        }
                    }
                }
                Poll::Ready(Some(Err(e))) => return Poll::Ready(Some(Err(e))),
                Poll::Ready(None) => {
                    let out = ready!(this.step(cx, Op::Finish, true))?;
                    this.done = true;
                    return Poll::Ready((!out.is_empty()).then(|| Ok(Frame::data(out))));
                }
                Poll::Pending => {
                    // The source has nothing for now: send what is compressed so far.
                    if this.pending {
                        this.pending = false;
                        let out = ready!(this.step(cx, Op::Flush, false))?;
                        if !out.is_empty() {
                            return Poll::Ready(Some(Ok(Frame::data(out))));
                        }
                    }
                    return Poll::Pending;
                }
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.done
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compressible_types() {
        let ct = |s: &'static str| Some(HeaderValue::from_static(s));
        assert!(compressible(ct("text/html; charset=utf-8").as_ref(), false));
        assert!(compressible(ct("application/json").as_ref(), false));
        assert!(compressible(ct("image/svg+xml").as_ref(), false));
        assert!(compressible(None, false));
        assert!(!compressible(ct("image/png").as_ref(), false));
        assert!(!compressible(ct("application/zip").as_ref(), false));
        assert!(!compressible(ct("font/woff2").as_ref(), false));
        assert!(!compressible(ct("text/event-stream").as_ref(), false));
        assert!(compressible(ct("text/event-stream").as_ref(), true));
    }
}
