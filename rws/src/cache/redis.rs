//! `RedisCache`: the cache's entries in Redis, shared by every instance behind a load
//! balancer.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use redis::AsyncCommands as _;

use super::entry::CacheEntry;
use super::store::CacheStore;
use crate::redis_link::Link;

/// GET, unless the value is longer than `ARGV[1]`: one round trip, and a value over the bound is
/// never sent.
const BOUNDED_GET: &str = r"
if redis.call('STRLEN', KEYS[1]) > tonumber(ARGV[1]) then return false end
return redis.call('GET', KEYS[1])
";

/// How many keys one `SCAN` step asks for while purging.
const SCAN_COUNT: usize = 500;

/// A [`CacheStore`] in Redis: each entry under `rws:cache:<key>` (the prefix is settable)
/// with Redis's own expiry, so that N instances share one cache (a miss on one, a hit on
/// the next).
///
/// A lookup is one round trip (a script that reads the value only when it is within
/// [`max_value_size`](Self::max_value_size)). Redis down or slow (each command has a
/// deadline, 250 ms unless set) fails open: the request goes to the handler and nothing is
/// stored; the problem is logged at most once a minute. The connection is made lazily, so an app starts while Redis is away.
///
/// ```no_run
/// use rws::prelude::*;
/// use rws::cache::{CacheLayer, RedisCache};
///
/// # fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let cache = CacheLayer::new(RedisCache::open("redis://127.0.0.1:6379")?).ttl(60);
/// let app = App::new().get("/news", || async { "today" }).wrap(cache);
/// # let _ = app;
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct RedisCache {
    link: Link,
    prefix: String,
    max_bytes: usize,
    bounded_get: redis::Script,
}

impl RedisCache {
    /// A cache in the Redis server at `url` (`redis://host:port/db`); only a malformed URL is
    /// an error.
    pub fn open(url: &str) -> Result<Self, redis::RedisError> {
        Ok(RedisCache::with_link(Link::open(url, "cache")?))
    }

    /// A cache over an existing connection manager.
    pub fn new(connection: redis::aio::ConnectionManager) -> Self {
        RedisCache::with_link(Link::over(connection, "cache"))
    }

    fn with_link(link: Link) -> Self {
        RedisCache {
            link,
            prefix: "rws:cache:".to_owned(),
            max_bytes: 8 << 20,
            bounded_get: redis::Script::new(BOUNDED_GET),
        }
    }

    /// Keys are `prefix` followed by the cache key.
    #[must_use]
    pub fn prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    /// The deadline of each Redis command (250 ms unless set).
    #[must_use]
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.link.set_timeout(timeout);
        self
    }

    /// The largest value read back, in bytes (8 MiB unless set): a bound on what one lookup
    /// may bring into memory, whoever wrote the key.
    #[must_use]
    pub fn max_value_size(mut self, bytes: usize) -> Self {
        self.max_bytes = bytes;
        self
    }
}

/// `prefix` with Redis's glob characters escaped, then `*`.
fn pattern(prefix: &str) -> String {
    let mut out = String::with_capacity(prefix.len() + 1);
    for c in prefix.chars() {
        if matches!(c, '*' | '?' | '[' | ']' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('*');
    out
}

impl CacheStore for RedisCache {
    async fn get(&self, key: &str) -> Option<Arc<CacheEntry>> {
        let key = format!("{}{key}", self.prefix);
        let script = &self.bounded_get;
        let max = self.max_bytes;
        let value: Option<Vec<u8>> = self
            .link
            .run(|mut c| async move { script.key(&key).arg(max).invoke_async(&mut c).await })
            .await
            .flatten();
        CacheEntry::from_bytes(Bytes::from(value?)).map(Arc::new)
    }

    async fn put(&self, key: String, entry: Arc<CacheEntry>, keep: Duration) {
        let key = format!("{}{key}", self.prefix);
        let value = entry.to_bytes();
        let millis = u64::try_from(keep.as_millis()).unwrap_or(u64::MAX).max(1);
        self.link
            .run(|mut c| async move { c.pset_ex::<_, _, ()>(key, value.as_ref(), millis).await })
            .await;
    }

    async fn remove_prefix(&self, prefix: &str) {
        let pattern = pattern(&format!("{}{prefix}", self.prefix));
        let mut cursor = 0u64;
        loop {
            let pattern = pattern.as_str();
            let step: Option<(u64, Vec<String>)> = self
                .link
                .run(|mut c| async move {
                    redis::cmd("SCAN")
                        .arg(cursor)
                        .arg("MATCH")
                        .arg(pattern)
                        .arg("COUNT")
                        .arg(SCAN_COUNT)
                        .query_async(&mut c)
                        .await
                })
                .await;
            let Some((next, keys)) = step else { return };
            if !keys.is_empty() {
                self.link
                    .run(|mut c| async move { c.unlink::<_, ()>(keys).await })
                    .await;
            }
            if next == 0 {
                return;
            }
            cursor = next;
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn patterns_escape_globs() {
        assert_eq!(
            super::pattern("rws:cache:/a*b?[c]\\"),
            "rws:cache:/a\\*b\\?\\[c\\]\\\\*"
        );
    }
}
