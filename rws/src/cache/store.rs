//! Where cached responses live: a trait, so that a shared store (Redis) can take the
//! in-memory default's place when several instances should share one cache.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use moka::future::Cache;
use moka::notification::RemovalCause;

use super::entry::CacheEntry;

/// The storage behind a [`CacheLayer`](super::CacheLayer).
///
/// A store never fails loudly: one that cannot be reached answers `get` with `None` (the
/// request then goes to the handler) and drops writes, logging the problem itself.
pub trait CacheStore: Send + Sync + 'static {
    /// The entry under `key`, if any.
    fn get(&self, key: &str) -> impl Future<Output = Option<Arc<CacheEntry>>> + Send;

    /// Stores `entry` under `key`, to be forgotten after `keep`.
    fn put(
        &self,
        key: String,
        entry: Arc<CacheEntry>,
        keep: Duration,
    ) -> impl Future<Output = ()> + Send;

    /// Forgets every entry whose key starts with `prefix`.
    fn remove_prefix(&self, prefix: &str) -> impl Future<Output = ()> + Send;

    /// How many entries this store dropped to stay within its bounds.
    fn evictions(&self) -> u64 {
        0
    }
}

/// The byte bound of [`MemoryCache::new`]: 64 MiB.
pub const DEFAULT_MAX_BYTES: u64 = 64 << 20;

#[derive(Clone)]
struct Held {
    entry: Arc<CacheEntry>,
    keep: Duration,
}

struct KeepFor;

impl moka::Expiry<String, Held> for KeepFor {
    fn expire_after_create(&self, _: &String, held: &Held, _: Instant) -> Option<Duration> {
        Some(held.keep)
    }
}

/// The in-memory store (moka): at most `max_entries` entries and at most `max_bytes` bytes
/// (keys, headers and bodies), the least recently and least frequently used dropped first.
///
/// Each entry weighs its size, and at least `max_bytes / max_entries`, so that both bounds
/// hold at once: a thousand small responses fit, and so do a few large ones.
pub struct MemoryCache {
    cache: Cache<String, Held>,
    evictions: Arc<AtomicU64>,
}

impl std::fmt::Debug for MemoryCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemoryCache")
            .field("entries", &self.cache.entry_count())
            .field("bytes", &self.cache.weighted_size())
            .finish_non_exhaustive()
    }
}

impl MemoryCache {
    /// A store of at most `max_entries` entries and [`DEFAULT_MAX_BYTES`].
    pub fn new(max_entries: u64) -> Self {
        MemoryCache::with_limits(max_entries, DEFAULT_MAX_BYTES)
    }

    /// A store of at most `max_entries` entries and `max_bytes` bytes.
    pub fn with_limits(max_entries: u64, max_bytes: u64) -> Self {
        let slot = (max_bytes / max_entries.max(1)).max(1);
        let evictions = Arc::new(AtomicU64::new(0));
        let counted = Arc::clone(&evictions);
        let cache = Cache::builder()
            .max_capacity(max_bytes)
            .weigher(move |key: &String, held: &Held| {
                let size = (key.len() + held.entry.size()) as u64;
                u32::try_from(size.max(slot)).unwrap_or(u32::MAX)
            })
            .expire_after(KeepFor)
            .eviction_listener(move |_, _, cause| {
                if cause == RemovalCause::Size {
                    counted.fetch_add(1, Ordering::Relaxed);
                }
            })
            .support_invalidation_closures()
            .build();
        MemoryCache { cache, evictions }
    }

    /// How many entries are held (after pending maintenance runs).
    pub async fn entry_count(&self) -> u64 {
        self.cache.run_pending_tasks().await;
        self.cache.entry_count()
    }

    /// The bytes held by entries, as weighed (after pending maintenance runs).
    pub async fn weighted_size(&self) -> u64 {
        self.cache.run_pending_tasks().await;
        self.cache.weighted_size()
    }
}

impl CacheStore for MemoryCache {
    async fn get(&self, key: &str) -> Option<Arc<CacheEntry>> {
        self.cache.get(key).await.map(|held| held.entry)
    }

    async fn put(&self, key: String, entry: Arc<CacheEntry>, keep: Duration) {
        self.cache.insert(key, Held { entry, keep }).await;
    }

    async fn remove_prefix(&self, prefix: &str) {
        let prefix = prefix.to_owned();
        // Only fails when closures are not supported, which the builder turned on.
        let _ = self
            .cache
            .invalidate_entries_if(move |key, _| key.starts_with(&prefix));
    }

    fn evictions(&self) -> u64 {
        self.evictions.load(Ordering::Relaxed)
    }
}
