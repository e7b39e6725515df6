//! What all clones of a proxy share once it runs, and one request's way through it: pick an
//! upstream, send, retry on another within the budget, answer or fail with the right status.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use http::header::{self, HeaderValue};
use http::uri::PathAndQuery;
use http::{Method, StatusCode, Version};

use super::body::{UpstreamBody, client_body_failed, limited, tunnel};
use super::upstream::{InFlight, Upstream, millis_between, millis_since};
use super::{Config, balance, client, forward, health, report};
use crate::context::RequestContext;
use crate::error::Error;
use crate::response::IntoResponse;
use crate::{Body, Request, Response};

/// What all clones of a proxy share once it runs.
pub(super) struct Shared {
    pub(super) upstreams: Arc<[Upstream]>,
    balancer: balance::Balancer,
    pub(super) client: client::Client,
    pub(super) report: report::Report,
    config: Config,
    epoch: Instant,
    // Requests in flight and retries in flight, for the retry budget.
    active: AtomicUsize,
    retrying: AtomicUsize,
}

impl Shared {
    pub(super) fn start(config: &Config) -> Result<Arc<Shared>, String> {
        if let Some(problem) = config.problems.first() {
            return Err(problem.clone());
        }
        let upstreams = config
            .upstreams
            .iter()
            .map(|(url, weight)| Upstream::parse(url, *weight))
            .collect::<Result<Arc<[_]>, _>>()?;
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

    pub(super) async fn forward(self: Arc<Self>, mut req: Request) -> Response {
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
        let target = match self.target(&parts.uri) {
            Some(Ok(target)) => target,
            Some(Err(failed)) => return failed.into_response(),
            None => return Error::not_found("no such path behind this proxy").into_response(),
        };
        self.prepare_headers(&mut parts, upgrade);
        let replayable = is_idempotent(&parts.method) && http_body::Body::is_end_stream(&body);
        let attempts = if replayable {
            1 + self.config.retries
        } else {
            1
        };
        // Only the client-address ring needs it: a state lookup and a header walk otherwise spared.
        let client = matches!(
            self.config.strategy,
            balance::LoadBalancing::ConsistentHash(balance::HashKey::ClientIp)
        )
        .then(|| crate::extract::ClientIp::of(&parts.extensions, &parts.headers))
        .flatten();
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
            // The headers are cloned only while another attempt could still need them.
            let last = attempt + 1 == attempts || tried.len() == self.upstreams.len();
            let headers = if last {
                std::mem::take(&mut parts.headers)
            } else {
                parts.headers.clone()
            };
            let retrying = (attempt > 0).then(|| {
                self.retrying.fetch_add(1, Ordering::Relaxed);
                Decrement(&self.retrying)
            });
            let sent = Instant::now();
            let outcome = self
                .send(index, &parts.method, headers, &target, body)
                .await;
            drop(retrying);
            match outcome {
                Ok(mut res) => {
                    upstream.succeeded();
                    let answered = Instant::now();
                    let seconds = answered.duration_since(sent).as_secs_f64();
                    let usable = upstream.usable(millis_between(self.epoch, answered));
                    self.report
                        .answered(index, res.status().as_u16(), seconds, usable);
                    if res.status() == StatusCode::SWITCHING_PROTOCOLS
                        && let Some(client_side) = on_upgrade
                    {
                        let held = InFlight::new(&self.upstreams, index);
                        tunnel(client_side, hyper::upgrade::on(&mut res), held);
                        return res.map(|_| Body::empty());
                    }
                    return self.answer(index, res);
                }
                Err(failed @ Failure::Body(_)) => return failed.into_response(),
                Err(failed) => {
                    self.attempt_failed(index, attempt, &failed, now);
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

    /// Counts a failed attempt against its upstream (ejecting it after too many), and says so.
    fn attempt_failed(&self, index: usize, attempt: u32, failed: &Failure, now: u64) {
        let upstream = &self.upstreams[index];
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
    }

    /// The path and query to ask the upstreams for, the prefix stripped; `None` when the
    /// path is not under the prefix to strip, `Some(Err)` when what is left is no target.
    fn target(&self, uri: &http::Uri) -> Option<Result<PathAndQuery, Failure>> {
        let Some(prefix) = &self.config.strip_prefix else {
            // Parsed once already: passed on as it is, a reference count and no copy.
            let target = uri.path_and_query().cloned();
            return Some(Ok(target.unwrap_or_else(|| PathAndQuery::from_static("/"))));
        };
        let path_and_query = uri.path_and_query().map_or("/", |pq| pq.as_str());
        let rest = path_and_query.strip_prefix(prefix.as_str())?;
        let target = match rest.as_bytes().first() {
            None => return Some(Ok(PathAndQuery::from_static("/"))),
            Some(b'/') => PathAndQuery::try_from(rest),
            Some(b'?') => PathAndQuery::try_from(format!("/{rest}")),
            // `/apis` is not under `/api`.
            Some(_) => return None,
        };
        Some(target.map_err(|_| Failure::BadTarget))
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
        // HTTP/2 and HTTP/3 clients name the host in the URI alone: it becomes `Host`.
        let (host, from_uri) = match parts.headers.get(header::HOST) {
            Some(host) => (Some(host.clone()), false),
            None => {
                let authority = parts.uri.authority();
                (
                    authority.and_then(|a| HeaderValue::from_str(a.as_str()).ok()),
                    true,
                )
            }
        };
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
        if from_uri && let Some(host) = host {
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
        method: &Method,
        headers: http::HeaderMap,
        target: &PathAndQuery,
        body: Body,
    ) -> Result<http::Response<hyper::body::Incoming>, Failure> {
        let upstream = &self.upstreams[index];
        let uri = upstream.uri(target).map_err(|_| Failure::BadTarget)?;
        let mut req = http::Request::new(body);
        *req.method_mut() = method.clone();
        *req.uri_mut() = uri;
        *req.headers_mut() = headers;
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
            Ok(Err(e)) => match client_body_failed(&e) {
                Some(status) => Err(Failure::Body(status.as_u16())),
                None => Err(Failure::Reset(e.to_string())),
            },
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
        let body = UpstreamBody::new(
            body,
            self.config.idle_timeout,
            InFlight::new(&self.upstreams, index),
        );
        Response::from_parts(parts, Body::new(body))
    }
}

struct Decrement<'a>(&'a AtomicUsize);

impl Drop for Decrement<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

fn is_idempotent(method: &Method) -> bool {
    matches!(
        *method,
        Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE | Method::PUT | Method::DELETE
    )
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
