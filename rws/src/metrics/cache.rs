//! The response caches' series: `rws_cache_{hits,misses,stores,evictions}_total`, labelled by
//! the cache's name, read from the caches' own counters at each scrape.

use std::sync::{Arc, Mutex, PoisonError};

use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeMetric};
use prometheus_client::metrics::MetricType;
use prometheus_client::metrics::counter::ConstCounter;

use super::Metrics;
use crate::cache::CacheStats;

type Source = Box<dyn Fn() -> CacheStats + Send + Sync>;

/// Every cache reporting into one registry (registered once, however many caches there are).
#[derive(Default)]
pub(crate) struct CacheCollector {
    caches: Mutex<Vec<(String, Source)>>,
}

impl std::fmt::Debug for CacheCollector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CacheCollector").finish_non_exhaustive()
    }
}

impl CacheCollector {
    pub(crate) fn add(&self, name: String, source: Source) {
        let mut caches = self.caches.lock().unwrap_or_else(PoisonError::into_inner);
        // A layer added twice (or rebuilt) reports once, under its newest source.
        caches.retain(|(n, _)| *n != name);
        caches.push((name, source));
    }
}

type Read = fn(&CacheStats) -> u64;

const SERIES: [(&str, &str, Read); 4] = [
    ("cache_hits", "Requests answered from the cache", |s| s.hits),
    (
        "cache_misses",
        "Requests the cache sent to the handler for a full response",
        |s| s.misses,
    ),
    ("cache_stores", "Responses stored", |s| s.stores),
    (
        "cache_evictions",
        "Entries dropped to keep the cache within its bounds",
        |s| s.evictions,
    ),
];

impl Collector for CacheCollector {
    fn encode(&self, mut encoder: DescriptorEncoder<'_>) -> Result<(), std::fmt::Error> {
        let caches = self.caches.lock().unwrap_or_else(PoisonError::into_inner);
        if caches.is_empty() {
            return Ok(());
        }
        let stats: Vec<(&str, CacheStats)> =
            caches.iter().map(|(n, f)| (n.as_str(), f())).collect();
        for (name, help, read) in SERIES {
            let mut family = encoder.encode_descriptor(name, help, None, MetricType::Counter)?;
            for (cache, s) in &stats {
                let labels = [("cache", *cache)];
                ConstCounter::new(read(s)).encode(family.encode_family(&labels)?)?;
            }
        }
        Ok(())
    }
}

impl Metrics {
    /// Adds a response cache's counters (`rws_cache_*_total{cache="name"}`), read at each
    /// scrape.
    #[cfg(feature = "cache")]
    pub(crate) fn report_cache(
        &self,
        name: String,
        stats: impl Fn() -> CacheStats + Send + Sync + 'static,
    ) {
        let collector = self.inner.caches.get_or_init(|| {
            let collector = Arc::new(CacheCollector::default());
            let registered = Arc::clone(&collector);
            self.register(|registry| registry.register_collector(Box::new(registered)));
            collector
        });
        collector.add(name, Box::new(stats));
    }
}
