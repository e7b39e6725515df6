//! What the Redis-backed stores (the cache, the rate limiter) share: a reconnecting
//! connection made lazily (an app starts, and serves, while Redis is down), a deadline on
//! every command, and trouble logged at most once a minute rather than once a request.

use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::{Client, RedisError};

/// The deadline of one command unless a store is told otherwise.
pub(crate) const DEFAULT_TIMEOUT: Duration = Duration::from_millis(250);

const WARN_EVERY: Duration = Duration::from_secs(60);

pub(crate) struct Link {
    connection: ConnectionManager,
    timeout: Duration,
    what: &'static str,
    started: Instant,
    // Seconds after `started` of the last warning, plus one (0: none yet).
    warned: AtomicU64,
}

impl std::fmt::Debug for Link {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Link")
            .field("what", &self.what)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl Link {
    /// A link to the server at `url` (`redis://host:port/db`); only a malformed URL fails.
    pub(crate) fn open(url: &str, what: &'static str) -> Result<Self, RedisError> {
        let client = Client::open(url)?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(Duration::from_secs(1)))
            .set_response_timeout(Some(DEFAULT_TIMEOUT))
            .set_number_of_retries(1)
            .set_max_delay(Duration::from_millis(500));
        Ok(Link::over(
            ConnectionManager::new_lazy_with_config(client, config)?,
            what,
        ))
    }

    /// A link over an existing connection manager.
    pub(crate) fn over(connection: ConnectionManager, what: &'static str) -> Self {
        Link {
            connection,
            timeout: DEFAULT_TIMEOUT,
            what,
            started: Instant::now(),
            warned: AtomicU64::new(0),
        }
    }

    pub(crate) fn set_timeout(&mut self, timeout: Duration) {
        self.timeout = timeout;
    }

    /// Runs one command under the deadline; `None` (logged, at most once a minute) when Redis
    /// fails or is too slow.
    pub(crate) async fn run<T, F, Fut>(&self, command: F) -> Option<T>
    where
        F: FnOnce(ConnectionManager) -> Fut,
        Fut: Future<Output = Result<T, RedisError>>,
    {
        match tokio::time::timeout(self.timeout, command(self.connection.clone())).await {
            Ok(Ok(value)) => Some(value),
            Ok(Err(e)) => {
                self.warn(&e.to_string());
                None
            }
            Err(_) => {
                self.warn(&format!("no answer within {:?}", self.timeout));
                None
            }
        }
    }

    fn warn(&self, problem: &str) {
        let now = self.started.elapsed().as_secs() + 1;
        let last = self.warned.load(Ordering::Relaxed);
        if (last == 0 || now >= last + WARN_EVERY.as_secs())
            && self
                .warned
                .compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
        {
            tracing::warn!(
                store = self.what,
                "redis: {problem} (logged at most once a minute)"
            );
        }
    }
}
