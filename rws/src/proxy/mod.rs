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
//! `Forwarded` added (a client's own are dropped unless it is a trusted proxy), `Host` kept,
//! WebSocket and other upgrades passed through, bodies streamed both ways. An upstream that
//! fails 3 times in a row (refused, reset, timed out) sits out 10 s; a failed idempotent
//! request without a body is tried once more on another upstream, within a retry budget. No
//! upstream left: 503; refused or reset: 502; too slow: 504 — problem details that name no
//! upstream (the log does).

mod balance;
mod client;
mod forward;
mod health;
mod report;
mod upstream;

use std::future::Future;
use std::path::Path;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::header::{self, HeaderValue};
use http::{Method, StatusCode, Version};
use http_body::{Frame, SizeHint};

pub use balance::{HashKey, LoadBalancing};
use upstream::{Upstream, millis_since};

use crate::body::BoxError;
use crate::context::RequestContext;
use crate::error::Error;
use crate::handler::Handler;
use crate::middleware::{Middleware, Next};
use crate::response::IntoResponse;
use crate::state::Requirements;
use crate::{Body, Request, Response};

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
        let loaded = client::load_roots(path.as_ref());
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

/// What all clones of a proxy share once it runs.
struct Shared {
    upstreams: Box<[Upstream]>,
    balancer: balance::Balancer,
    client: client::Client,
    report: report::Report,
    config: Config,
    epoch: Instant,
    // Requests in flight and retries in flight, for the retry budget.
    active: AtomicUsize,
    retrying: AtomicUsize,
}

impl Shared {
    fn start(config: &Config) -> Result<Arc<Shared>, String> {
        if let Some(problem) = config.problems.first() {
            return Err(problem.clone());
        }
        let upstreams = config
            .upstreams
            .iter()
            .map(|(url, weight)| Upstream::parse(url, *weight))
            .collect::<Result<Box<[_]>, _>>()?;
        let names = upstreams.iter().map(|u| u.name.as_str());
        #[cfg(feature = "metrics")]
        let report = report::Report::new(config.metrics.as_ref(), names);
        #[cfg(not(feature = "metrics"))]
        let report = report::Report::new(None, names);
        let shared = Arc::new(Shared {
            report,
            balancer: balance::Balancer::new(config.strategy.clone(), &upstreams),
            upstreams,
            client: client::build(&config.client)?,
            config: config.clone(),
            epoch: Instant::now(),
            active: AtomicUsize::new(0),
            retrying: AtomicUsize::new(0),
        });
        if let Some(check) = config.health.clone() {
            tokio::spawn(health::run(Arc::downgrade(&shared), check));
        }
        Ok(shared)
    }

    /// Whether one more retry fits the budget: at most a fifth of the requests in flight (at
    /// least 3), so that a failing upstream cannot double the load on the others.
    fn may_retry(&self) -> bool {
        let budget = (self.active.load(Ordering::Relaxed) / 5).max(3);
        self.retrying.load(Ordering::Relaxed) < budget
    }

