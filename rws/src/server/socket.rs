//! The connection's byte stream as the server sees it: reads reported to the connection's
//! watcher, bytes counted for metrics, and a lingering close.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

use super::conn_state::ConnState;
use super::observer::Observer;

/// How long a closing connection keeps reading what the client still sends.
const LINGER_TIME: Duration = Duration::from_secs(2);
/// How much a closing connection reads and discards at most.
const LINGER_BYTES: usize = 16 * 1024 * 1024;

/// The state of a lingering close; empty until shutdown starts.
#[derive(Default)]
pub(super) struct Linger {
    deadline: Option<Pin<Box<tokio::time::Sleep>>>,
    discarded: usize,
}

pin_project_lite::pin_project! {
    /// The socket, reporting reads to the connection's watcher.
    pub(super) struct TrackedIo<I> {
        #[pin]
        io: I,
        state: Arc<ConnState>,
        observer: Option<Observer>,
        linger: Linger,
    }
}

impl<I: AsyncRead> AsyncRead for TrackedIo<I> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.project();
        let before = buf.filled().len();
        let polled = this.io.poll_read(cx, buf);
        if let Poll::Ready(Ok(())) = polled
            && buf.filled().len() > before
        {
            this.state.bytes_read(&buf.filled()[before..]);
            if let Some(observer) = this.observer {
                observer.read(buf.filled().len() - before);
            }
        }
        polled
    }
}

impl<I: AsyncRead + AsyncWrite> AsyncWrite for TrackedIo<I> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.project();
        let polled = this.io.poll_write(cx, buf);
        wrote(this.state, this.observer.as_ref(), &polled);
        polled
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.project();
        let polled = this.io.poll_flush(cx);
        this.state
            .write_blocked
            .store(polled.is_pending(), Ordering::Relaxed);
        polled
    }

    /// Sends FIN, then reads and discards what the client still sends until it closes too (at
    /// most [`LINGER_BYTES`], for at most [`LINGER_TIME`]). Closing a socket with unread data
    /// makes the kernel send RST, which can destroy a response still in flight: a client
    /// uploading a body too large for the app would see "connection reset" instead of the 413
    /// it was sent. nginx calls this a lingering close.
    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let mut this = self.project();
        if this.linger.deadline.is_none() {
            ready!(this.io.as_mut().poll_shutdown(cx))?;
            this.linger.deadline = Some(Box::pin(tokio::time::sleep(LINGER_TIME)));
        }
        let mut scratch = [0u8; 4096];
        while this.linger.discarded < LINGER_BYTES {
            let mut buf = ReadBuf::new(&mut scratch);
            match this.io.as_mut().poll_read(cx, &mut buf) {
                Poll::Ready(Ok(())) if buf.filled().is_empty() => return Poll::Ready(Ok(())),
                Poll::Ready(Ok(())) => this.linger.discarded += buf.filled().len(),
                // The client is gone either way.
                Poll::Ready(Err(_)) => return Poll::Ready(Ok(())),
                Poll::Pending => {
                    return match this.linger.deadline.as_mut().map(|d| d.as_mut().poll(cx)) {
                        Some(Poll::Pending) => Poll::Pending,
                        _ => Poll::Ready(Ok(())),
                    };
                }
            }
        }
        Poll::Ready(Ok(()))
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.project();
        let polled = this.io.poll_write_vectored(cx, bufs);
        wrote(this.state, this.observer.as_ref(), &polled);
        polled
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }
}

/// Records a write's outcome for the send timeout and the metrics.
fn wrote(state: &ConnState, observer: Option<&Observer>, polled: &Poll<io::Result<usize>>) {
    match polled {
        Poll::Ready(Ok(n)) => {
            state.write_blocked.store(false, Ordering::Relaxed);
            state.sent.fetch_add(1, Ordering::Relaxed);
            if let Some(observer) = observer {
                observer.wrote(*n);
            }
        }
        Poll::Ready(Err(_)) => state.write_blocked.store(false, Ordering::Relaxed),
        Poll::Pending => state.write_blocked.store(true, Ordering::Relaxed),
    }
}

impl<I> TrackedIo<I> {
    pub(super) fn new(io: I, state: Arc<ConnState>, observer: Option<Observer>) -> Self {
        TrackedIo {
            io,
            state,
            observer,
            linger: Linger::default(),
        }
    }
}
