//! A reverse proxy and load balancer: [`ReverseProxy`] in front of a group of upstreams, as a
//! route handler, a fallback or middleware, and from the `rws` binary's `[[proxy]]` tables.
//!
//! ```no_run
//! use rws::prelude::*;
//! use rws::proxy::{LoadBalancing, ReverseProxy};
//!
//! let proxy = ReverseProxy::new(["http://backend-1:8080", "http://backend-2:8080"])
//!     .strategy(LoadBalancing::RoundRobin)
//!     .health_check("/healthz");
//! let app = App::new()
//!     .any("/api/*rest", proxy.clone())
//!     .fallback(proxy);
//! ```
//!
//! What it does with no tuning: keep-alive pools per upstream (HTTP/1.1, HTTP/2 by ALPN on
//! `https://`), hop-by-hop headers removed and `X-Forwarded-For`/`-Proto`/`-Host` and
//! `Forwarded` added (a client's own are dropped unless it is a trusted proxy), `Host` kept
//! (to `https://` and HTTP/2 upstreams, their own: it must agree with SNI and `:authority`),
//! WebSocket and other upgrades passed through, bodies streamed both ways. An upstream that
//! fails 3 times in a row (refused, reset, timed out) sits out 10 s; a failed idempotent
//! request without a body is tried once more on another upstream, within a retry budget. No
//! upstream left: 503; refused or reset: 502; too slow: 504 — problem details that name no
//! upstream (the log does).

mod balance;
mod body;
mod client;
mod forward;
mod health;
mod report;
mod shared;
mod upstream;

use std::future::Future;
use std::path::Path;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use http::StatusCode;

pub use balance::{HashKey, LoadBalancing};
use shared::Shared;
use upstream::Upstream;

use crate::error::Error;
use crate::handler::Handler;
use crate::middleware::{Middleware, Next};
use crate::response::IntoResponse;
use crate::state::Requirements;
use crate::{Request, Response};

/// A reverse proxy over a group of upstreams. Cheap to clone: clones share the pools, the
/// balancer and the health of the upstreams.
///
/// Bad settings (an upstream that is not a URL, a weight of 0, no upstream at all) are
/// reported by [`App::build`](crate::App::build) with every other problem, never a panic.
#[derive(Clone)]
pub struct ReverseProxy {
    config: Arc<Config>,
    // Made on first use, inside the runtime: the pools, the balancer, the health checks.
    shared: Arc<OnceLock<Result<Arc<Shared>, String>>>,
}

#[derive(Debug, Clone)]
struct Config {
    upstreams: Vec<(String, u32)>,
    strategy: LoadBalancing,
    health: Option<health::HealthCheck>,
    client: client::ClientOptions,
    response_timeout: Duration,
    idle_timeout: Duration,
    max_fails: u32,
    fail_timeout: Duration,
    retries: u32,
    strip_prefix: Option<String>,
    prefix: String,
    rewrite_host: bool,
    via: Option<String>,
    #[cfg(feature = "metrics")]
    metrics: Option<crate::metrics::Metrics>,
    problems: Vec<String>,
}

impl std::fmt::Debug for ReverseProxy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReverseProxy")
            .field("upstreams", &self.config.upstreams)
            .field("strategy", &self.config.strategy)
            .finish_non_exhaustive()
    }
}

impl ReverseProxy {
    /// A proxy to `upstreams` (`http://host:port`, `https://host`, optionally with a base path
    /// every proxied path is put under), each of weight 1, round robin.
    pub fn new<I>(upstreams: I) -> Self
    where
        I: IntoIterator,
        I::Item: AsRef<str>,
    {
        ReverseProxy::weighted(upstreams.into_iter().map(|u| (u, 1)))
    }

    /// A proxy to upstreams with weights: `[("http://big:8080", 3), ("http://small:8080", 1)]`.
    pub fn weighted<I, S>(upstreams: I) -> Self
    where
        I: IntoIterator<Item = (S, u32)>,
        S: AsRef<str>,
    {
        let upstreams: Vec<(String, u32)> = upstreams
            .into_iter()
            .map(|(u, w)| (u.as_ref().to_owned(), w))
            .collect();
        let mut problems = Vec::new();
        if upstreams.is_empty() {
            problems.push("a ReverseProxy needs at least one upstream".to_owned());
        }
        for (url, weight) in &upstreams {
            if let Err(problem) = Upstream::parse(url, *weight) {
                problems.push(problem);
            }
        }
        ReverseProxy {
            config: Arc::new(Config {
                upstreams,
                strategy: LoadBalancing::RoundRobin,
                health: None,
                client: client::ClientOptions::default(),
                response_timeout: Duration::from_secs(60),
                idle_timeout: Duration::from_secs(60),
                max_fails: 3,
                fail_timeout: Duration::from_secs(10),
                retries: 1,
                strip_prefix: None,
                prefix: "/".to_owned(),
                rewrite_host: false,
                via: None,
                #[cfg(feature = "metrics")]
                metrics: None,
                problems,
            }),
            shared: Arc::default(),
        }
    }

