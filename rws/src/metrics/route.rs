//! The per-route series and the layer that feeds them.

use std::any::Any;
use std::collections::HashMap;
use std::future::Future;
use std::hash::{BuildHasherDefault, Hasher};
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock, RwLock};
use std::task::{Context, Poll};
use std::time::Instant;

use bytes::Bytes;
use http_body::{Frame, SizeHint};
use prometheus_client::encoding::{EncodeLabelSet, LabelSetEncoder};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::{Family, MetricConstructor};
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::exponential_buckets;
use prometheus_client::registry::{Registry, Unit};

use super::histogram::AtomicHistogram as Histogram;
use super::{Metrics, method_index, method_label};
use crate::body::{Body, BoxError};
use crate::context::RouteObserver;
use crate::extract::{MatchedPath, RoutedPath};
use crate::handler::{BoxFuture, Endpoint, Erased};
use crate::middleware::{Middleware, Next};
use crate::{Request, Response};

/// `method` and `path` (the route's pattern).
#[derive(Clone, Debug, Hash, PartialEq, Eq)]
pub(crate) struct RouteLabels {
    method: &'static str,
    path: Arc<str>,
}

impl EncodeLabelSet for RouteLabels {
    fn encode(&self, encoder: &mut LabelSetEncoder<'_>) -> Result<(), std::fmt::Error> {
        [("method", self.method), ("path", &*self.path)].encode(encoder)
    }
}

/// [`RouteLabels`] and the response's status.
#[derive(Clone, Debug, Hash, PartialEq, Eq)]
struct StatusLabels {
    route: RouteLabels,
    status: u16,
}

impl EncodeLabelSet for StatusLabels {
    fn encode(&self, encoder: &mut LabelSetEncoder<'_>) -> Result<(), std::fmt::Error> {
        self.route.encode(encoder)?;
        [("status", self.status)].encode(encoder)
    }
}

/// Histograms with the configured buckets.
#[derive(Clone, Debug)]
struct Buckets(Arc<[f64]>);

impl MetricConstructor<Histogram> for Buckets {
    fn new_metric(&self) -> Histogram {
        Histogram::new(self.0.iter().copied())
    }
}

type Histograms = Family<RouteLabels, Histogram, Buckets>;

/// The families, and each (method, route) pair's series resolved once: a request then costs
/// one map lookup, not one per family.
pub(super) struct RouteMetrics {
    requests: Family<StatusLabels, Counter>,
    duration: Histograms,
    in_flight: Family<RouteLabels, Gauge>,
    request_size: Histograms,
    response_size: Histograms,
    unmatched: Arc<str>,
    series: RwLock<SeriesMap>,
}

impl std::fmt::Debug for RouteMetrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RouteMetrics").finish_non_exhaustive()
    }
}

/// The series resolved so far, by method index and the pattern's address: the router hands
/// out one `Arc<str>` per route, so the address is the route and hashing it is cheaper than
/// hashing the text. Each series holds its pattern, so no address is reused while it is a
/// key. Two `Arc`s of one text would make two entries over the same family members (the
/// families key by label values): the same counts, never a duplicate series.
type SeriesMap = HashMap<(usize, usize), Arc<Series>, BuildHasherDefault<KeyHasher>>;

/// The series map's hasher: its keys are a method index and an address this process chose, not
/// anything a client sends, so a multiply-rotate mix (the one of rustc's `FxHasher`) is enough,
/// at a fraction of the cost of `SipHash` on the per-request lookup.
#[derive(Default)]
struct KeyHasher(u64);

impl Hasher for KeyHasher {
    fn write(&mut self, bytes: &[u8]) {
        for byte in bytes {
            self.write_u64(u64::from(*byte));
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(5) ^ n).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }

    fn write_usize(&mut self, n: usize) {
        self.write_u64(n as u64);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// The series of one method on one route.
struct Series {
    labels: RouteLabels,
    // Counters by status, 100 to 599, made on first use.
    statuses: Box<[OnceLock<Counter>]>,
    duration: Histogram,
    in_flight: Gauge,
    request_size: Histogram,
    response_size: Histogram,
}

impl RouteMetrics {
    pub(super) fn new(registry: &mut Registry, duration: Arc<[f64]>) -> Self {
        let requests = Family::default();
        registry.register(
            "route_requests",
            "Requests answered, by route pattern, method and status",
            Family::clone(&requests),
        );
        let duration = Family::new_with_constructor(Buckets(duration));
        registry.register_with_unit(
            "route_duration",
            "Time until the response head, by route pattern and method",
            Unit::Seconds,
            Family::clone(&duration),
        );
        let in_flight = Family::default();
        registry.register(
            "route_in_flight",
            "Requests being handled now, by route pattern and method",
            Family::clone(&in_flight),
        );
        // 64 B to 16 MiB, by fours.
        let sizes = Buckets(exponential_buckets(64.0, 4.0, 10).collect());
        let request_size = Family::new_with_constructor(sizes.clone());
        registry.register_with_unit(
            "route_request_size",
            "Request body bytes read, by route pattern and method",
            Unit::Bytes,
            Family::clone(&request_size),
        );
        let response_size = Family::new_with_constructor(sizes);
        registry.register_with_unit(
            "route_response_size",
            "Response body bytes, by route pattern and method",
            Unit::Bytes,
            Family::clone(&response_size),
        );
        RouteMetrics {
            requests,
            duration,
            in_flight,
            request_size,
            response_size,
            unmatched: Arc::from(MatchedPath::UNMATCHED),
            series: RwLock::default(),
        }
    }

    /// The series of method `index` on `path` (`None`: no route matched).
    fn series(&self, index: usize, path: Option<&Arc<str>>) -> Arc<Series> {
        let path = path.unwrap_or(&self.unmatched);
        let key = (index, Arc::as_ptr(path).cast::<u8>() as usize);
        if let Ok(series) = self.series.read()
            && let Some(found) = series.get(&key)
        {
            return Arc::clone(found);
        }
        let labels = RouteLabels {
            method: method_label(index),
            path: Arc::clone(path),
        };
        let made = Arc::new(Series {
            statuses: (100..600).map(|_| OnceLock::new()).collect(),
            duration: self.duration.get_or_create(&labels).clone(),
            in_flight: self.in_flight.get_or_create(&labels).clone(),
            request_size: self.request_size.get_or_create(&labels).clone(),
            response_size: self.response_size.get_or_create(&labels).clone(),
            labels,
        });
        match self.series.write() {
            Ok(mut series) => Arc::clone(series.entry(key).or_insert(made)),
            Err(_) => made,
        }
    }

    fn count(&self, series: &Series, status: u16) {
        let Some(slot) = series.statuses.get(usize::from(status).wrapping_sub(100)) else {
            // Not a status hyper would send; counted all the same, uncached.
            self.requests
                .get_or_create(&StatusLabels {
                    route: series.labels.clone(),
                    status,
                })
                .inc();
            return;
        };
        slot.get_or_init(|| {
            self.requests
                .get_or_create(&StatusLabels {
                    route: series.labels.clone(),
                    status,
                })
                .clone()
        })
        .inc();
    }
}

/// The router tells the layer's registry which route a request took: its in-flight gauge goes
/// up then (the tag is the method's index).
impl RouteObserver for RouteMetrics {
    fn routed(&self, tag: usize, pattern: Option<&Arc<str>>) -> Arc<dyn Any + Send + Sync> {
        let series = self.series(tag, pattern);
        series.in_flight.inc();
        series
    }
}

/// Counts every request into its [`Metrics`]: by method and status class, and per route
/// pattern (count, duration until the response head, in flight, body sizes). Made by
/// [`Metrics::layer`].
#[derive(Debug, Clone)]
pub struct MetricsLayer {
    metrics: Metrics,
}

impl MetricsLayer {
    pub(super) fn new(metrics: Metrics) -> Self {
        MetricsLayer { metrics }
    }
}

impl Middleware for MetricsLayer {
    fn handle(&self, mut req: Request, next: Next) -> impl Future<Output = Response> + Send {
        let pending = Pending::start(&self.metrics, &mut req);
        let handled = next.run(req);
        async move { pending.finish(handled.await) }
    }

    fn __link(this: &Arc<Self>, next: &Endpoint) -> Option<Endpoint> {
        Some(Endpoint::new(Link {
            metrics: this.metrics.clone(),
            next: next.clone(),
        }))
    }
}

/// The layer's own link: what it measures before the handler is done with the request, then
/// a box holding only that and the handler's future (no request moved twice).
struct Link {
    metrics: Metrics,
    next: Endpoint,
}

impl Erased for Link {
    fn call(&self, mut req: Request) -> BoxFuture {
        let pending = Pending::start(&self.metrics, &mut req);
        let handled = self.next.call(req);
        Box::pin(async move { pending.finish(handled.await) })
    }
}

/// One request, between its arrival and its response.
struct Pending {
    metrics: Metrics,
    started: Instant,
    index: usize,
    routed: RoutedPath,
    // Whether this layer is the request's observer (a second metrics layer is not).
    mine: bool,
    read: Read,
}

impl Pending {
    fn start(metrics: &Metrics, req: &mut Request) -> Self {
        let started = Instant::now();
        let index = method_index(req.method());
        let routed = MatchedPath::after_routing(req);
        let observer: Arc<dyn RouteObserver> = metrics.inner.routes.clone();
        // A second metrics layer on the same request leaves the gauge to the first.
        let mine = routed.0.watch(observer, index);
        if mine && let Some(path) = routed.0.path.get() {
            // Wrapped around a route, not the app: the request is routed already.
            routed.0.matched(&Arc::clone(path));
        }
        let read = count_request_body(req);
        Pending {
            metrics: metrics.clone(),
            started,
            index,
            routed,
            mine,
            read,
        }
    }

    fn finish(self, res: Response) -> Response {
        let elapsed = self.started.elapsed().as_secs_f64();
        let routes = &self.metrics.inner.routes;
        // The series the router's call resolved (and whose gauge went up), else resolved
        // now: a request that never reached the router, or a second metrics layer.
        let observed = if self.mine {
            self.routed.0.take_note()
        } else {
            None
        };
        let resolved;
        let series: &Series = match observed
            .as_deref()
            .and_then(|note| note.downcast_ref::<Series>())
        {
            Some(series) => {
                series.in_flight.dec();
                series
            }
            None => {
                resolved = routes.series(self.index, self.routed.0.path.get());
                &resolved
            }
        };
        let status = res.status().as_u16();
        self.metrics.count(self.index, status);
        routes.count(series, status);
        series.duration.observe(elapsed);
        let request_bytes = match self.read {
            Read::Known(n) => n,
            Read::Counted(count) => count.load(Ordering::Relaxed),
        };
        series.request_size.observe(bytes(request_bytes));
        count_response_body(res, &series.response_size)
    }
}

/// A byte count as a histogram sample: exact up to 2^53 bytes, far past any body.
#[allow(clippy::cast_precision_loss)]
fn bytes(n: u64) -> f64 {
    n as f64
}

/// How the request body's size is known.
enum Read {
    Known(u64),
    Counted(Arc<AtomicU64>),
}

/// The request body's length when it says so (`Content-Length`), else a counter of what the
/// handler reads.
fn count_request_body(req: &mut Request) -> Read {
    if let Some(n) = http_body::Body::size_hint(req.body()).exact() {
        return Read::Known(n);
    }
    let count = Arc::new(AtomicU64::new(0));
    let body = std::mem::take(req.body_mut());
    *req.body_mut() = Body::new(Counting {
        inner: body,
        count: Some(Arc::clone(&count)),
        observe: None,
        total: 0,
    });
    Read::Counted(count)
}

/// Observes the response body's size into `histogram`: at once when it is known, else when
/// the body is done.
fn count_response_body(mut res: Response, histogram: &Histogram) -> Response {
    if let Some(n) = http_body::Body::size_hint(res.body()).exact() {
        histogram.observe(bytes(n));
        return res;
    }
    let body = std::mem::take(res.body_mut());
    *res.body_mut() = Body::new(Counting {
        inner: body,
        count: None,
        observe: Some(histogram.clone()),
        total: 0,
    });
    res
}

/// A body counting its bytes: into a shared counter as they pass, or into a histogram once,
/// when it is dropped.
struct Counting {
    inner: Body,
    count: Option<Arc<AtomicU64>>,
    observe: Option<Histogram>,
    total: u64,
}

impl Drop for Counting {
    fn drop(&mut self) {
        if let Some(histogram) = self.observe.take() {
            histogram.observe(bytes(self.total));
        }
    }
}

impl http_body::Body for Counting {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        let this = &mut *self;
        let polled = Pin::new(&mut this.inner).poll_frame(cx);
        if let Poll::Ready(Some(Ok(frame))) = &polled
            && let Some(data) = frame.data_ref()
        {
            let n = data.len() as u64;
            this.total += n;
            if let Some(count) = &this.count {
                count.fetch_add(n, Ordering::Relaxed);
            }
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}