    async fn forward(self: Arc<Self>, mut req: Request) -> Response {
        self.active.fetch_add(1, Ordering::Relaxed);
        let _active = Decrement(&self.active);
        let upgrade = forward::upgrade(req.headers());
        let on_upgrade = upgrade.as_ref().map(|_| hyper::upgrade::on(&mut req));
        let (mut parts, body) = req.into_parts();
        // The app's body limit holds for what passes through as for what a handler reads.
        let body = match limited(&parts, body) {
            Ok(body) => body,
            Err(rejection) => return rejection.into_response(),
        };
        let Some(target) = self.target(&parts.uri) else {
            return Error::not_found("no such path behind this proxy").into_response();
        };
        self.prepare_headers(&mut parts, upgrade);
        let replayable = is_idempotent(&parts.method) && http_body::Body::is_end_stream(&body);
        let attempts = if replayable {
            1 + self.config.retries
        } else {
            1
        };
        let client = ClientIpInfo::of(&parts);
        let mut body = Some(body);
        let mut tried: Vec<usize> = Vec::new();
        let mut failure = Failure::NoUpstream;
        for attempt in 0..attempts {
            if attempt > 0 && !self.may_retry() {
                break;
            }
            let now = millis_since(self.epoch);
            let picked = self.balancer.pick(&self.upstreams, &parts, client, |i| {
                !tried.contains(&i) && self.upstreams[i].usable(now)
            });
            let Some(index) = picked else { break };
            tried.push(index);
            let upstream = &self.upstreams[index];
            let span = tracing::Span::current();
            span.record("upstream", upstream.name.as_str());
            span.record("upstream_attempt", attempt + 1);
            let body = body.take().unwrap_or_default();
            let retrying = (attempt > 0).then(|| {
                self.retrying.fetch_add(1, Ordering::Relaxed);
                Decrement(&self.retrying)
            });
            let sent = Instant::now();
            let outcome = self.send(index, &parts, &target, body).await;
            drop(retrying);
            match outcome {
                Ok(mut res) => {
                    upstream.succeeded();
                    let seconds = sent.elapsed().as_secs_f64();
                    let usable = upstream.usable(millis_since(self.epoch));
                    self.report
                        .answered(index, res.status().as_u16(), seconds, usable);
                    if res.status() == StatusCode::SWITCHING_PROTOCOLS
                        && let Some(client_side) = on_upgrade
                    {
                        let held = Held(Arc::clone(&self), index);
                        tunnel(client_side, hyper::upgrade::on(&mut res), held);
                        return res.map(|_| Body::empty());
                    }
                    return self.answer(index, res);
                }
                Err(failed @ Failure::Body(_)) => return failed.into_response(),
                Err(failed) => {
                    let ejected = self.config.max_fails > 0
                        && upstream.failed(self.config.max_fails, self.config.fail_timeout, now);
                    let usable = upstream.usable(millis_since(self.epoch));
                    self.report.failed(index, failed.kind(), usable);
                    tracing::warn!(
                        upstream = %upstream.name,
                        attempt = attempt + 1,
                        ejected,
                        "upstream failed: {}",
                        failed.describe()
                    );
                    let retry = failed.retryable();
                    failure = failed;
                    if !retry {
                        break;
                    }
                }
            }
        }
        failure.into_response()
    }

    /// The path and query to ask the upstreams for, the prefix stripped; `None` when the
    /// path is not under the prefix to strip.
    fn target(&self, uri: &http::Uri) -> Option<String> {
        let path_and_query = uri.path_and_query().map_or("/", |pq| pq.as_str());
        let Some(prefix) = &self.config.strip_prefix else {
            return Some(path_and_query.to_owned());
        };
        let rest = path_and_query.strip_prefix(prefix.as_str())?;
        match rest.as_bytes().first() {
            None => Some("/".to_owned()),
            Some(b'/') => Some(rest.to_owned()),
            Some(b'?') => Some(format!("/{rest}")),
            // `/apis` is not under `/api`.
            Some(_) => None,
        }
    }

    fn prepare_headers(&self, parts: &mut http::request::Parts, upgrade: Option<HeaderValue>) {
        let secure = RequestContext::is_secure(&parts.extensions, &parts.headers);
        let ctx = parts.extensions.get::<RequestContext>();
        let peer = ctx
            .and_then(|c| c.connection.as_ref())
            .map(|c| c.peer_addr().ip());
        let trusted = match (ctx, peer) {
            (Some(ctx), Some(peer)) => ctx
                .state
                .get::<crate::ip::TrustedProxies>()
                .is_some_and(|t| t.ranges.contains(peer.to_canonical())),
            _ => false,
        };
        let host = parts.headers.get(header::HOST).cloned().or_else(|| {
            parts
                .uri
                .authority()
                .and_then(|a| HeaderValue::from_str(a.as_str()).ok())
        });
        let version = parts.version;
        let headers = &mut parts.headers;
        forward::strip_hop_by_hop(headers);
        forward::add_forwarded(
            headers,
            &forward::Client {
                peer,
                trusted,
                proto: if secure { "https" } else { "http" },
                host: host.as_ref(),
            },
        );
        if let Some(host) = host {
            headers.insert(header::HOST, host);
        }
        if let Some(name) = &self.config.via {
            forward::add_via(headers, version, name);
        }
        if let Some(protocol) = upgrade {
            forward::keep_upgrade(headers, protocol);
        }
        #[cfg(feature = "otel")]
        crate::otel::inject(headers);
    }

