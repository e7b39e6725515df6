//! The bound on response bodies one connection has still sending (HTTP/2 and HTTP/3 streams,
//! each pinning a file or a buffer): one rule for TCP and QUIC. A request is refused early when
//! the bound is already reached, and a response that finds it reached once its handler is done
//! is replaced by the refusal, so that a burst of requests cannot overshoot it.

use std::sync::atomic::{AtomicUsize, Ordering};

use crate::Response;
use crate::error::Error;
use crate::response::IntoResponse;

/// How many are open when `max` are: a new request is refused at once.
pub(super) fn full(open: &AtomicUsize, max: usize) -> Option<usize> {
    let now = open.load(Ordering::Relaxed);
    (now >= max).then_some(now)
}

/// Counts a response about to send its body in `open`; `Err` (and not counted) with how many
/// are open when `max` already are. A response without a body always goes: it costs nothing.
pub(super) fn take(open: &AtomicUsize, max: usize, has_body: bool) -> Result<(), usize> {
    let before = open.fetch_add(1, Ordering::Relaxed);
    if before >= max && has_body {
        open.fetch_sub(1, Ordering::Relaxed);
        return Err(before);
    }
    Ok(())
}

/// The answer when the bound is reached: 503, try again in a second.
pub(super) fn refusal(open: usize) -> Response {
    Error::service_unavailable(format!(
        "{open} responses of this connection are still sending"
    ))
    .with_header(
        http::header::RETRY_AFTER,
        http::HeaderValue::from_static("1"),
    )
    .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_cannot_overshoot_the_bound() {
        let open = AtomicUsize::new(0);
        let taken = (0..10).filter(|_| take(&open, 4, true).is_ok()).count();
        assert_eq!((taken, open.load(Ordering::Relaxed)), (4, 4));
        assert_eq!(full(&open, 4), Some(4));
        // Bodiless answers still go out, counted until they are done.
        assert_eq!(take(&open, 4, false), Ok(()));
        assert_eq!(open.load(Ordering::Relaxed), 5);
    }
}
