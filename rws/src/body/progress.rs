//! How far a request body has been read: what a deadline asks to tell a slow client (still
//! sending a body the handler is reading: 408) from a slow handler (503).

use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};
use std::task::{Context, Poll};

use bytes::Bytes;
use http_body::{Frame, SizeHint};

use super::{Body, BoxError};

const UNTOUCHED: u8 = 0;
const READING: u8 = 1;
const DONE: u8 = 2;

/// Whether a body is untouched, being read, or read to its end (or failed).
#[derive(Debug)]
pub(crate) struct Progress(AtomicU8);

impl Default for Progress {
    fn default() -> Self {
        Progress(AtomicU8::new(UNTOUCHED))
    }
}

impl Progress {
    pub(crate) fn done() -> Self {
        Progress(AtomicU8::new(DONE))
    }

    /// Whether the handler is waiting for bytes the client has not sent: the client is slow.
    pub(crate) fn client_is_slow(&self) -> bool {
        self.0.load(Ordering::Relaxed) == READING
    }

    /// Records a poll of the body: `ended` when it yielded its last frame or an error.
    pub(super) fn polled(&self, ended: bool) {
        self.0
            .store(if ended { DONE } else { READING }, Ordering::Relaxed);
    }
}

/// Any other body, reporting its reads (hyper's `Incoming` is watched inline, unboxed).
pub(super) struct Watched {
    pub(super) inner: Body,
    pub(super) progress: Arc<Progress>,
}

impl http_body::Body for Watched {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        let polled = Pin::new(&mut self.inner).poll_frame(cx);
        let ended =
            matches!(polled, Poll::Ready(None | Some(Err(_)))) || self.inner.is_end_stream();
        self.progress.polled(ended);
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}
