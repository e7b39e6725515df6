//! Prometheus metrics, one registry per [`Metrics`] (two apps in one process never collide):
//! server-wide counters (requests by method and status class, connections, bytes, uptime)
//! and per-route series labelled by the route's pattern ([`MatchedPath`]), never the raw
//! path. Served by [`Metrics::endpoint`] in the `OpenMetrics` format to scrapers that ask for
//! it (Prometheus does) and the 0.0.4 text format to everyone else, through
//! `prometheus-client`.
//!
//! | metric | type | labels |
//! |---|---|---|
//! | `rws_route_requests_total` | counter | `method`, `path`, `status` |
//! | `rws_route_duration_seconds` | histogram (until the response head) | `method`, `path` |
//! | `rws_route_in_flight` | gauge | `method`, `path` |
//! | `rws_route_request_size_bytes` | histogram | `method`, `path` |
//! | `rws_route_response_size_bytes` | histogram | `method`, `path` |
//! | `rws_http_requests_total` | counter | `method`, `status` (class: `2xx`) |
//! | `rws_open_connections` | gauge | |
//! | `rws_connections_total` | counter | |
//! | `rws_received_bytes_total`, `rws_sent_bytes_total` | counter | |
//! | `rws_uptime_seconds` | gauge | |
//! | `rws_upstream_requests_total` | counter ([`ReverseProxy::metrics`]) | `upstream`, `status` |
//! | `rws_upstream_failures_total` | counter | `upstream`, `kind` (`connect`, `reset`, `timeout`) |
//! | `rws_upstream_duration_seconds` | histogram (until the upstream's response head) | `upstream` |
//! | `rws_cache_hits_total`, `…_misses_total`, `…_stores_total`, `…_evictions_total` | counter ([`CacheLayer::metrics`]) | `cache` |
//! | `rws_upstream_healthy` | gauge (1 taking traffic, 0 ejected or failing checks) | `upstream` |
//!
//! `path` is the pattern (`/users/:id`), or `<unmatched>` for every request no route matched;
//! `method` is one of the seven common methods or `other`: a client cannot grow the series.
//!
//! ```
//! use rws::prelude::*;
//! use rws::metrics::Metrics;
//!
//! # #[tokio::main(flavor = "current_thread")] async fn main() {
//! let metrics = Metrics::new();
//! let app = App::empty()
//!     .get("/users/:id", || async { "hi" })
//!     .get("/metrics", metrics.endpoint())
//!     .wrap(metrics.layer());
//! // And `Server::new(app).metrics(metrics.clone())` for the connection and byte counters.
//!
//! let client = TestClient::new(app);
//! client.get("/users/1").send().await;
//! client.get("/users/2").send().await;
//! let text = client.get("/metrics").send().await.text().await;
//! assert!(text.contains(r#"rws_route_requests_total{method="GET",path="/users/:id",status="200"} 2"#));
//! assert!(text.contains(r#"rws_http_requests_total{method="GET",status="2xx"} 2"#));
//! # }
//! ```
//!
//! [`MatchedPath`]: crate::extract::MatchedPath
//! [`CacheLayer::metrics`]: https://docs.rs/rws/latest/rws/cache/struct.CacheLayer.html#method.metrics
//! [`ReverseProxy::metrics`]: https://docs.rs/rws/latest/rws/proxy/struct.ReverseProxy.html#method.metrics

#[cfg(feature = "cache")]
mod cache;
mod exposition;
mod histogram;
mod route;
#[cfg(feature = "proxy")]
mod upstream;

use std::fmt;
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Instant;

use http::Method;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::{Registry, Unit};

pub use route::MetricsLayer;
#[cfg(feature = "proxy")]
pub(crate) use upstream::UpstreamSeries;

use crate::server::observer::ConnectionObserver;
use crate::{Request, Response};

/// Renamed [`MetricsLayer`].
#[deprecated(note = "renamed with the `Layer` suffix every rws middleware type has")]
pub type RequestMetrics = MetricsLayer;