    fn set(mut self, change: impl FnOnce(&mut Config)) -> Self {
        change(Arc::make_mut(&mut self.config));
        self.shared = Arc::default();
        self
    }

    /// How requests are spread (default [`LoadBalancing::RoundRobin`], weighted when the
    /// weights differ).
    #[must_use]
    pub fn strategy(self, strategy: LoadBalancing) -> Self {
        self.set(|c| c.strategy = strategy)
    }

    /// Checks every upstream with `GET path` every 2 s (1 s timeout): 2 failures in a row
    /// take it out, 2 answers (2xx or 3xx) bring it back. Tune with
    /// [`health_check_every`](Self::health_check_every) and
    /// [`health_thresholds`](Self::health_thresholds).
    #[must_use]
    pub fn health_check(self, path: impl Into<String>) -> Self {
        let mut path = path.into();
        if !path.starts_with('/') {
            path.insert(0, '/');
        }
        self.set(|c| c.health = Some(health::HealthCheck::new(path)))
    }

    /// The interval and timeout of the health checks.
    #[must_use]
    pub fn health_check_every(self, interval: Duration, timeout: Duration) -> Self {
        self.set(|c| {
            if let Some(h) = &mut c.health {
                h.interval = interval.max(Duration::from_millis(10));
                h.timeout = timeout;
            } else {
                c.problems
                    .push("health_check_every needs a health_check path first".to_owned());
            }
        })
    }

    /// Failures in a row that take an upstream out (`fall`), answers that bring it back
    /// (`rise`).
    #[must_use]
    pub fn health_thresholds(self, fall: u32, rise: u32) -> Self {
        self.set(|c| match &mut c.health {
            Some(h) => {
                h.fall = fall.max(1);
                h.rise = rise.max(1);
            }
            None => c
                .problems
                .push("health_thresholds needs a health_check path first".to_owned()),
        })
    }

    /// Passive health: after `max_fails` failures in a row (refused, reset, timed out) an
    /// upstream sits out `cool_down`, then gets one request to prove itself. Default 3 and
    /// 10 s; 0 turns it off.
    #[must_use]
    pub fn eject_after(self, max_fails: u32, cool_down: Duration) -> Self {
        self.set(|c| {
            c.max_fails = max_fails;
            c.fail_timeout = cool_down;
        })
    }

    /// How long to wait for a connection to an upstream (default 5 s).
    #[must_use]
    pub fn connect_timeout(self, timeout: Duration) -> Self {
        self.set(|c| c.client.connect_timeout = timeout)
    }

    /// How long to wait for the response head once the request is sent (default 60 s); past
    /// it, 504.
    #[must_use]
    pub fn response_timeout(self, timeout: Duration) -> Self {
        self.set(|c| c.response_timeout = timeout)
    }

    /// How long the upstream may go silent in the middle of a response body (default 60 s);
    /// past it the response is cut off.
    #[must_use]
    pub fn idle_timeout(self, timeout: Duration) -> Self {
        self.set(|c| c.idle_timeout = timeout)
    }

    /// How many times a failed idempotent request without a body is tried again, each time on
    /// another upstream (default 1; 0: never).
    #[must_use]
    pub fn retries(self, retries: u32) -> Self {
        self.set(|c| c.retries = retries)
    }

    /// HTTP/2 with prior knowledge to `http://` upstreams (h2c); `https://` ones negotiate it.
    #[must_use]
    pub fn http2(self) -> Self {
        self.set(|c| c.client.http2_only = true)
    }

    /// Trusts the CA certificates of the PEM file at `path` for `https://` upstreams (a private
    /// CA), instead of the Mozilla roots.
    #[must_use]
    pub fn ca_root(self, path: impl AsRef<Path>) -> Self {
        let loaded = crate::server::tls::load_roots(path.as_ref());
        self.set(|c| match loaded {
            Ok(roots) => c.client.roots = Some(Arc::new(roots)),
            Err(problem) => c.problems.push(format!("ReverseProxy ca_root: {problem}")),
        })
    }

