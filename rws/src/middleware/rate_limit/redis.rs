//! `RedisRateLimitStore`: one limit across every instance, decided atomically in Redis.

use std::time::Duration;

use redis::Script;

use super::gcra::{Decision, Quota};
use super::store::RateLimitStore;
use crate::redis_link::Link;

/// GCRA in one script, on Redis's own clock (so that instances whose clocks differ agree),
/// in microseconds: the same decision as [`MemoryStore`](super::MemoryStore)'s, with no
/// read-modify-write race between instances. The key expires when its bucket is whole
/// again. Returns `{1, remaining, reset_us}` or `{0, retry_after_us}`.
const GCRA: &str = r"
local t = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000000 + tonumber(clock[2])
local tolerance = t * (burst - 1)
local tat = tonumber(redis.call('GET', KEYS[1])) or now
if tat < now then tat = now end
if tat > now + tolerance then
  return {0, tat - tolerance - now}
end
local new_tat = tat + t
local remaining = math.floor((now + tolerance - tat) / t)
if remaining > burst - 1 then remaining = burst - 1 end
redis.call('SET', KEYS[1], string.format('%.0f', new_tat), 'PX', math.floor((new_tat - now) / 1000) + 1)
return {1, remaining, new_tat - now}
";

/// What the limiter does when Redis cannot answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OnRedisError {
    /// Let the request through (the default: an outage of the limiter is not an outage of
    /// the service).
    #[default]
    Allow,
    /// Refuse it with 429, for limits that protect something more fragile than availability.
    Refuse,
}

/// A [`RateLimitStore`] in Redis, so that a limit of 100/s holds across all instances
/// together: each key under `rws:ratelimit:<key>`, updated by one Lua script.
///
/// Every command has a deadline (250 ms unless set); when Redis fails or is late, the
/// decision is [`OnRedisError`]'s (allow, unless told otherwise), and the problem is logged
/// at most once a minute.
///
/// ```no_run
/// use std::sync::Arc;
/// use rws::prelude::*;
/// use rws::middleware::RateLimitLayer;
/// use rws::middleware::rate_limit::{Quota, RedisRateLimitStore};
///
/// # fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let store = Arc::new(RedisRateLimitStore::open("redis://127.0.0.1:6379")?);
/// let app = App::new().wrap(RateLimitLayer::per_ip(Quota::per_second(100)).store(store));
/// # let _ = app;
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct RedisRateLimitStore {
    link: Link,
    prefix: String,
    on_error: OnRedisError,
    script: Script,
}

impl RedisRateLimitStore {
    /// A store in the Redis server at `url` (`redis://host:port/db`); only a malformed URL is
    /// an error. The connection is made lazily.
    pub fn open(url: &str) -> Result<Self, redis::RedisError> {
        Ok(RedisRateLimitStore::with_link(Link::open(
            url,
            "rate limit",
        )?))
    }

    /// A store over an existing connection manager.
    pub fn new(connection: redis::aio::ConnectionManager) -> Self {
        RedisRateLimitStore::with_link(Link::over(connection, "rate limit"))
    }

    fn with_link(link: Link) -> Self {
        RedisRateLimitStore {
            link,
            prefix: "rws:ratelimit:".to_owned(),
            on_error: OnRedisError::default(),
            script: Script::new(GCRA),
        }
    }

    /// Keys are `prefix` followed by the limiter's key.
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

    /// What to decide when Redis cannot answer.
    #[must_use]
    pub fn on_error(mut self, on_error: OnRedisError) -> Self {
        self.on_error = on_error;
        self
    }
}

fn micros(d: Duration) -> u64 {
    u64::try_from(d.as_micros()).unwrap_or(u64::MAX)
}

impl RateLimitStore for RedisRateLimitStore {
    async fn acquire(&self, key: &str, quota: Quota) -> Decision {
        let key = format!("{}{key}", self.prefix);
        let emission = (micros(quota.period()) / u64::from(quota.requests().max(1))).max(1);
        let script = &self.script;
        let reply: Option<Vec<u64>> = self
            .link
            .run(|mut c| async move {
                script
                    .key(&key)
                    .arg(emission)
                    .arg(quota.requests())
                    .invoke_async(&mut c)
                    .await
            })
            .await;
        match reply.as_deref() {
            Some([1, remaining, reset]) => Decision::Allowed {
                remaining: u32::try_from(*remaining).unwrap_or(u32::MAX),
                reset: Duration::from_micros(*reset),
            },
            Some([0, retry_after]) => Decision::Limited {
                retry_after: Duration::from_micros(*retry_after),
            },
            _ => match self.on_error {
                OnRedisError::Allow => Decision::Allowed {
                    remaining: 0,
                    reset: quota.period(),
                },
                OnRedisError::Refuse => Decision::Limited {
                    retry_after: Duration::from_secs(1),
                },
            },
        }
    }
}