/// The methods counted by name; any other counts as `other`, so that a client inventing
/// methods cannot grow the series without bound.
const METHODS: [&str; 7] = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];
const CLASSES: [&str; 5] = ["1xx", "2xx", "3xx", "4xx", "5xx"];

/// Buckets of `rws_route_duration_seconds` unless [`Metrics::duration_buckets`] says
/// otherwise: 1 ms to 10 s, Prometheus' usual web-latency ladder with 1 ms and 2.5 ms added.
pub const DEFAULT_DURATION_BUCKETS: [f64; 13] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

type Labels = [(&'static str, &'static str); 2];

/// The metrics and their registry; cheap to clone (all clones count into the same series).
#[derive(Clone)]
pub struct Metrics {
    inner: Arc<Inner>,
}

struct Inner {
    registry: Mutex<Registry>,
    requests_family: Family<Labels, Counter>,
    // One slot per (method, class), resolved on first use: counting a request is then one
    // atomic add, and series never seen stay out of the exposition.
    requests: Vec<OnceLock<Counter>>,
    routes: Arc<route::RouteMetrics>,
    #[cfg(feature = "proxy")]
    upstreams: OnceLock<Arc<upstream::UpstreamMetrics>>,
    #[cfg(feature = "cache")]
    caches: OnceLock<Arc<cache::CacheCollector>>,
    open: Gauge,
    accepted: Counter,
    bytes_in: Counter,
    bytes_out: Counter,
    uptime: Gauge<f64, AtomicU64>,
    started: Instant,
}

impl fmt::Debug for Metrics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Metrics")
            .field("open_connections", &self.inner.open.get())
            .finish_non_exhaustive()
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

impl Metrics {
    /// A fresh registry with the server's and the routes' metrics, all prefixed `rws_`.
    pub fn new() -> Self {
        Metrics::with_buckets(Arc::from(DEFAULT_DURATION_BUCKETS.as_slice()))
    }

    /// The same metrics with other buckets for `rws_route_duration_seconds` (upper bounds in
    /// seconds; `+Inf` is added). Call it first: it starts a fresh registry.
    ///
    /// ```
    /// let metrics = rws::metrics::Metrics::new().duration_buckets([0.01, 0.1, 1.0]);
    /// ```
    #[must_use]
    pub fn duration_buckets(self, buckets: impl IntoIterator<Item = f64>) -> Self {
        let buckets: Vec<f64> = buckets.into_iter().filter(|b| b.is_finite()).collect();
        Metrics::with_buckets(Arc::from(buckets))
    }

    fn with_buckets(duration: Arc<[f64]>) -> Self {
        let mut registry = Registry::with_prefix("rws");
        let requests_family = Family::<Labels, Counter>::default();
        let requests = (0..(METHODS.len() + 1) * CLASSES.len())
            .map(|_| OnceLock::new())
            .collect();
        registry.register(
            "http_requests",
            "HTTP requests answered, by method and status class",
            requests_family.clone(),
        );
        let routes = Arc::new(route::RouteMetrics::new(&mut registry, duration));
        let open = Gauge::default();
        registry.register("open_connections", "Connections open now", open.clone());
        let accepted = Counter::default();
        registry.register("connections", "Connections accepted", accepted.clone());
        let bytes_in = Counter::default();
        registry.register_with_unit(
            "received",
            "Bytes read from clients",
            Unit::Bytes,
            bytes_in.clone(),
        );
        let bytes_out = Counter::default();
        registry.register_with_unit(
            "sent",
            "Bytes written to clients",
            Unit::Bytes,
            bytes_out.clone(),
        );
        let uptime = Gauge::<f64, AtomicU64>::default();
        registry.register_with_unit(
            "uptime",
            "Time since the metrics were created",
            Unit::Seconds,
            uptime.clone(),
        );
        Metrics {
            inner: Arc::new(Inner {
                registry: Mutex::new(registry),
                requests_family,
                requests,
                routes,
                #[cfg(feature = "proxy")]
                upstreams: OnceLock::new(),
                #[cfg(feature = "cache")]
                caches: OnceLock::new(),
                open,
                accepted,
                bytes_in,
                bytes_out,
                uptime,
                started: Instant::now(),
            }),
        }
    }