    async fn send(
        &self,
        index: usize,
        parts: &http::request::Parts,
        target: &str,
        body: Body,
    ) -> Result<http::Response<hyper::body::Incoming>, Failure> {
        let upstream = &self.upstreams[index];
        let uri = upstream.uri(target).map_err(|_| Failure::BadTarget)?;
        let mut req = http::Request::new(body);
        *req.method_mut() = parts.method.clone();
        *req.uri_mut() = uri;
        *req.headers_mut() = parts.headers.clone();
        *req.version_mut() = Version::HTTP_11;
        // Over TLS the host must agree with SNI, and over HTTP/2 with `:authority`, which both
        // name the upstream: the client's host stays in X-Forwarded-Host.
        let rewrite = self.config.rewrite_host
            || self.config.client.http2_only
            || upstream.scheme == http::uri::Scheme::HTTPS;
        if rewrite {
            // The client fills it in from the URI on HTTP/1.1; HTTP/2 has `:authority` alone
            // (nginx refuses a Host beside it as a duplicate).
            req.headers_mut().remove(header::HOST);
        }
        upstream.start();
        let sent =
            tokio::time::timeout(self.config.response_timeout, self.client.request(req)).await;
        let res = match sent {
            Ok(Ok(res)) => return Ok(res),
            Ok(Err(e)) if e.is_connect() => Err(Failure::Connect(e.to_string())),
            Ok(Err(e)) if client_body_failed(&e).is_some() => Err(Failure::Body(
                client_body_failed(&e).map_or(413, |s| s.as_u16()),
            )),
            Ok(Err(e)) => Err(Failure::Reset(e.to_string())),
            Err(_) => Err(Failure::Timeout),
        };
        upstream.finish();
        res
    }

    /// The upstream's response, its hop-by-hop headers removed, its body watched for
    /// silence, and the upstream's in-flight count held until the body is done.
    fn answer(
        self: &Arc<Self>,
        index: usize,
        res: http::Response<hyper::body::Incoming>,
    ) -> Response {
        let (mut parts, body) = res.into_parts();
        forward::strip_hop_by_hop(&mut parts.headers);
        if let Some(name) = &self.config.via {
            forward::add_via(&mut parts.headers, parts.version, name);
        }
        parts.version = Version::HTTP_11;
        let body = UpstreamBody {
            inner: body,
            idle: self.config.idle_timeout,
            sleep: None,
            held: Some(Held(Arc::clone(self), index)),
        };
        Response::from_parts(parts, Body::new(body))
    }
}

/// An upstream's in-flight count, held by its response body.
struct Held(Arc<Shared>, usize);

impl Drop for Held {
    fn drop(&mut self) {
        self.0.upstreams[self.1].finish();
    }
}

struct Decrement<'a>(&'a AtomicUsize);

impl Drop for Decrement<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

/// The client's address as `ClientIp` sees it, for hashing.
struct ClientIpInfo;

impl ClientIpInfo {
    fn of(parts: &http::request::Parts) -> Option<std::net::IpAddr> {
        crate::extract::ClientIp::of(&parts.extensions, &parts.headers)
    }
}

fn is_idempotent(method: &Method) -> bool {
    matches!(
        *method,
        Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE | Method::PUT | Method::DELETE
    )
}

/// The request body under the app's body limit (the route's, when it has one).
fn limited(
    parts: &http::request::Parts,
    body: Body,
) -> Result<Body, crate::extract::BodyRejection> {
    if http_body::Body::is_end_stream(&body) {
        return Ok(body);
    }
    let limit = parts
        .extensions
        .get::<RequestContext>()
        .map_or(crate::context::DEFAULT_BODY_LIMIT, |ctx| ctx.body_limit);
    let stream = crate::extract::BodyStream::limited(body, limit)?;
    Ok(Body::from_stream(futures_util::TryStreamExt::map_err(
        stream,
        |rejection| {
            use crate::extract::Rejection as _;
            ClientBody(rejection.status())
        },
    )))
}

/// The client's body failed: over the limit (413) or broken off (400).
#[derive(Debug)]
struct ClientBody(StatusCode);

impl std::fmt::Display for ClientBody {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "the client's request body failed ({})", self.0)
    }
}

impl std::error::Error for ClientBody {}

