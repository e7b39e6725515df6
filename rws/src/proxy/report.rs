//! What the proxy tells the metrics (`rws_upstream_*`) when it was given a
//! [`Metrics`](crate::metrics::Metrics); nothing, at no cost, otherwise.

#[cfg(feature = "metrics")]
use crate::metrics::{Metrics, UpstreamSeries};

/// One entry per upstream, in the group's order.
#[derive(Debug, Default)]
pub(super) struct Report {
    #[cfg(feature = "metrics")]
    series: Option<Box<[UpstreamSeries]>>,
}

impl Report {
    #[cfg(feature = "metrics")]
    pub(super) fn new<'a>(metrics: Option<&Metrics>, names: impl Iterator<Item = &'a str>) -> Self {
        Report {
            series: metrics.map(|m| {
                let families = m.upstreams();
                names.map(|name| families.upstream(name)).collect()
            }),
        }
    }

    #[cfg(not(feature = "metrics"))]
    pub(super) fn new<'a>(_: Option<&()>, _: impl Iterator<Item = &'a str>) -> Self {
        Report {}
    }

    /// Upstream `index` answered `status` after `seconds`.
    pub(super) fn answered(&self, index: usize, status: u16, seconds: f64, healthy: bool) {
        #[cfg(feature = "metrics")]
        if let Some(series) = self.series.as_deref().and_then(|s| s.get(index)) {
            series.answered(status, seconds);
            series.healthy(healthy);
        }
        #[cfg(not(feature = "metrics"))]
        let _ = (index, status, seconds, healthy);
    }

    /// Upstream `index` gave no answer (`connect`, `reset`, `timeout`).
    pub(super) fn failed(&self, index: usize, kind: &'static str, healthy: bool) {
        #[cfg(feature = "metrics")]
        if let Some(series) = self.series.as_deref().and_then(|s| s.get(index)) {
            series.failed(kind);
            series.healthy(healthy);
        }
        #[cfg(not(feature = "metrics"))]
        let _ = (index, kind, healthy);
    }

    /// Upstream `index` passes (or fails) its health checks now.
    pub(super) fn healthy(&self, index: usize, healthy: bool) {
        #[cfg(feature = "metrics")]
        if let Some(series) = self.series.as_deref().and_then(|s| s.get(index)) {
            series.healthy(healthy);
        }
        #[cfg(not(feature = "metrics"))]
        let _ = (index, healthy);
    }
}
