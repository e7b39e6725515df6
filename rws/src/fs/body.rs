//! File bodies, streamed from disk in 64 KiB reads with an exact length, so that hyper frames
//! them with `Content-Length` and a truncated file aborts the response instead of hanging it.
//! Every span of a body is read through the one file it was opened with: a `multipart/byteranges`
//! answer of 32 ranges holds one descriptor, not 32.

use std::collections::VecDeque;
use std::io::{self, SeekFrom};
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use bytes::{Bytes, BytesMut};
use http_body::{Frame, SizeHint};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncSeek};

/// How much is read from disk at a time.
const CHUNK: usize = 64 * 1024;

/// One piece of a file body: bytes in memory (a multipart header), or a span of the file.
pub(crate) enum Piece {
    Bytes(Bytes),
    /// `len` bytes from `start`.
    Span {
        start: u64,
        len: u64,
    },
}

/// Where the body is within the span it sends.
enum Reading {
    /// Moving the file to the span's start.
    Seeking { len: u64, started: bool },
    /// `left` bytes of the span still to read.
    Reading { left: u64 },
}

/// A body made of pieces of one file, of known total length.
pub(crate) struct FileBody {
    // Its place under the bound on open files (`permits.rs`), given back with the file.
    _permit: tokio::sync::OwnedSemaphorePermit,
    file: tokio::fs::File,
    // Where the file's cursor is, so that a span starting there needs no seek.
    position: u64,
    pieces: VecDeque<Piece>,
    current: Option<(u64, Reading)>,
    buf: BytesMut,
    remaining: u64,
}

impl FileBody {
    /// A body of `pieces` of `file`, whose cursor is at `position`; refused when too many files
    /// are held open by responses already.
    pub(crate) fn new(
        file: std::fs::File,
        position: u64,
        pieces: VecDeque<Piece>,
    ) -> io::Result<Self> {
        let permit = super::permits::acquire()?;
        let remaining = pieces
            .iter()
            .map(|p| match p {
                Piece::Bytes(b) => b.len() as u64,
                Piece::Span { len, .. } => *len,
            })
            .sum();
        Ok(FileBody {
            _permit: permit,
            file: tokio::fs::File::from_std(file),
            position,
            pieces,
            current: None,
            buf: BytesMut::new(),
            remaining,
        })
    }

    /// Polls the current span: `Some(chunk)`, or `None` when it is done.
    fn poll_span(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<Option<Bytes>>> {
        loop {
            let Some((start, reading)) = &mut self.current else {
                return Poll::Ready(Ok(None));
            };
            match reading {
                Reading::Seeking { len, started } => {
                    let (start, len) = (*start, *len);
                    if self.position != start {
                        if !*started {
                            Pin::new(&mut self.file).start_seek(SeekFrom::Start(start))?;
                            *started = true;
                        }
                        self.position = ready!(Pin::new(&mut self.file).poll_complete(cx))?;
                    }
                    self.current = Some((start, Reading::Reading { left: len }));
                }
                Reading::Reading { left: 0 } => {
                    self.current = None;
                    return Poll::Ready(Ok(None));
                }
                Reading::Reading { left } => {
                    let want = usize::try_from(*left).unwrap_or(CHUNK).min(CHUNK);
                    self.buf.reserve(want);
                    let mut limited = (&mut self.file).take(want as u64);
                    let n = ready!(tokio_util::io::poll_read_buf(
                        Pin::new(&mut limited),
                        cx,
                        &mut self.buf
                    ))?;
                    if n == 0 {
                        return Poll::Ready(Err(io::Error::new(
                            io::ErrorKind::UnexpectedEof,
                            "the file was truncated while being sent",
                        )));
                    }
                    *left -= n as u64;
                    self.position += n as u64;
                    return Poll::Ready(Ok(Some(self.buf.split().freeze())));
                }
            }
        }
    }
}

// Reading through `&mut File` needs the file's own `AsyncRead`; checked here once.
const _: fn() = || {
    fn reads<T: AsyncRead + AsyncSeek + Unpin>() {}
    reads::<tokio::fs::File>();
};

impl http_body::Body for FileBody {
    type Data = Bytes;
    type Error = io::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, io::Error>>> {
        let this = &mut *self;
        loop {
            if this.current.is_some() {
                match ready!(this.poll_span(cx)) {
                    Ok(Some(chunk)) => {
                        this.remaining = this.remaining.saturating_sub(chunk.len() as u64);
                        return Poll::Ready(Some(Ok(Frame::data(chunk))));
                    }
                    Ok(None) => {}
                    Err(e) => {
                        this.remaining = 0;
                        this.pieces.clear();
                        this.current = None;
                        return Poll::Ready(Some(Err(e)));
                    }
                }
            }
            match this.pieces.pop_front() {
                Some(Piece::Bytes(bytes)) => {
                    this.remaining = this.remaining.saturating_sub(bytes.len() as u64);
                    return Poll::Ready(Some(Ok(Frame::data(bytes))));
                }
                Some(Piece::Span { start, len }) => {
                    let seeking = Reading::Seeking {
                        len,
                        started: false,
                    };
                    this.current = Some((start, seeking));
                }
                None if this.remaining > 0 => {
                    // The file shrank while it was being sent: abort rather than send a short
                    // body under a `Content-Length` that promised more.
                    this.remaining = 0;
                    return Poll::Ready(Some(Err(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        "the file was truncated while being sent",
                    ))));
                }
                None => return Poll::Ready(None),
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.remaining == 0 && self.pieces.is_empty() && self.current.is_none()
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.remaining)
    }
}
