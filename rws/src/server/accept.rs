//! What the accept loop does when accepting fails: out of file descriptors (EMFILE, ENFILE),
//! out of memory for sockets, a connection reset before it was accepted. It waits before trying
//! again, longer each time the failure repeats (up to a second), so that it never spins on a
//! listener that stays readable; and it logs the first failure, then one summary per interval,
//! so that a flood of failures cannot flood the log.

use std::io;
use std::time::Duration;

use tokio::time::Instant;

const FIRST_DELAY: Duration = Duration::from_millis(10);
const MAX_DELAY: Duration = Duration::from_secs(1);
const LOG_EVERY: Duration = Duration::from_secs(10);

#[derive(Debug, Default)]
pub(super) struct AcceptErrors {
    delay: Option<Duration>,
    logged_at: Option<Instant>,
    since_log: u64,
}

impl AcceptErrors {
    /// Records a failure; how long to wait before accepting again.
    pub(super) fn failed(&mut self, error: &io::Error) -> Duration {
        // A connection the peer reset before we took it is that connection's problem alone.
        if matches!(
            error.kind(),
            io::ErrorKind::ConnectionAborted | io::ErrorKind::ConnectionReset
        ) {
            return Duration::ZERO;
        }
        let delay = self.delay.map_or(FIRST_DELAY, |d| (d * 2).min(MAX_DELAY));
        self.delay = Some(delay);
        self.since_log += 1;
        let now = Instant::now();
        if self
            .logged_at
            .is_none_or(|at| now.duration_since(at) >= LOG_EVERY)
        {
            tracing::warn!(
                error = %error,
                failures = self.since_log,
                retry_in = ?delay,
                "accepting connections fails (out of file descriptors?); backing off"
            );
            self.logged_at = Some(now);
            self.since_log = 0;
        }
        delay
    }

    /// A connection was accepted: the next failure starts over with a short wait.
    pub(super) fn succeeded(&mut self) {
        self.delay = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_grow_to_a_second_and_reset_on_success() {
        let mut errors = AcceptErrors::default();
        let emfile = io::Error::from_raw_os_error(24);
        let waits: Vec<Duration> = (0..9).map(|_| errors.failed(&emfile)).collect();
        assert_eq!(waits[0], FIRST_DELAY);
        assert!(waits.windows(2).all(|w| w[1] >= w[0]));
        assert_eq!(*waits.last().unwrap(), MAX_DELAY);
        errors.succeeded();
        assert_eq!(errors.failed(&emfile), FIRST_DELAY);
        let reset = io::Error::from(io::ErrorKind::ConnectionReset);
        assert_eq!(errors.failed(&reset), Duration::ZERO);
    }
}
