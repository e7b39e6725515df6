//! Rate limiting: a token bucket per key (GCRA), with the IETF `RateLimit` headers.

mod gcra;
#[cfg(feature = "redis")]
mod redis;
mod store;

use std::fmt;
use std::net::{IpAddr, Ipv6Addr};
use std::sync::Arc;
use std::time::Duration;

use http::HeaderValue;
use http::header::{self, HeaderName};

#[cfg(feature = "redis")]
#[cfg_attr(docsrs, doc(cfg(feature = "redis")))]
pub use self::redis::{OnRedisError, RedisRateLimitStore};
pub use gcra::{Decision, Quota};
pub use store::{MemoryStore, RateLimitStore};

use super::{Middleware, Next};
use crate::extract::ClientIp;
use crate::response::IntoResponse;
use crate::{Error, Request, Response};

type KeyFn = Arc<dyn Fn(&Request) -> Option<String> + Send + Sync>;

/// What a request is counted under.
#[derive(Clone)]
enum Key {
    Global,
    Ip,
    Header(HeaderName),
    Custom(KeyFn),
}

/// Limits how often a client may call: `quota.requests()` at once, refilled evenly over the
/// quota's period, counted per client address (the default), per header value, per anything a
/// closure derives from the request (an authenticated identity, say), or for everyone together.
///
/// A refused request gets 429 with `Retry-After` and never reaches the handler. Every answer
/// carries the IETF `RateLimit-Policy` (`"name";q=100;w=60`) and `RateLimit`
/// (`"name";r=42;t=5`: requests remaining, seconds until the quota is whole again) headers.
/// Wrap an app for a global limit, `.with(..)` a route for its own; both apply when both are set.
///
/// ```
/// use std::time::Duration;
/// use rws::prelude::*;
/// use rws::middleware::{RateLimitLayer, rate_limit::Quota};
///
/// let app = App::new()
///     .post("/login", (|| async { "…" }).with(RateLimitLayer::per_ip(Quota::per_minute(5)).named("login")))
///     .wrap(RateLimitLayer::per_ip(Quota::per_second(50)))
///     .wrap(RateLimitLayer::keyed(Quota::per_hour(1000), |req: &Request| {
///         req.headers().get("x-api-key")?.to_str().ok().map(str::to_owned)
///     }));
/// # let _ = app;
/// ```
pub struct RateLimitLayer<S = MemoryStore> {
    quota: Quota,
    key: Key,
    name: String,
    store: Arc<S>,
    policy: Option<HeaderValue>,
    // IPv6 clients are counted by their network of this prefix length.
    ipv6_prefix: u8,
}

impl<S> fmt::Debug for RateLimitLayer<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RateLimitLayer")
            .field("quota", &self.quota)
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

impl RateLimitLayer {
    fn with_key(quota: Quota, key: Key) -> Self {
        RateLimitLayer {
            quota,
            key,
            name: String::new(),
            store: Arc::new(MemoryStore::default()),
            policy: None,
            ipv6_prefix: 64,
        }
        .named("default")
    }

    /// Per client address ([`ClientIp`]: behind trusted proxies, the forwarded one).
    pub fn per_ip(quota: Quota) -> Self {
        RateLimitLayer::with_key(quota, Key::Ip)
    }

    /// Per value of the header `name` (an API key, say); requests without it are counted per
    /// client address.
    ///
    /// The header is taken as the client sends it: a client choosing its own value gets a
    /// bucket of its own per value. Key on a header only when something in front checks it
    /// (an API gateway that validated the key, a proxy that sets it), or when a value costs
    /// the client something to obtain.
    pub fn per_header(quota: Quota, name: HeaderName) -> Self {
        RateLimitLayer::with_key(quota, Key::Header(name))
    }

    /// One bucket for every request.
    pub fn global(quota: Quota) -> Self {
        RateLimitLayer::with_key(quota, Key::Global)
    }

