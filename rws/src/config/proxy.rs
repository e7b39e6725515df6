//! `[[proxy]]`: the `rws` binary as a reverse proxy, one table per path prefix, and how each
//! becomes a [`ReverseProxy`](crate::proxy::ReverseProxy).

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::HumanDuration;

/// One `[[proxy]]` table: requests under `path` go to `upstreams`.
///
/// ```toml
/// [[proxy]]
/// path = "/api"
/// upstreams = ["http://10.0.0.1:8080", "http://10.0.0.2:8080"]
/// strategy = "least_connections"
/// health_check = "/healthz"
/// response_timeout = "30s"
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
pub struct ProxyConfig {
    /// The path prefix proxied (`/api`: `/api` and everything under it; `/`: every path the
    /// built-in endpoints do not answer).
    pub path: String,
    /// The upstreams: `http://host:port`, `https://host`, optionally with a base path.
    pub upstreams: Vec<String>,
    /// Their weights, in the same order (default 1 each).
    pub weights: Vec<u32>,
    /// `round_robin`, `least_connections`, `power_of_two_choices` or `consistent_hash`.
    pub strategy: String,
    /// What `consistent_hash` hashes: `header:NAME`, `cookie:NAME`, `client_ip` or `path`.
    pub hash_key: String,
    /// A path every upstream is asked for (`/healthz`); empty: no active checks.
    pub health_check: String,
    /// How often.
    pub health_interval: HumanDuration,
    /// How long an answer may take.
    pub health_timeout: HumanDuration,
    /// Time to connect to an upstream.
    pub connect_timeout: HumanDuration,
    /// Time until the response head; past it, 504.
    pub response_timeout: HumanDuration,
    /// Time an upstream may go silent within a response body.
    pub idle_timeout: HumanDuration,
    /// Failures in a row that eject an upstream; 0: never.
    pub max_fails: u32,
    /// How long an ejected upstream sits out.
    pub fail_timeout: HumanDuration,
    /// Retries of a failed idempotent request without a body, each on another upstream.
    pub retries: u32,
    /// Pass the path on without the prefix.
    pub strip_prefix: bool,
    /// Send the upstream's host as `Host` instead of the client's.
    pub rewrite_host: bool,
    /// HTTP/2 with prior knowledge to `http://` upstreams.
    pub http2: bool,
    /// A PEM file of CA certificates to trust for `https://` upstreams.
    pub ca_root: Option<PathBuf>,
    /// Adds `Via: 1.1 {via}`; empty: no `Via`.
    pub via: String,
}

impl Default for ProxyConfig {
    fn default() -> Self {
        let s = std::time::Duration::from_secs;
        ProxyConfig {
            path: "/".to_owned(),
            upstreams: Vec::new(),
            weights: Vec::new(),
            strategy: "round_robin".to_owned(),
            hash_key: String::new(),
            health_check: String::new(),
            health_interval: HumanDuration(s(2)),
            health_timeout: HumanDuration(s(1)),
            connect_timeout: HumanDuration(s(5)),
            response_timeout: HumanDuration(s(60)),
            idle_timeout: HumanDuration(s(60)),
            max_fails: 3,
            fail_timeout: HumanDuration(s(10)),
            retries: 1,
            strip_prefix: false,
            rewrite_host: false,
            http2: false,
            ca_root: None,
            via: String::new(),
        }
    }
}

/// What a `strategy` and `hash_key` pair means, or why it means nothing.
#[cfg(feature = "proxy")]
fn strategy(c: &ProxyConfig) -> Result<crate::proxy::LoadBalancing, (&'static str, String)> {
    use crate::proxy::{HashKey, LoadBalancing};
    let strategy = match c.strategy.as_str() {
        "round_robin" => LoadBalancing::RoundRobin,
        "least_connections" => LoadBalancing::LeastConnections,
        "power_of_two_choices" => LoadBalancing::PowerOfTwoChoices,
        "consistent_hash" => {
            let key = match c.hash_key.split_once(':') {
                Some(("header", name)) => http::HeaderName::from_bytes(name.trim().as_bytes())
                    .map(HashKey::Header)
                    .map_err(|_| format!("{name:?} is not a header name")),
                Some(("cookie", name)) if !name.trim().is_empty() => {
                    Ok(HashKey::Cookie(name.trim().to_owned()))
                }
                None if c.hash_key == "client_ip" => Ok(HashKey::ClientIp),
                None if c.hash_key == "path" => Ok(HashKey::Path),
                _ => Err(format!(
                    "{:?}: write header:NAME, cookie:NAME, client_ip or path",
                    c.hash_key
                )),
            };
            LoadBalancing::ConsistentHash(key.map_err(|why| ("hash_key", why))?)
        }
        other => {
            return Err((
                "strategy",
                format!(
                    "{other:?} is not a strategy: round_robin, least_connections, power_of_two_choices or consistent_hash"
                ),
            ));
        }
    };
    Ok(strategy)
}

