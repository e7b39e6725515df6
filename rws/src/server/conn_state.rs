//! What a connection's watcher knows of it, updated by the socket (bytes read) and the service
//! (requests started and finished): a few relaxed atomics, no clock reads on the request path.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU8, AtomicU64, AtomicUsize, Ordering};
use std::task::Waker;

/// What the connection's watcher needs to know, updated from the socket and the service.
#[derive(Debug, Default)]
pub(super) struct ConnState {
    pub(super) inflight: AtomicUsize,
    // Bumped when a request starts and when the connection goes back to idle, so the watcher can
    // tell "still the same idle spell (or pending head)" from "a new one".
    pub(super) activity: AtomicU64,
    pub(super) head_pending: AtomicBool,
    // 0: protocol unknown, 1: HTTP/1 (heads are timed), 2: HTTP/2 (frames, no heads to time).
    pub(super) protocol: AtomicU8,
    pub(super) drain: AtomicBool,
    // The connection task's waker, so that shutdown can wake it without it polling a channel.
    pub(super) waker: Mutex<Option<Waker>>,
    // The send side, for the send timeout: bumped whenever output moves (a write to the socket
    // succeeds, hyper comes back to a response body for more) ...
    pub(super) sent: AtomicU64,
    // ... and whether output is waiting on the client: a write the socket refused, or response
    // bodies that handed hyper data and wait for it to come back (on HTTP/2, a zero window).
    pub(super) write_blocked: AtomicBool,
    pub(super) bodies_waiting: AtomicUsize,
    // Response bodies not finished yet (on HTTP/2, streams with a body still to send).
    pub(super) bodies_open: AtomicUsize,
}

impl ConnState {
    /// A request head was parsed and handed to the service.
    pub(super) fn request_started(&self) {
        self.inflight.fetch_add(1, Ordering::Relaxed);
        self.head_pending.store(false, Ordering::Relaxed);
        self.activity.fetch_add(1, Ordering::Relaxed);
    }

    /// A response finished (its body was sent or dropped).
    pub(super) fn request_finished(&self) {
        if self.inflight.fetch_sub(1, Ordering::Relaxed) == 1 {
            self.activity.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Whether output waits on the client (see the fields).
    pub(super) fn sending(&self) -> bool {
        self.write_blocked.load(Ordering::Relaxed)
            || self.bodies_waiting.load(Ordering::Relaxed) > 0
    }

    /// Bytes arrived on the socket.
    pub(super) fn bytes_read(&self, first: &[u8]) {
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
            && !self.head_pending.load(Ordering::Relaxed)
        {
            self.head_pending.store(true, Ordering::Relaxed);
        }
    }

    /// Asks the connection to drain, and wakes its task to do so.
    pub(super) fn drain(&self) {
        self.drain.store(true, Ordering::Release);
        if let Ok(waker) = self.waker.lock()
            && let Some(waker) = waker.as_ref()
        {
            waker.wake_by_ref();
        }
    }
}
