//! A shared HTTP cache (RFC 9111) in front of handlers: [`CacheLayer`].
//!
//! ```
//! use rws::prelude::*;
//! use rws::cache::CacheLayer;
//!
//! # #[tokio::main(flavor = "current_thread")] async fn main() {
//! let cache = CacheLayer::memory(1000).ttl(60).vary_by_header("Accept");
//! let app = App::new()
//!     .get("/news", || async { "today's news" })
//!     .wrap(cache.clone());
//!
//! let client = TestClient::new(app);
//! assert_eq!(client.get("/news").send().await.text().await, "today's news");
//! let hit = client.get("/news").send().await;
//! assert_eq!(hit.header("age"), Some("0"));
//! assert_eq!(cache.stats().hits, 1);
//! cache.purge("/news").await; // the next request goes to the handler again
//! # }
//! ```
//!
//! What it stores: complete responses to `GET` (a `HEAD` is answered from, and fills, the
//! same entry) with a status of 200, 203, 204, 300, 301, 308, 404, 405, 410, 414 or 501
//! ([`CacheLayer::statuses`] changes the list), a body within
//! [`CacheLayer::max_entry_size`], and headers that allow it: not `no-store`, not
//! `private`, no `Set-Cookie`, no `Vary: *`. Requests carrying `Authorization` or `Cookie`
//! bypass it unless the route opts in ([`CacheLayer::allow_authorization`],
//! [`CacheLayer::allow_cookies`]), as do range requests.
//!
//! For how long: the response's `s-maxage`, `max-age` or `Expires`, or the layer's
//! [`ttl`](CacheLayer::ttl) when it says nothing. Once stale, an entry with an `ETag` or
//! `Last-Modified` is revalidated with the handler (a `304` refreshes it);
//! `stale-while-revalidate` serves it while one revalidation runs in the background, and
//! `stale-if-error` serves it when the handler answers 5xx. The request's own `no-cache`,
//! `max-age`, `min-fresh`, `max-stale` and `only-if-cached` are honoured; hits carry `Age`,
//! and conditional requests get their `304` from the cache.
//!
//! Concurrent misses of one key call the handler once; the others wait (for at most
//! [`CacheLayer::lock_timeout`]) and are answered from the entry it stored. If that request
//! is cancelled, one of the waiters takes its place. A successful `POST`, `PUT`, `PATCH` or
//! `DELETE` forgets the entries of its path (RFC 9111 §4.4).

#[cfg(feature = "redis")]
mod codec;
mod entry;
mod flight;
mod key;
mod policy;
#[cfg(feature = "redis")]
mod redis;
mod revalidate;
mod serve;
mod store;
mod tee;

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use http::header::HeaderName;

#[cfg(feature = "redis")]
#[cfg_attr(docsrs, doc(cfg(feature = "redis")))]
pub use self::redis::RedisCache;
pub use entry::CacheEntry;
pub use store::{CacheStore, DEFAULT_MAX_BYTES, MemoryCache};

use crate::middleware::{Middleware, Next};
use crate::{Request, Response};

/// How many requests a cache answered, and what it did (see [`CacheLayer::stats`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct CacheStats {
    /// Requests answered from the cache (stale ones served under `stale-while-revalidate`,
    /// `stale-if-error` or after a `304` included).
    pub hits: u64,
    /// Requests the cache took part in that went to the handler for a full response.
    pub misses: u64,
    /// Responses stored.
    pub stores: u64,
    /// Entries the store dropped to stay within its bounds.
    pub evictions: u64,
}

#[derive(Debug, Default)]
pub(crate) struct Counters {
    hits: AtomicU64,
    misses: AtomicU64,
    stores: AtomicU64,
}

impl Counters {
    fn bump(counter: &AtomicU64) {
        counter.fetch_add(1, Ordering::Relaxed);
    }
}

#[derive(Debug, Clone)]
struct Config {
    rules: policy::Rules,
    vary_by: Vec<HeaderName>,
    max_entry_size: usize,
    keep_stale: Duration,
    lock_timeout: Duration,
    revalidate_timeout: Duration,
    name: String,
    problems: Vec<String>,
}

/// An RFC 9111 shared cache for the routes it wraps (see the [module docs](self)); cheap to
/// clone, and every clone is the same cache, so keep one to [`purge`](Self::purge) with.
pub struct CacheLayer<S = MemoryCache> {
    store: Arc<S>,
    config: Arc<Config>,
    counters: Arc<Counters>,
    coalescer: Arc<flight::Coalescer>,
}

impl<S> Clone for CacheLayer<S> {
    fn clone(&self) -> Self {
        CacheLayer {
            store: Arc::clone(&self.store),
            config: Arc::clone(&self.config),
            counters: Arc::clone(&self.counters),
            coalescer: Arc::clone(&self.coalescer),
        }
    }
}

impl<S> fmt::Debug for CacheLayer<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CacheLayer")
            .field("name", &self.config.name)
            .field("ttl", &self.config.rules.ttl)
            .field("vary_by", &self.config.vary_by)
            .finish_non_exhaustive()
    }
}

impl CacheLayer {
    /// A cache in memory of at most `entries` responses (and [`DEFAULT_MAX_BYTES`]; see
    /// [`MemoryCache::with_limits`] for another byte bound).
    pub fn memory(entries: u64) -> Self {
        let mut layer = CacheLayer::new(MemoryCache::new(entries));
        if entries == 0 {
            layer
                .config_mut()
                .problems
                .push("CacheLayer::memory(0) can hold no response".to_owned());
        }
        layer
    }
}