    /// Per whatever `key` returns for a request; `None` leaves the request unlimited (by this
    /// layer).
    pub fn keyed(
        quota: Quota,
        key: impl Fn(&Request) -> Option<String> + Send + Sync + 'static,
    ) -> Self {
        RateLimitLayer::with_key(quota, Key::Custom(Arc::new(key)))
    }
}

impl<S: RateLimitStore> RateLimitLayer<S> {
    /// The policy's name in the `RateLimit` headers (default `"default"`); also keeps this
    /// limit's keys apart from other limits sharing a store.
    pub fn named(mut self, name: &str) -> Self {
        name.clone_into(&mut self.name);
        let w = self.quota.period().as_secs().max(1);
        self.policy = HeaderValue::from_str(&format!(
            "\"{}\";q={};w={w}",
            name.replace(['"', '\\'], ""),
            self.quota.requests()
        ))
        .ok();
        self
    }

    /// Counts IPv6 clients by their network of `bits` (default 64): one host usually holds a
    /// whole /64 and can pick a new address in it for every request. 128 counts addresses.
    pub fn ipv6_prefix(mut self, bits: u8) -> Self {
        self.ipv6_prefix = bits.min(128);
        self
    }

    /// Keeps the state in `store` (shared by several limits, or outside the process).
    pub fn store<T: RateLimitStore>(self, store: Arc<T>) -> RateLimitLayer<T> {
        RateLimitLayer {
            quota: self.quota,
            key: self.key,
            name: self.name,
            store,
            policy: self.policy,
            ipv6_prefix: self.ipv6_prefix,
        }
    }

    fn key(&self, req: &Request) -> Option<String> {
        let ip = || {
            ClientIp::of(req.extensions(), req.headers()).map(|ip| match ip {
                IpAddr::V6(v6) => {
                    let keep = u32::from(self.ipv6_prefix);
                    let mask = u128::MAX.checked_shl(128 - keep).unwrap_or(0);
                    format!("{}/{keep}", Ipv6Addr::from(u128::from(v6) & mask))
                }
                IpAddr::V4(v4) => v4.to_string(),
            })
        };
        let key = match &self.key {
            Key::Global => Some(String::new()),
            Key::Ip => ip(),
            Key::Header(name) => req
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(|v| format!("h:{v}"))
                .or_else(ip),
            Key::Custom(f) => f(req),
        }?;
        Some(format!("{}\u{0}{key}", self.name))
    }

    fn headers(&self, res: &mut Response, remaining: u32, reset: Duration) {
        let t = reset.as_secs() + u64::from(reset.subsec_nanos() > 0);
        let name = self.name.replace(['"', '\\'], "");
        if let Ok(value) = HeaderValue::from_str(&format!("\"{name}\";r={remaining};t={t}")) {
            // Appended: with a route limit and a global one, the answer lists both policies.
            res.headers_mut()
                .append(HeaderName::from_static("ratelimit"), value);
        }
        if let Some(policy) = &self.policy {
            res.headers_mut()
                .append(HeaderName::from_static("ratelimit-policy"), policy.clone());
        }
    }
}

impl<S: RateLimitStore> Middleware for RateLimitLayer<S> {
    fn problems(&self) -> Vec<String> {
        self.quota
            .problem()
            .map(|p| format!("RateLimitLayer `{}`: {p}", self.name))
            .into_iter()
            .collect()
    }

    async fn handle(&self, req: Request, next: Next) -> Response {
        let Some(key) = self.key(&req) else {
            return next.run(req).await;
        };
        match self.store.acquire(&key, self.quota).await {
            Decision::Allowed { remaining, reset } => {
                let mut res = next.run(req).await;
                self.headers(&mut res, remaining, reset);
                res
            }
            Decision::Limited { retry_after } => {
                let seconds = retry_after.as_secs() + u64::from(retry_after.subsec_nanos() > 0);
                let mut res = Error::too_many_requests(format!(
                    "rate limit \"{}\" of {} requests per {:?} reached; retry in {seconds} s",
                    self.name,
                    self.quota.requests(),
                    self.quota.period()
                ))
                .into_response();
                res.headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
                self.headers(&mut res, 0, retry_after);
                res
            }
        }
    }
}
