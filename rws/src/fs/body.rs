//! File bodies, streamed from disk in 64 KiB reads with an exact length, so that hyper frames
//! them with `Content-Length` and a truncated file aborts the response instead of hanging it.

use std::collections::VecDeque;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use bytes::Bytes;
use futures_core::Stream;
use http_body::{Frame, SizeHint};
use tokio::io::{AsyncReadExt, Take};
use tokio_util::io::ReaderStream;

/// How much is read from disk at a time.
const CHUNK: usize = 64 * 1024;

/// One piece of a file body: bytes in memory (a multipart header), or a span of a file
/// already positioned at its start.
pub(crate) enum Piece {
    Bytes(Bytes),
    File(std::fs::File, u64),
}

/// A body made of pieces, of known total length.
pub(crate) struct FileBody {
    pieces: VecDeque<Piece>,
    current: Option<ReaderStream<Take<tokio::fs::File>>>,
    remaining: u64,
}

impl FileBody {
    pub(crate) fn new(pieces: VecDeque<Piece>) -> Self {
        let remaining = pieces
            .iter()
            .map(|p| match p {
                Piece::Bytes(b) => b.len() as u64,
                Piece::File(_, len) => *len,
            })
            .sum();
        FileBody {
            pieces,
            current: None,
            remaining,
        }
    }
}

impl http_body::Body for FileBody {
    type Data = Bytes;
    type Error = io::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, io::Error>>> {
        let this = &mut *self;
        loop {
            if let Some(current) = &mut this.current {
                match ready!(Pin::new(current).poll_next(cx)) {
                    Some(Ok(chunk)) => {
                        this.remaining = this.remaining.saturating_sub(chunk.len() as u64);
                        return Poll::Ready(Some(Ok(Frame::data(chunk))));
                    }
                    Some(Err(e)) => return Poll::Ready(Some(Err(e))),
                    None => this.current = None,
                }
            }
            match this.pieces.pop_front() {
                Some(Piece::Bytes(bytes)) => {
                    this.remaining = this.remaining.saturating_sub(bytes.len() as u64);
                    return Poll::Ready(Some(Ok(Frame::data(bytes))));
                }
                Some(Piece::File(file, len)) => {
                    let file = tokio::fs::File::from_std(file).take(len);
                    this.current = Some(ReaderStream::with_capacity(file, CHUNK));
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
