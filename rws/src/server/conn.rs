//! One connection: hyper serves it; rws watches its clock.
//!
//! hyper's own header timer also runs while a keep-alive connection waits for its next request,
//! so it cannot tell a slow client from an idle one. rws keeps both apart by watching the
//! connection itself: bytes arriving while no request is in flight mean a request head is
//! pending; no request in flight and no head pending means idle. The request path only flips a
//! few relaxed atomics (no clock reads, no wake-ups); the watcher samples them on a tick of half
//! the shorter timeout and acts when a state has lasted long enough. A limit is therefore
//! enforced between one and one and a half times its value.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::task::Poll;
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite};
use tokio::time::Instant;

use super::Limits;
pub(super) use super::conn_state::ConnState;
use super::observer::Observer;
use super::service::ConnService;
use super::socket::TrackedIo;

/// What the watcher saw: which state, since when, during which spell of activity.
#[derive(Debug, Clone, Copy)]
struct Seen {
    since: Instant,
    activity: u64,
}

/// The watcher's memory between ticks.
#[derive(Debug, Default)]
struct Watch {
    head: Option<Seen>,
    idle: Option<Seen>,
    send: Option<Seen>,
}

#[derive(Debug, PartialEq, Eq)]
enum Verdict {
    Fine,
    HeaderTimeout,
    Idle,
    SendTimeout,
}

impl Watch {
    fn tick(&mut self, state: &ConnState, limits: &Limits, now: Instant) -> Verdict {
        let activity = state.activity.load(Ordering::Relaxed);
        let head = state.head_pending.load(Ordering::Relaxed);
        let idle = !head && state.inflight.load(Ordering::Relaxed) == 0;
        let lasted = |slot: &mut Option<Seen>, on: bool, activity: u64, limit: Duration| {
            // A zero limit is no limit.
            if !on || limit.is_zero() {
                *slot = None;
                return false;
            }
            match *slot {
                Some(seen) if seen.activity == activity => now.duration_since(seen.since) >= limit,
                _ => {
                    *slot = Some(Seen {
                        since: now,
                        activity,
                    });
                    false
                }
            }
        };
        // Output waiting on the client, and none of it moving since the last look.
        let sent = state.sent.load(Ordering::Relaxed);
        if lasted(&mut self.send, state.sending(), sent, limits.send_timeout) {
            Verdict::SendTimeout
        } else if lasted(&mut self.head, head, activity, limits.header_read_timeout) {
            Verdict::HeaderTimeout
        } else if lasted(&mut self.idle, idle, activity, limits.keep_alive_timeout) {
            Verdict::Idle
        } else {
            Verdict::Fine
        }
    }
}

/// The longest a closing connection with nothing in flight is kept.
const CLOSE_DEADLINE: Duration = Duration::from_secs(5);

/// How often the watcher looks: half the shorter of the timeouts that are on (zero is off), so a
/// limit is enforced between one and one and a half times its value; an hour with both off.
fn tick_every(limits: &Limits) -> Duration {
    [
        limits.header_read_timeout,
        limits.keep_alive_timeout,
        limits.send_timeout,
    ]
    .into_iter()
    .filter(|t| !t.is_zero())
    .min()
    .map_or(Duration::from_secs(3600), |t| t / 2)
}

/// Resolves once the server asked the connection to drain. Polling it is one atomic load: the
/// server wakes the task through the waker saved in [`ConnState`].
fn drain_requested(state: &ConnState) -> impl Future<Output = ()> + '_ {
    std::future::poll_fn(move |_| {
        if state.drain.load(Ordering::Acquire) {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    })
}

