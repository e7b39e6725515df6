//! The traffic middleware's settings: `[compression]`, `[rate_limit]`, `[ip_filter]`,
//! `[security_headers]`, `[cache]`, and how each becomes its layer.

use http::HeaderName;
use serde::{Deserialize, Serialize};

use super::{ByteSize, HumanDuration};
use crate::middleware::rate_limit::Quota;
use crate::middleware::{IpFilterLayer, RateLimitLayer, SecurityHeadersLayer};

/// `[compression]`: responses compressed on the fly.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
pub struct CompressionConfig {
    /// On or off.
    pub enabled: bool,
    /// The codings offered: `br`, `zstd`, `gzip`, `deflate`.
    pub encodings: Vec<String>,
    /// Responses shorter than this stay uncompressed.
    pub min_size: ByteSize,
}

impl Default for CompressionConfig {
    fn default() -> Self {
        CompressionConfig {
            enabled: false,
            encodings: ["br", "zstd", "gzip", "deflate"]
                .map(str::to_owned)
                .to_vec(),
            min_size: ByteSize(1024),
        }
    }
}

/// `[rate_limit]`: one limit for every request (off while `requests` is 0).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
pub struct RateLimitConfig {
    /// Requests allowed per period (and at once); 0 disables the limit.
    pub requests: u32,
    /// The period the requests refill over.
    pub period: HumanDuration,
    /// What requests are counted under: `ip`, `global`, or `header:NAME` (the header is taken
    /// as the client sends it: key on it only when something in front checks it).
    pub key: String,
    /// IPv6 clients are counted by their network of this many bits (one host holds a /64).
    pub ipv6_prefix: u8,
}

impl Default for RateLimitConfig {
    fn default() -> Self {
        RateLimitConfig {
            requests: 0,
            period: HumanDuration(std::time::Duration::from_secs(60)),
            key: "ip".to_owned(),
            ipv6_prefix: 64,
        }
    }
}

/// `[cache]`: an RFC 9111 response cache in memory in front of what the server serves (off
/// while `entries` is 0). Reloading the configuration starts it empty.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
pub struct CacheConfig {
    /// Responses kept at most; 0 disables the cache.
    pub entries: u64,
    /// Bytes kept at most (headers and bodies).
    pub max_size: ByteSize,
    /// The largest body stored; larger responses pass through.
    pub max_entry_size: ByteSize,
    /// How long a response that says nothing of its freshness stays fresh.
    pub ttl: HumanDuration,
    /// Request headers that get an entry each per value (`Accept`, say).
    pub vary_by: Vec<String>,
}

impl Default for CacheConfig {
    fn default() -> Self {
        CacheConfig {
            entries: 0,
            max_size: ByteSize(64 << 20),
            max_entry_size: ByteSize(1 << 20),
            ttl: HumanDuration(std::time::Duration::from_secs(60)),
            vary_by: Vec::new(),
        }
    }
}

impl CacheConfig {
    /// The layer these settings describe, `None` when the cache is off; an error names the
    /// header that is not one.
    #[cfg(feature = "cache")]
    #[cfg_attr(docsrs, doc(cfg(feature = "cache")))]
    pub fn layer(&self) -> Result<Option<crate::cache::CacheLayer>, String> {
        if self.entries == 0 {
            return Ok(None);
        }
        let store = crate::cache::MemoryCache::with_limits(self.entries, self.max_size.0);
        let mut layer = crate::cache::CacheLayer::new(store)
            .ttl(self.ttl.0.as_secs())
            .max_entry_size(usize::try_from(self.max_entry_size.0).unwrap_or(usize::MAX));
        for name in &self.vary_by {
            if http::HeaderName::from_bytes(name.as_bytes()).is_err() {
                return Err(format!("{name:?} is not a header name"));
            }
            layer = layer.vary_by_header(name);
        }
        Ok(Some(layer))
    }
}

/// `[ip_filter]`: addresses and CIDR ranges let in or kept out (of the client address, see
/// `trusted_proxies`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
pub struct IpFilterConfig {
    /// When not empty, only these may pass.
    pub allow: Vec<String>,
    /// These are refused.
    pub deny: Vec<String>,
}

/// `[security_headers]`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
pub struct SecurityHeadersConfig {
    /// Adds `X-Content-Type-Options`, `X-Frame-Options`, `Referrer-Policy` (and HSTS on TLS).
    pub enabled: bool,
    /// A `Content-Security-Policy` to send too.
    pub content_security_policy: Option<String>,
}

impl RateLimitConfig {
    /// The layer, if a limit is set; `Err` names a key that is not `ip`, `global` or
    /// `header:NAME`.
    pub fn layer(&self) -> Result<Option<RateLimitLayer>, String> {
        if self.requests == 0 {
            return Ok(None);
        }
        if self.period.0.is_zero() {
            return Err("the period must be longer than zero".into());
        }
        let quota = Quota::new(self.requests, self.period.0);
        let limit = match self.key.as_str() {
            "ip" => RateLimitLayer::per_ip(quota),
            "global" => RateLimitLayer::global(quota),
            other => match other.strip_prefix("header:").map(HeaderName::try_from) {
                Some(Ok(name)) => RateLimitLayer::per_header(quota, name),
                _ => {
                    return Err(format!(
                        "{other:?} is not a key: write \"ip\", \"global\" or \"header:NAME\""
                    ));
                }
            },
        };
        if self.ipv6_prefix > 128 {
            return Err(format!(
                "ipv6_prefix {} is longer than an IPv6 address (128 bits)",
                self.ipv6_prefix
            ));
        }
        Ok(Some(limit.ipv6_prefix(self.ipv6_prefix)))
    }
}

impl IpFilterConfig {
    /// The layer, if either list has entries (invalid entries are reported by `App::build`
    /// and, earlier, by the configuration check).
    pub fn layer(&self) -> Option<IpFilterLayer> {
        if self.allow.is_empty() && self.deny.is_empty() {
            return None;
        }
        Some(
            IpFilterLayer::new()
                .allow(self.allow.iter().map(String::as_str))
                .deny(self.deny.iter().map(String::as_str)),
        )
    }
}

impl SecurityHeadersConfig {
    /// The layer, if enabled.
    pub fn layer(&self) -> Option<SecurityHeadersLayer> {
        if !self.enabled {
            return None;
        }
        let mut layer = SecurityHeadersLayer::new();
        if let Some(csp) = &self.content_security_policy {
            layer = layer.content_security_policy(csp);
        }
        Some(layer)
    }
}

#[cfg(feature = "compression")]
impl CompressionConfig {
    /// The layer, if enabled.
    pub fn layer(&self) -> Option<crate::middleware::CompressionLayer> {
        self.enabled.then(|| {
            crate::middleware::CompressionLayer::new()
                .encodings(self.encodings.iter().map(String::as_str))
                .min_size(self.min_size.0)
        })
    }
}
