//! Server-wide Prometheus metrics: requests by method and status class, open and total
//! connections, bytes in and out, uptime; served in the `OpenMetrics` text format (which
//! Prometheus scrapes natively) through `prometheus-client`.
//!
//! ```
//! use rws::prelude::*;
//! use rws::metrics::Metrics;
//!
//! # #[tokio::main(flavor = "current_thread")] async fn main() {
//! let metrics = Metrics::new();
//! let app = App::empty()
//!     .get("/", || async { "hi" })
//!     .get("/metrics", metrics.endpoint())
//!     .wrap(metrics.middleware());
//! // And `Server::new(app).metrics(metrics.clone())` for the connection and byte counters.
//!
//! let client = TestClient::new(app);
//! client.get("/").send().await;
//! let text = client.get("/metrics").send().await.text().await;
//! assert!(text.contains("rws_http_requests_total{method=\"GET\",status=\"2xx\"} 1"));
//! # }
//! ```

use std::fmt;
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Instant;

use http::{HeaderValue, Method, header};
use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::{Registry, Unit};

use crate::middleware::{Middleware, Next};
use crate::server::observer::ConnectionObserver;
use crate::{Request, Response};

/// The methods counted by name; any other counts as `other`, so that a client inventing
/// methods cannot grow the series without bound.
const METHODS: [Method; 7] = [
    Method::GET,
    Method::HEAD,
    Method::POST,
    Method::PUT,
    Method::PATCH,
    Method::DELETE,
    Method::OPTIONS,
];
const CLASSES: [&str; 5] = ["1xx", "2xx", "3xx", "4xx", "5xx"];

type Labels = [(&'static str, &'static str); 2];

/// The server's metrics and their registry; cheap to clone (all clones count into the same
/// series).
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
    /// A fresh registry with the server's metrics, all prefixed `rws_`.
    pub fn new() -> Self {
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

    /// The `OpenMetrics` text exposition of every metric.
    pub fn render(&self) -> String {
        self.inner
            .uptime
            .set(self.inner.started.elapsed().as_secs_f64());
        let mut text = String::with_capacity(4096);
        if let Ok(registry) = self.inner.registry.lock() {
            // Writing into a String cannot fail.
            let _ = encode(&mut text, &registry);
        }
        text
    }

    /// A handler answering with [`Metrics::render`].
    pub fn endpoint(
        &self,
    ) -> impl Fn() -> std::future::Ready<Response> + Clone + Send + Sync + 'static {
        let metrics = self.clone();
        move || {
            let mut res = Response::new(crate::Body::from(metrics.render()));
            res.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static(
                    "application/openmetrics-text; version=1.0.0; charset=utf-8",
                ),
            );
            std::future::ready(res)
        }
    }

    /// Middleware counting every request by method and status class; wrap the whole app with
    /// it (`App::wrap`) so that 404s and 405s count too.
    pub fn middleware(&self) -> RequestMetrics {
        RequestMetrics {
            metrics: self.clone(),
        }
    }

    fn count(&self, method: &Method, status: u16) {
        let m = METHODS
            .iter()
            .position(|known| known == method)
            .unwrap_or(METHODS.len());
        let class = usize::from(status / 100).clamp(1, 5) - 1;
        let Some(slot) = self.inner.requests.get(m * CLASSES.len() + class) else {
            return;
        };
        slot.get_or_init(|| {
            let method = METHODS.get(m).map_or("other", Method::as_str);
            self.inner
                .requests_family
                .get_or_create(&[("method", method), ("status", CLASSES[class])])
                .clone()
        })
        .inc();
    }
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

/// The middleware of [`Metrics::middleware`].
#[derive(Debug, Clone)]
pub struct RequestMetrics {
    metrics: Metrics,
}

impl Middleware for RequestMetrics {
    async fn handle(&self, req: Request, next: Next) -> Response {
        let method = req.method().clone();
        let res = next.run(req).await;
        self.metrics.count(&method, res.status().as_u16());
        res
    }
}