/// Serves one connection until it ends, times out, or the server's shutdown drains it.
pub(super) async fn serve<I>(
    io: I,
    service: ConnService,
    state: Arc<ConnState>,
    builder: &hyper_util::server::conn::auto::Builder<hyper_util::rt::TokioExecutor>,
    limits: &Limits,
    observer: Option<Observer>,
) where
    I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    std::future::poll_fn(|cx| {
        if let Ok(mut waker) = state.waker.lock() {
            *waker = Some(cx.waker().clone());
        }
        Poll::Ready(())
    })
    .await;
    let io = hyper_util::rt::TokioIo::new(TrackedIo::new(io, Arc::clone(&state), observer));
    let conn = builder.serve_connection_with_upgrades(io, service);
    tokio::pin!(conn);
    let every = tick_every(limits);
    let tick = tokio::time::sleep(every);
    tokio::pin!(tick);
    let mut watch = Watch::default();
    let mut draining = false;
    // A closing connection with nothing in flight may wait this long for the client to agree
    // (an HTTP/2 GOAWAY waits for a PING ACK a silent client never sends): then it is dropped.
    let close_within = if limits.keep_alive_timeout.is_zero() {
        CLOSE_DEADLINE
    } else {
        CLOSE_DEADLINE.min(limits.keep_alive_timeout)
    };
    let mut closing_since: Option<Instant> = None;
    loop {
        tokio::select! {
            biased;
            result = conn.as_mut() => {
                if let Err(e) = result {
                    tracing::debug!(error = %e, "connection ended with an error");
                }
                return;
            }
            () = drain_requested(&state), if !draining => {
                conn.as_mut().graceful_shutdown();
                draining = true;
                let now = Instant::now();
                closing_since = Some(now);
                tick.as_mut().reset(now + close_within.min(every));
            }
            () = &mut tick => {
                let now = Instant::now();
                match watch.tick(&state, limits, now) {
                    Verdict::HeaderTimeout => {
                        tracing::debug!("request header read timeout: closing the connection");
                        return;
                    }
                    Verdict::SendTimeout => {
                        tracing::debug!("send timeout: the client takes nothing; closing");
                        return;
                    }
                    Verdict::Idle if !draining => {
                        tracing::debug!("keep-alive idle timeout: closing the connection");
                        conn.as_mut().graceful_shutdown();
                        draining = true;
                        closing_since = Some(now);
                    }
                    Verdict::Idle | Verdict::Fine => {}
                }
                let idle = state.inflight.load(Ordering::Relaxed) == 0;
                if let Some(since) = closing_since
                    && idle
                    && now.duration_since(since) >= close_within
                {
                    tracing::debug!("the connection did not finish closing in time: dropped");
                    return;
                }
                let next = if closing_since.is_some() { close_within.min(every) } else { every };
                tick.as_mut().reset(now + next);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits() -> Limits {
        Limits {
            header_read_timeout: Duration::from_secs(10),
            keep_alive_timeout: Duration::from_secs(60),
            ..Limits::default()
        }
    }

    /// A zero timeout is "off": never enforced, and no 1 ms tick (half of zero) for it.
    #[test]
    fn zero_timeouts_are_off() {
        let off = Limits {
            header_read_timeout: Duration::ZERO,
            keep_alive_timeout: Duration::ZERO,
            send_timeout: Duration::ZERO,
            ..Limits::default()
        };
        assert_eq!(tick_every(&off), Duration::from_secs(3600));
        let one = Limits {
            header_read_timeout: Duration::ZERO,
            ..limits()
        };
        assert_eq!(tick_every(&one), Duration::from_secs(30));
        let (state, t0) = (ConnState::default(), Instant::now());
        state.bytes_read(b"GET");
        let mut watch = Watch::default();
        for hours in [0, 1, 100] {
            let at = t0 + Duration::from_secs(hours * 3600);
            assert_eq!(watch.tick(&state, &off, at), Verdict::Fine);
        }
    }

    #[test]
    fn an_idle_spell_must_last_the_whole_timeout() {
        let (state, limits, t0) = (ConnState::default(), limits(), Instant::now());
        let mut watch = Watch::default();
        assert_eq!(watch.tick(&state, &limits, t0), Verdict::Fine);
        assert_eq!(
            watch.tick(&state, &limits, t0 + Duration::from_secs(59)),
            Verdict::Fine
        );
        assert_eq!(
            watch.tick(&state, &limits, t0 + Duration::from_secs(60)),
            Verdict::Idle
        );
        // A request in between starts a new spell.
        let mut watch = Watch::default();
        watch.tick(&state, &limits, t0);
        state.request_started();
        state.request_finished();
        assert_eq!(
            watch.tick(&state, &limits, t0 + Duration::from_secs(61)),
            Verdict::Fine
        );
        assert_eq!(
            watch.tick(&state, &limits, t0 + Duration::from_secs(121)),
            Verdict::Idle
        );
    }

    #[test]
    fn a_pending_head_is_timed_but_a_busy_connection_is_not() {
        let (state, limits, t0) = (ConnState::default(), limits(), Instant::now());
        let mut watch = Watch::default();
        state.bytes_read(b"GET / HT");
        assert_eq!(watch.tick(&state, &limits, t0), Verdict::Fine);
        assert_eq!(
            watch.tick(&state, &limits, t0 + Duration::from_secs(10)),
            Verdict::HeaderTimeout
        );

        let state = ConnState::default();
        let mut watch = Watch::default();
        state.bytes_read(b"GET / HTTP/1.1\r\n\r\n");
        state.request_started();
        for s in [0, 30, 300, 3000] {
            assert_eq!(
                watch.tick(&state, &limits, t0 + Duration::from_secs(s)),
                Verdict::Fine
            );
        }
    }

    #[test]
    fn http2_frames_never_count_as_a_pending_head() {
        let (state, limits, t0) = (ConnState::default(), limits(), Instant::now());
        let mut watch = Watch::default();
        state.bytes_read(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");
        state.bytes_read(b"\x00\x00\x08\x06"); // a PING while idle
        assert_eq!(watch.tick(&state, &limits, t0), Verdict::Fine);
        assert_eq!(
            watch.tick(&state, &limits, t0 + Duration::from_secs(20)),
            Verdict::Fine
        );
    }
}