impl<S: CacheStore> CacheLayer<S> {
    /// A cache keeping its entries in `store`.
    pub fn new(store: S) -> Self {
        CacheLayer {
            store: Arc::new(store),
            config: Arc::new(Config {
                rules: policy::Rules {
                    ttl: Duration::from_secs(60),
                    statuses: None,
                    allow_authorization: false,
                    allow_cookies: false,
                },
                vary_by: Vec::new(),
                max_entry_size: 1 << 20,
                keep_stale: Duration::from_secs(600),
                lock_timeout: Duration::from_secs(5),
                revalidate_timeout: Duration::from_secs(30),
                name: "default".to_owned(),
                problems: Vec::new(),
            }),
            counters: Arc::default(),
            coalescer: Arc::default(),
        }
    }

    fn config_mut(&mut self) -> &mut Config {
        Arc::make_mut(&mut self.config)
    }

    /// How long, in seconds, a response stays fresh when it says nothing about its freshness
    /// (no `max-age`, `s-maxage` or `Expires`); 60 unless set.
    #[must_use]
    pub fn ttl(mut self, seconds: u64) -> Self {
        self.config_mut().rules.ttl = Duration::from_secs(seconds);
        self
    }

    /// Keeps a separate entry per value of the request header `name` (`Accept`, say), on top
    /// of what the responses' own `Vary` asks for.
    #[must_use]
    pub fn vary_by_header(mut self, name: &str) -> Self {
        match HeaderName::from_bytes(name.as_bytes()) {
            Ok(name) => self.config_mut().vary_by.push(name),
            Err(_) => self.config_mut().problems.push(format!(
                "CacheLayer::vary_by_header({name:?}): not a valid header name"
            )),
        }
        self
    }

    /// The statuses stored, instead of RFC 9110's heuristically cacheable ones (`206` is
    /// never stored: this cache does not combine ranges).
    #[must_use]
    pub fn statuses(mut self, statuses: impl IntoIterator<Item = u16>) -> Self {
        self.config_mut().rules.statuses = Some(statuses.into_iter().collect());
        self
    }

    /// Lets requests with `Authorization` be answered from, and fill, the cache: for routes
    /// whose answer is the same for every caller that may see it.
    #[must_use]
    pub fn allow_authorization(mut self) -> Self {
        self.config_mut().rules.allow_authorization = true;
        self
    }

    /// Lets requests with `Cookie` be answered from, and fill, the cache: for routes whose
    /// answer does not depend on the cookies. (Responses setting cookies are never stored.)
    #[must_use]
    pub fn allow_cookies(mut self) -> Self {
        self.config_mut().rules.allow_cookies = true;
        self
    }

    /// The largest body stored, in bytes (1 MiB unless set); larger responses pass through.
    #[must_use]
    pub fn max_entry_size(mut self, bytes: usize) -> Self {
        self.config_mut().max_entry_size = bytes;
        self
    }

    /// How long a stale entry with a validator is kept for revalidation (10 minutes unless
    /// set), beyond its stale windows.
    #[must_use]
    pub fn keep_stale(mut self, keep: Duration) -> Self {
        self.config_mut().keep_stale = keep;
        self
    }

    /// How long a request waits for a concurrent miss of the same key before going to the
    /// handler itself (5 seconds unless set).
    #[must_use]
    pub fn lock_timeout(mut self, timeout: Duration) -> Self {
        self.config_mut().lock_timeout = timeout;
        self
    }

    /// The name this cache's metrics carry in their `cache` label (`default` unless set).
    #[must_use]
    pub fn named(mut self, name: impl Into<String>) -> Self {
        self.config_mut().name = name.into();
        self
    }

    /// Reports `rws_cache_{hits,misses,stores,evictions}_total{cache="…"}` into `metrics`.
    #[cfg(feature = "metrics")]
    #[cfg_attr(docsrs, doc(cfg(feature = "metrics")))]
    #[must_use]
    pub fn metrics(self, metrics: &crate::metrics::Metrics) -> Self {
        let layer = self.clone();
        metrics.report_cache(self.config.name.clone(), move || layer.stats());
        self
    }

    /// The store this cache keeps its entries in.
    pub fn store(&self) -> &S {
        &self.store
    }

    /// What this cache has done so far.
    pub fn stats(&self) -> CacheStats {
        let c = &self.counters;
        CacheStats {
            hits: c.hits.load(Ordering::Relaxed),
            misses: c.misses.load(Ordering::Relaxed),
            stores: c.stores.load(Ordering::Relaxed),
            evictions: self.store.evictions(),
        }
    }

    /// Forgets every stored response of `path_and_query` (`/users/42`, `/search?q=rws`), for
    /// every host and variant.
    pub async fn purge(&self, path_and_query: &str) {
        self.store
            .remove_prefix(&key::of_path(path_and_query))
            .await;
    }

    /// Forgets every stored response whose path starts with `prefix` (`/users/`).
    pub async fn purge_prefix(&self, prefix: &str) {
        self.store.remove_prefix(prefix).await;
    }
}

impl<S: CacheStore> Middleware for CacheLayer<S> {
    async fn handle(&self, req: Request, next: Next) -> Response {
        serve::handle(self, req, next).await
    }

    fn problems(&self) -> Vec<String> {
        self.config.problems.clone()
    }
}
