//! A histogram observed without a lock, encoded by `prometheus-client` like its own.
//!
//! `prometheus-client`'s `Histogram` takes a mutex per observation and checks for native
//! buckets and scheduled resets that rws never uses; a request observes three histograms, so
//! the lock was most of what the metrics layer paid on top of its counters. Here an
//! observation is one `fetch_add` on its bucket and one compare-and-swap on the sum (which,
//! uncontended, succeeds at once).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use prometheus_client::encoding::{EncodeMetric, MetricEncoder, NoLabelSet};
use prometheus_client::metrics::{MetricType, TypedMetric};

/// A classic histogram (cumulative `le` buckets, `_sum`, `_count`); clones share the series.
#[derive(Clone, Debug)]
pub(crate) struct AtomicHistogram(Arc<Inner>);

#[derive(Debug)]
struct Inner {
    // Upper bounds, ascending, the last one +Inf.
    bounds: Box<[f64]>,
    // Observations per bucket (not cumulative): `counts[i]` saw values in (bounds[i-1], bounds[i]].
    counts: Box<[AtomicU64]>,
    // The sum of every observation: an `f64`'s bits.
    sum: AtomicU64,
}

impl AtomicHistogram {
    /// A histogram with these upper bounds (non-finite ones dropped, sorted) and +Inf.
    pub(crate) fn new(bounds: impl IntoIterator<Item = f64>) -> Self {
        let mut bounds: Vec<f64> = bounds.into_iter().filter(|b| b.is_finite()).collect();
        bounds.sort_by(f64::total_cmp);
        bounds.dedup();
        bounds.push(f64::INFINITY);
        let counts = bounds.iter().map(|_| AtomicU64::new(0)).collect();
        AtomicHistogram(Arc::new(Inner {
            bounds: bounds.into_boxed_slice(),
            counts,
            sum: AtomicU64::new(0.0_f64.to_bits()),
        }))
    }

    /// Counts `value` into the first bucket whose bound is at least `value` (NaN: +Inf).
    pub(crate) fn observe(&self, value: f64) {
        let inner = &*self.0;
        let last = inner.counts.len() - 1;
        let index = if value.is_nan() {
            last
        } else {
            inner
                .bounds
                .partition_point(|bound| *bound < value)
                .min(last)
        };
        inner.counts[index].fetch_add(1, Ordering::Relaxed);
        let mut sum = inner.sum.load(Ordering::Relaxed);
        loop {
            let added = (f64::from_bits(sum) + value).to_bits();
            match inner
                .sum
                .compare_exchange_weak(sum, added, Ordering::Relaxed, Ordering::Relaxed)
            {
                Ok(_) => break,
                Err(now) => sum = now,
            }
        }
    }
}

impl TypedMetric for AtomicHistogram {
    const TYPE: MetricType = MetricType::Histogram;
}

impl EncodeMetric for AtomicHistogram {
    fn encode(&self, mut encoder: MetricEncoder<'_>) -> Result<(), std::fmt::Error> {
        let inner = &*self.0;
        let buckets: Vec<(f64, u64)> = inner
            .bounds
            .iter()
            .zip(&*inner.counts)
            .map(|(bound, count)| (*bound, count.load(Ordering::Relaxed)))
            .collect();
        // `_count` is the buckets' total, read in the same pass, so it always equals the
        // `+Inf` bucket (OpenMetrics requires it) even while requests are being observed.
        let count = buckets.iter().map(|(_, n)| n).sum();
        let sum = f64::from_bits(inner.sum.load(Ordering::Relaxed));
        encoder.encode_histogram::<NoLabelSet>(sum, count, &buckets, None)
    }

    fn metric_type(&self) -> MetricType {
        Self::TYPE
    }
}

#[cfg(test)]
mod tests {
    use prometheus_client::encoding::text::encode;
    use prometheus_client::registry::Registry;

    use super::AtomicHistogram;

    fn text(histogram: &AtomicHistogram) -> String {
        let mut registry = Registry::default();
        registry.register("h", "help", histogram.clone());
        let mut out = String::new();
        encode(&mut out, &registry).unwrap();
        out
    }

    #[test]
    fn buckets_are_cumulative_and_count_is_the_inf_bucket() {
        let h = AtomicHistogram::new([0.25, 1.0, 0.5, f64::INFINITY]);
        for v in [0.125, 0.25, 0.375, 0.75, 3.0, f64::NAN] {
            h.observe(v);
        }
        let out = text(&h);
        for line in [
            "h_sum NaN\n",
            "h_count 6\n",
            "h_bucket{le=\"0.25\"} 2\n",
            "h_bucket{le=\"0.5\"} 3\n",
            "h_bucket{le=\"1.0\"} 4\n",
            "h_bucket{le=\"+Inf\"} 6\n",
        ] {
            assert!(out.contains(line), "{line:?} missing from\n{out}");
        }
    }

    #[test]
    fn the_sum_adds_every_observation() {
        let h = AtomicHistogram::new([1.0]);
        for v in [0.125, 0.25, 0.375, 0.75, 3.0] {
            h.observe(v);
        }
        assert!(text(&h).contains("h_sum 4.5\n"), "{}", text(&h));
    }

    #[test]
    fn a_value_on_a_bound_falls_in_that_bound_s_bucket() {
        let h = AtomicHistogram::new([1.0, 2.0]);
        h.observe(2.0);
        let out = text(&h);
        assert!(out.contains("h_bucket{le=\"1.0\"} 0\n"), "{out}");
        assert!(out.contains("h_bucket{le=\"2.0\"} 1\n"), "{out}");
    }
}