/// The status for the client when sending failed because of its own body: over the limit
/// (413) or broken off (400). Not the upstream's fault.
fn client_body_failed(error: &(dyn std::error::Error + 'static)) -> Option<StatusCode> {
    let mut cause = Some(error);
    while let Some(e) = cause {
        if let Some(ClientBody(status)) = e.downcast_ref::<ClientBody>() {
            return Some(*status);
        }
        cause = e.source();
    }
    None
}

/// Why an attempt failed.
enum Failure {
    NoUpstream,
    /// The client's body was over the limit or broke off: its status.
    Body(u16),
    BadTarget,
    Connect(String),
    Reset(String),
    Timeout,
}

impl Failure {
    /// Whether another upstream may be tried (the request is idempotent and has no body, or
    /// this would not be asked): not after a timeout, which would double the wait.
    fn retryable(&self) -> bool {
        matches!(self, Failure::Connect(_) | Failure::Reset(_))
    }

    /// The `kind` label of `rws_upstream_failures_total`.
    fn kind(&self) -> &'static str {
        match self {
            Failure::Connect(_) => "connect",
            Failure::Timeout => "timeout",
            Failure::Reset(_) | Failure::NoUpstream | Failure::BadTarget | Failure::Body(_) => {
                "reset"
            }
        }
    }

    fn describe(&self) -> String {
        match self {
            Failure::NoUpstream => "no upstream available".to_owned(),
            Failure::Body(status) => format!("the client's body failed ({status})"),
            Failure::BadTarget => "the path cannot be sent on".to_owned(),
            Failure::Connect(e) => format!("could not connect: {e}"),
            Failure::Reset(e) => format!("no answer: {e}"),
            Failure::Timeout => "no response head in time".to_owned(),
        }
    }
}

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        let error = match self {
            Failure::NoUpstream => Error::new(StatusCode::SERVICE_UNAVAILABLE)
                .with_detail("no upstream is available to answer")
                .with_header(header::RETRY_AFTER, HeaderValue::from_static("1")),
            Failure::BadTarget => Error::bad_request("this request target cannot be passed on"),
            Failure::Body(413) => Error::new(StatusCode::PAYLOAD_TOO_LARGE)
                .with_detail("the request body is larger than this server accepts"),
            Failure::Body(_) => Error::bad_request("the request body broke off"),
            Failure::Connect(_) | Failure::Reset(_) => Error::new(StatusCode::BAD_GATEWAY)
                .with_detail("the upstream server could not be reached or gave no valid answer"),
            Failure::Timeout => Error::new(StatusCode::GATEWAY_TIMEOUT)
                .with_detail("the upstream server did not answer in time"),
        };
        error.into_response()
    }
}

/// Joins the client's and the upstream's upgraded connections, once both are there; the
/// upstream counts the tunnel in flight while it lasts.
fn tunnel(client: hyper::upgrade::OnUpgrade, upstream: hyper::upgrade::OnUpgrade, held: Held) {
    tokio::spawn(async move {
        let name = &held.0.upstreams[held.1].name;
        let (client, upstream) = match tokio::try_join!(client, upstream) {
            Ok(both) => both,
            Err(e) => {
                tracing::debug!(upstream = %name, "upgrade through the proxy failed: {e}");
                return;
            }
        };
        let mut client = hyper_util::rt::TokioIo::new(client);
        let mut upstream = hyper_util::rt::TokioIo::new(upstream);
        if let Err(e) = tokio::io::copy_bidirectional(&mut client, &mut upstream).await {
            tracing::debug!(upstream = %name, "upgraded connection through the proxy ended: {e}");
        }
    });
}

/// An upstream's response body: cut off when the upstream goes silent for `idle`.
struct UpstreamBody {
    inner: hyper::body::Incoming,
    idle: Duration,
    sleep: Option<Pin<Box<tokio::time::Sleep>>>,
    held: Option<Held>,
}

impl http_body::Body for UpstreamBody {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        let this = &mut *self;
        match Pin::new(&mut this.inner).poll_frame(cx) {
            Poll::Ready(frame) => {
                this.sleep = None;
                if frame.is_none() {
                    this.held = None;
                }
                Poll::Ready(frame.map(|f| f.map_err(Into::into)))
            }
            Poll::Pending => {
                let idle = this.idle;
                let sleep = this
                    .sleep
                    .get_or_insert_with(|| Box::pin(tokio::time::sleep(idle)));
                match sleep.as_mut().poll(cx) {
                    Poll::Ready(()) => {
                        this.held = None;
                        Poll::Ready(Some(Err(
                            "the upstream went silent in the middle of its response".into(),
                        )))
                    }
                    Poll::Pending => Poll::Pending,
                }
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
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