impl ProxyConfig {
    /// The proxy this table describes, or every problem with it: (field, why).
    #[cfg(feature = "proxy")]
    #[cfg_attr(docsrs, doc(cfg(feature = "proxy")))]
    pub fn reverse_proxy(&self) -> Result<crate::proxy::ReverseProxy, Vec<(&'static str, String)>> {
        use crate::proxy::ReverseProxy;
        let mut problems = self.shape();
        if !self.weights.is_empty() && self.weights.len() != self.upstreams.len() {
            problems.push((
                "weights",
                format!(
                    "lists {} weights for {} upstreams",
                    self.weights.len(),
                    self.upstreams.len()
                ),
            ));
        }
        let weights = self.weights.iter().copied().chain(std::iter::repeat(1));
        let mut proxy = ReverseProxy::weighted(self.upstreams.iter().zip(weights));
        if !self.upstreams.is_empty() {
            problems.extend(proxy.problems().into_iter().map(|why| ("upstreams", why)));
        }
        match strategy(self) {
            Ok(strategy) => proxy = proxy.strategy(strategy),
            Err(problem) => problems.push(problem),
        }
        if !self.health_check.is_empty() {
            proxy = proxy
                .health_check(self.health_check.clone())
                .health_check_every(self.health_interval.0, self.health_timeout.0);
        }
        proxy = proxy
            .connect_timeout(self.connect_timeout.0)
            .response_timeout(self.response_timeout.0)
            .idle_timeout(self.idle_timeout.0)
            .eject_after(self.max_fails, self.fail_timeout.0)
            .retries(self.retries);
        if self.strip_prefix && self.path != "/" {
            proxy = proxy.strip_prefix(self.path.clone());
        }
        if self.rewrite_host {
            proxy = proxy.rewrite_host();
        }
        if self.http2 {
            proxy = proxy.http2();
        }
        if !self.via.is_empty() {
            proxy = proxy.via(self.via.clone());
        }
        if let Some(path) = &self.ca_root {
            proxy = proxy.ca_root(path);
            if let Some(why) = proxy.problems().into_iter().find(|p| p.contains("ca_root")) {
                problems.push(("ca_root", why));
            }
        }
        if problems.is_empty() {
            Ok(proxy)
        } else {
            Err(problems)
        }
    }

    /// What needs no proxy to check.
    fn shape(&self) -> Vec<(&'static str, String)> {
        let mut problems = Vec::new();
        if !self.path.starts_with('/') {
            problems.push(("path", format!("{:?} must start with /", self.path)));
        }
        if self.path.contains([':', '*']) {
            problems.push((
                "path",
                format!(
                    "{:?} is a prefix, not a route pattern: no : or *",
                    self.path
                ),
            ));
        }
        if self.upstreams.is_empty() {
            problems.push((
                "upstreams",
                "is empty: list at least one upstream".to_owned(),
            ));
        }
        if !self.health_check.is_empty() && !self.health_check.starts_with('/') {
            problems.push((
                "health_check",
                format!("{:?} must be a path starting with /", self.health_check),
            ));
        }
        problems
    }

    /// The problems of this table when the binary was built without the proxy.
    #[cfg(not(feature = "proxy"))]
    pub(super) fn problems(&self) -> Vec<(&'static str, String)> {
        vec![(
            "path",
            "this rws was built without the `proxy` feature".to_owned(),
        )]
    }

    /// The problems of this table.
    #[cfg(feature = "proxy")]
    pub(super) fn problems(&self) -> Vec<(&'static str, String)> {
        self.reverse_proxy().err().unwrap_or_default()
    }
}
