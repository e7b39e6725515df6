//! One connection: hyper serves it; rws watches its clock.
//!
//! hyper's own header timer also runs while a keep-alive connection waits for its next request,
//! so it cannot tell a slow client from an idle one. rws keeps both apart by watching the
//! connection itself: bytes arriving while no request is in flight start the header timer; a
//! finished response starts the idle timer. One sleep per connection, re-armed to the earliest
//! deadline; nothing per request but two atomic updates and a notify on the way back to idle.

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, AtomicU64, AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::sync::{Notify, watch};
use tokio::time::Instant;

use super::Limits;
use super::service::ConnService;

const NONE: u64 = u64::MAX;

/// What the connection's watcher needs to know, updated from the socket and the service.
#[derive(Debug)]
pub(super) struct ConnState {
    start: Instant,
    inflight: AtomicUsize,
    // Milliseconds since `start` when the connection last became idle.
    idle_since: AtomicU64,
    // Milliseconds since `start` when bytes of a new request head began to arrive; NONE when no
    // head is pending.
    head_since: AtomicU64,
    // 0: protocol unknown, 1: HTTP/1 (heads are timed), 2: HTTP/2 (frames, no heads to time).
    protocol: AtomicU8,
    pub(super) changed: Notify,
}

impl ConnState {
    pub(super) fn new() -> Self {
        ConnState {
            start: Instant::now(),
            inflight: AtomicUsize::new(0),
            idle_since: AtomicU64::new(0),
            head_since: AtomicU64::new(NONE),
            protocol: AtomicU8::new(0),
            changed: Notify::new(),
        }
    }

    fn now_ms(&self) -> u64 {
        u64::try_from(self.start.elapsed().as_millis()).unwrap_or(NONE - 1)
    }

    fn at(&self, ms: u64) -> Instant {
        self.start + Duration::from_millis(ms)
    }

    /// A request head was parsed and handed to the service.
    pub(super) fn request_started(&self) {
        self.inflight.fetch_add(1, Ordering::Relaxed);
        self.head_since.store(NONE, Ordering::Relaxed);
    }

    /// A response finished (its body was sent or dropped).
    pub(super) fn request_finished(&self) {
        if self.inflight.fetch_sub(1, Ordering::Relaxed) == 1 {
            self.idle_since.store(self.now_ms(), Ordering::Relaxed);
            self.changed.notify_one();
        }
    }

    /// Bytes arrived on the socket.
    fn bytes_read(&self, first: &[u8]) {
        let protocol = match self.protocol.load(Ordering::Relaxed) {
            0 => {
                // The HTTP/2 connection preface starts with "PRI "; anything else is HTTP/1.
                let p = if first.starts_with(b"PRI ") { 2 } else { 1 };
                self.protocol.store(p, Ordering::Relaxed);
                p
            }
            p => p,
        };
        if protocol == 1
            && self.inflight.load(Ordering::Relaxed) == 0
            && self.head_since.load(Ordering::Relaxed) == NONE
        {
            self.head_since.store(self.now_ms(), Ordering::Relaxed);
            self.changed.notify_one();
        }
    }

    /// The next instant something may be due, and what.
    fn next_deadline(&self, limits: &Limits) -> (Instant, Due) {
        let head = self.head_since.load(Ordering::Relaxed);
        if head != NONE {
            return (self.at(head) + limits.header_read_timeout, Due::Header);
        }
        if self.inflight.load(Ordering::Relaxed) == 0 {
            let idle = self.idle_since.load(Ordering::Relaxed);
            return (self.at(idle) + limits.keep_alive_timeout, Due::Idle);
        }
        // Busy: look again later (a finishing request notifies anyway).
        (Instant::now() + limits.keep_alive_timeout, Due::Nothing)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Due {
    Header,
    Idle,
    Nothing,
}

pin_project_lite::pin_project! {
    /// The socket, reporting reads to the connection's watcher.
    pub(super) struct TrackedIo<I> {
        #[pin]
        io: I,
        state: Arc<ConnState>,
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
        }
        polled
    }
}

impl<I: AsyncWrite> AsyncWrite for TrackedIo<I> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.project().io.poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.project().io.poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.project().io.poll_shutdown(cx)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.project().io.poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }
}

/// Serves one connection until it ends, times out, or the server's shutdown drains it.
pub(super) async fn serve<I>(
    io: I,
    service: ConnService,
    state: Arc<ConnState>,
    builder: &hyper_util::server::conn::auto::Builder<hyper_util::rt::TokioExecutor>,
    limits: &Limits,
    mut shutdown: watch::Receiver<bool>,
) where
    I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let io = hyper_util::rt::TokioIo::new(TrackedIo {
        io,
        state: Arc::clone(&state),
    });
    let conn = builder.serve_connection_with_upgrades(io, service);
    tokio::pin!(conn);
    let (deadline, _) = state.next_deadline(limits);
    let sleep = tokio::time::sleep_until(deadline);
    tokio::pin!(sleep);
    let mut draining = false;
    loop {
        let (mut deadline, due) = state.next_deadline(limits);
        if draining && due == Due::Idle {
            // hyper is already closing it; only a header timeout still matters.
            deadline = Instant::now() + limits.keep_alive_timeout;
        }
        if sleep.deadline() != deadline {
            sleep.as_mut().reset(deadline);
        }
        tokio::select! {
            biased;
            result = conn.as_mut() => {
                if let Err(e) = result {
                    tracing::debug!(error = %e, "connection ended with an error");
                }
                return;
            }
            changed = shutdown.wait_for(|stop| *stop), if !draining => {
                // A dropped sender means the server is gone: drain as well.
                let _ = changed;
                conn.as_mut().graceful_shutdown();
                draining = true;
            }
            () = state.changed.notified() => {}
            () = &mut sleep => {
                let (deadline, due) = state.next_deadline(limits);
                if deadline > Instant::now() {
                    continue;
                }
                // (Idle while draining never gets here: its deadline is pushed out above.)
                match due {
                    Due::Header => {
                        tracing::debug!("request header read timeout: closing the connection");
                        return;
                    }
                    Due::Idle if !draining => {
                        tracing::debug!("keep-alive idle timeout: closing the connection");
                        conn.as_mut().graceful_shutdown();
                        draining = true;
                    }
                    // Idle while already draining: hyper is closing it.
                    Due::Idle | Due::Nothing => {}
                }
            }
        }
    }
}
