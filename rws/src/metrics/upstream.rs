//! The reverse proxy's series: `rws_upstream_*`, labelled by the upstream as configured (a
//! fixed set, whatever the clients send).

use std::sync::{Arc, OnceLock};

use super::histogram::AtomicHistogram as Histogram;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::{Registry, Unit};

use super::DEFAULT_DURATION_BUCKETS;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct UpstreamLabel {
    upstream: Arc<str>,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StatusLabels {
    upstream: Arc<str>,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct FailureLabels {
    upstream: Arc<str>,
    kind: &'static str,
}

fn duration_histogram() -> Histogram {
    Histogram::new(DEFAULT_DURATION_BUCKETS)
}

/// The families, registered once per [`Metrics`](super::Metrics) however many proxies report
/// into it.
pub(crate) struct UpstreamMetrics {
    requests: Family<StatusLabels, Counter>,
    failures: Family<FailureLabels, Counter>,
    duration: Family<UpstreamLabel, Histogram, fn() -> Histogram>,
    healthy: Family<UpstreamLabel, Gauge>,
}

impl std::fmt::Debug for UpstreamMetrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UpstreamMetrics").finish_non_exhaustive()
    }
}

impl UpstreamMetrics {
    pub(super) fn new(registry: &mut Registry) -> Self {
        let requests = Family::default();
        registry.register(
            "upstream_requests",
            "Responses from upstreams, by upstream and status",
            requests.clone(),
        );
        let failures = Family::default();
        registry.register(
            "upstream_failures",
            "Attempts that got no response, by upstream and why (connect, reset, timeout)",
            failures.clone(),
        );
        let duration = Family::new_with_constructor(duration_histogram as fn() -> Histogram);
        registry.register_with_unit(
            "upstream_duration",
            "Time from sending to an upstream until its response head",
            Unit::Seconds,
            duration.clone(),
        );
        let healthy = Family::default();
        registry.register(
            "upstream_healthy",
            "1 while an upstream takes traffic, 0 while it is ejected or fails its health checks",
            healthy.clone(),
        );
        UpstreamMetrics {
            requests,
            failures,
            duration,
            healthy,
        }
    }

    /// The series of one upstream, resolved once.
    pub(crate) fn upstream(self: &Arc<Self>, name: &str) -> UpstreamSeries {
        let label = UpstreamLabel {
            upstream: Arc::from(name),
        };
        let healthy = self.healthy.get_or_create(&label).clone();
        healthy.set(1);
        UpstreamSeries {
            duration: self.duration.get_or_create(&label).clone(),
            healthy,
            name: label.upstream,
            ok: OnceLock::new(),
            families: Arc::clone(self),
        }
    }
}

/// What the proxy reports about one upstream.
#[derive(Debug)]
pub(crate) struct UpstreamSeries {
    name: Arc<str>,
    // The `200` series, which nearly every response counts in, resolved once: the family's
    // lookup hashes the labels under a lock.
    ok: OnceLock<Counter>,
    duration: Histogram,
    healthy: Gauge,
    families: Arc<UpstreamMetrics>,
}

impl UpstreamSeries {
    /// A response head came back with `status` after `seconds`.
    pub(crate) fn answered(&self, status: u16, seconds: f64) {
        self.duration.observe(seconds);
        let series = |status| {
            self.families
                .requests
                .get_or_create(&StatusLabels {
                    upstream: Arc::clone(&self.name),
                    status,
                })
                .clone()
        };
        if status == 200 {
            self.ok.get_or_init(|| series(200)).inc();
        } else {
            series(status).inc();
        }
    }

    /// An attempt got no response: `kind` is `connect`, `reset` or `timeout`.
    pub(crate) fn failed(&self, kind: &'static str) {
        self.families
            .failures
            .get_or_create(&FailureLabels {
                upstream: Arc::clone(&self.name),
                kind,
            })
            .inc();
    }

    /// Whether the upstream takes traffic now.
    pub(crate) fn healthy(&self, healthy: bool) {
        self.healthy.set(i64::from(healthy));
    }
}