    /// Removes `prefix` from the path before passing it on: with `/api`, `/api/users` reaches
    /// the upstream as `/users`.
    #[must_use]
    pub fn strip_prefix(self, prefix: impl Into<String>) -> Self {
        let prefix = prefix.into().trim_end_matches('/').to_owned();
        self.set(|c| c.strip_prefix = Some(prefix))
    }

    /// As middleware: proxies only requests under `prefix` (default `/`, all of them) and
    /// passes the others on.
    #[must_use]
    pub fn prefix(self, prefix: impl Into<String>) -> Self {
        let prefix = prefix.into();
        self.set(|c| c.prefix = prefix)
    }

    /// Sends the upstream's own host as `Host` instead of the client's (which it keeps in
    /// `X-Forwarded-Host`). Always so for `https://` and HTTP/2 upstreams, where the host must
    /// agree with the TLS server name and `:authority`.
    #[must_use]
    pub fn rewrite_host(self) -> Self {
        self.set(|c| c.rewrite_host = true)
    }

    /// Reports every upstream into `metrics`: `rws_upstream_requests_total{upstream,status}`,
    /// `rws_upstream_failures_total{upstream,kind}` (`connect`, `reset`, `timeout`),
    /// `rws_upstream_duration_seconds{upstream}` (until the response head) and
    /// `rws_upstream_healthy{upstream}` (1 while it takes traffic). `upstream` is the URL as
    /// configured.
    #[cfg(feature = "metrics")]
    #[cfg_attr(docsrs, doc(cfg(feature = "metrics")))]
    #[must_use]
    pub fn metrics(self, metrics: &crate::metrics::Metrics) -> Self {
        let metrics = metrics.clone();
        self.set(|c| c.metrics = Some(metrics))
    }

    /// Adds `Via: 1.1 {name}` to requests and responses.
    #[must_use]
    pub fn via(self, name: impl Into<String>) -> Self {
        let name = name.into();
        self.set(|c| c.via = Some(name))
    }

    /// The problems of this proxy's settings, which [`App::build`](crate::App::build)
    /// reports (a bad upstream URL, a weight of 0, no upstream, an unreadable `ca_root`).
    pub fn problems(&self) -> Vec<String> {
        self.config.problems.clone()
    }

    fn shared(&self) -> Result<&Arc<Shared>, &str> {
        self.shared
            .get_or_init(|| Shared::start(&self.config))
            .as_ref()
            .map_err(String::as_str)
    }

    /// Passes `req` to an upstream and its answer back.
    pub async fn forward(&self, req: Request) -> Response {
        let shared = match self.shared() {
            Ok(shared) => Arc::clone(shared),
            Err(problem) => {
                tracing::error!("reverse proxy misconfigured: {problem}");
                return Error::new(StatusCode::INTERNAL_SERVER_ERROR).into_response();
            }
        };
        shared.forward(req).await
    }
}

/// A proxy is a handler: `.any("/api/*rest", proxy)`, `.fallback(proxy)`.
#[doc(hidden)]
#[derive(Debug)]
pub struct ProxyHandler;

impl Handler<ProxyHandler> for ReverseProxy {
    #[allow(clippy::manual_async_fn)]
    fn call(self, req: Request) -> impl Future<Output = Response> + Send + 'static {
        async move { self.forward(req).await }
    }

    fn requirements(_: &mut Requirements) {}

    fn problems(&self) -> Vec<String> {
        self.config.problems.clone()
    }
}

/// A proxy is middleware: every request under its [`prefix`](ReverseProxy::prefix) goes to
/// the upstreams, the others on down the app.
impl Middleware for ReverseProxy {
    async fn handle(&self, req: Request, next: Next) -> Response {
        if under(req.uri().path(), &self.config.prefix) {
            self.forward(req).await
        } else {
            next.run(req).await
        }
    }

    fn problems(&self) -> Vec<String> {
        self.config.problems.clone()
    }
}

/// Whether `path` is `prefix` or below it, segment-wise.
fn under(path: &str, prefix: &str) -> bool {
    let prefix = prefix.trim_end_matches('/');
    match path.strip_prefix(prefix) {
        Some(rest) => rest.is_empty() || rest.starts_with('/'),
        None => false,
    }
}