    /// Registers metrics of your own beside the server's, in the same exposition.
    ///
    /// ```
    /// use prometheus_client::metrics::counter::Counter;
    /// let metrics = rws::metrics::Metrics::new();
    /// let signups = Counter::<u64>::default();
    /// metrics.register(|registry| registry.register("signups", "Accounts created", signups.clone()));
    /// signups.inc();
    /// assert!(metrics.render().contains("rws_signups_total 1"));
    /// ```
    pub fn register(&self, f: impl FnOnce(&mut Registry)) {
        if let Ok(mut registry) = self.inner.registry.lock() {
            f(&mut registry);
        }
    }

    /// The reverse proxy's families, registered on first use.
    #[cfg(feature = "proxy")]
    pub(crate) fn upstreams(&self) -> Arc<upstream::UpstreamMetrics> {
        let families = self.inner.upstreams.get_or_init(|| {
            let mut made = None;
            self.register(|registry| made = Some(upstream::UpstreamMetrics::new(registry)));
            // A poisoned registry lock: the series still count, unexposed.
            Arc::new(
                made.unwrap_or_else(|| upstream::UpstreamMetrics::new(&mut Registry::default())),
            )
        });
        Arc::clone(families)
    }

    /// The `OpenMetrics` text exposition of every metric.
    pub fn render(&self) -> String {
        self.encode(exposition::Format::OpenMetrics)
    }

    fn encode(&self, format: exposition::Format) -> String {
        self.inner
            .uptime
            .set(self.inner.started.elapsed().as_secs_f64());
        match self.inner.registry.lock() {
            Ok(registry) => format.encode(&registry),
            Err(_) => String::new(),
        }
    }

    /// A handler answering with the exposition, in the format the `Accept` header prefers:
    /// `OpenMetrics` 1.0 (`application/openmetrics-text`, which Prometheus asks for), else the
    /// Prometheus text format 0.0.4.
    pub fn endpoint(
        &self,
    ) -> impl Fn(Request) -> std::future::Ready<Response> + Clone + Send + Sync + 'static {
        let metrics = self.clone();
        move |req: Request| {
            let format = exposition::Format::negotiate(req.headers());
            std::future::ready(format.response(metrics.encode(format)))
        }
    }

    /// The layer counting every request: by method and status class, and per route (count,
    /// duration, in flight, body sizes). Wrap the whole app with it (`App::wrap`), so that
    /// 404s and 405s count too.
    pub fn layer(&self) -> MetricsLayer {
        MetricsLayer::new(self.clone())
    }

    /// Renamed [`Metrics::layer`].
    #[deprecated(note = "renamed `layer`, as the middleware is `MetricsLayer`")]
    pub fn middleware(&self) -> MetricsLayer {
        self.layer()
    }

    fn count(&self, method: usize, status: u16) {
        let class = usize::from(status / 100).clamp(1, 5) - 1;
        let Some(slot) = self.inner.requests.get(method * CLASSES.len() + class) else {
            return;
        };
        slot.get_or_init(|| {
            self.inner
                .requests_family
                .get_or_create(&[("method", method_label(method)), ("status", CLASSES[class])])
                .clone()
        })
        .inc();
    }
}

/// The index of `method` in [`METHODS`], or `METHODS.len()` for any other.
fn method_index(method: &Method) -> usize {
    METHODS
        .iter()
        .position(|known| *known == method.as_str())
        .unwrap_or(METHODS.len())
}

/// The label of [`METHODS`]`[index]`, or `other`.
fn method_label(index: usize) -> &'static str {
    METHODS.get(index).copied().unwrap_or("other")
}

impl ConnectionObserver for Metrics {
    fn opened(&self) {
        self.inner.accepted.inc();
        self.inner.open.inc();
    }

    fn closed(&self) {
        self.inner.open.dec();
    }

    fn read(&self, bytes: usize) {
        self.inner.bytes_in.inc_by(bytes as u64);
    }

    fn wrote(&self, bytes: usize) {
        self.inner.bytes_out.inc_by(bytes as u64);
    }
}
